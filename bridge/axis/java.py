"""The bits of Java the VPCP SDK's wire format depends on: HashMap iteration order, gson's JSON text, and
`Integer.toHexString` per byte. Reproduced exactly so our requests are byte-for-byte the SDK's."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

_INITIAL_CAPACITY = 16
_LOAD_FACTOR = 0.75
_TREEIFY_THRESHOLD = 8
_MIN_TREEIFY_CAPACITY = 64


def string_hash(text: str) -> int:
    """java.lang.String.hashCode: s[0]*31^(n-1) + … over UTF-16 code units, as a 32-bit int."""
    h = 0
    for unit in _utf16_units(text):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def _spread(h: int) -> int:
    """HashMap.hash: h ^ (h >>> 16), kept as an unsigned 32-bit value (only the low bits index a bucket)."""
    u = h & 0xFFFFFFFF
    return u ^ (u >> 16)


class JavaHashMap:
    """java.util.HashMap<String, String>: same buckets, same collision chains, same resizes, so iterating gives
    Java's order. (Tree bins need nine keys in one bucket of a 64-slot table; they are refused, not imitated.)"""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._table: list[list[tuple[int, str, str]]] = [[] for _ in range(_INITIAL_CAPACITY)]
        self._size = 0
        for key, value in items:
            self.put(key, value)

    def put(self, key: str, value: str) -> None:
        h = _spread(string_hash(key))
        chain = self._table[h & (len(self._table) - 1)]
        for i, (_, existing, _) in enumerate(chain):
            if existing == key:
                chain[i] = (h, key, value)  # a replaced value keeps its place
                return
        chain.append((h, key, value))
        if len(chain) > _TREEIFY_THRESHOLD:
            if len(self._table) >= _MIN_TREEIFY_CAPACITY:
                raise NotImplementedError("a HashMap tree bin is not imitated")
            self._resize()  # treeifyBin resizes a small table instead
        self._size += 1
        if self._size > len(self._table) * _LOAD_FACTOR:
            self._resize()

    def _resize(self) -> None:
        old = self._table
        self._table = [[] for _ in range(2 * len(old))]
        for j, chain in enumerate(old):
            for node in chain:  # each chain splits into a low and a high half, both keeping their order
                self._table[j + (len(old) if node[0] & len(old) else 0)].append(node)

    def get(self, key: str) -> str | None:
        chain = self._table[_spread(string_hash(key)) & (len(self._table) - 1)]
        return next((value for _, k, value in chain if k == key), None)

    def items(self) -> Iterator[tuple[str, str]]:
        for chain in self._table:
            for _, key, value in chain:
                yield key, value

    def __len__(self) -> int:
        return self._size


def gson_json(pairs: Iterable[tuple[str, str]]) -> str:
    """gson's JsonObject.toString() of string properties: compact, insertion order, no HTML escaping; it escapes
    what json.dumps does plus U+2028/U+2029."""
    text = json.dumps(dict(pairs), separators=(",", ":"), ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def gson_value(value: str) -> str:
    """JsonElement.toString() of a string: the SDK sends `to` this way (quoted)."""
    return gson_json([("", value)])[4:-1]


def unpadded_hex(digest: bytes) -> str:
    """`Integer.toHexString(0xFF & b)` per byte, as the SDK's createContentHA256 writes hash-file: a byte below
    0x10 becomes one digit, so the text can be shorter than 2 × len(digest)."""
    return "".join(format(byte, "x") for byte in digest)


def _utf16_units(text: str) -> Iterator[int]:
    for char in text:
        code = ord(char)
        if code < 0x10000:
            yield code
        else:
            code -= 0x10000
            yield 0xD800 + (code >> 10)
            yield 0xDC00 + (code & 0x3FF)
