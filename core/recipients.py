"""Recipients as people write them: codes, or names the directory can suggest a code for.

A clerk writes "Nơi nhận: UBND huyện Long Hồ" as often as "Nơi nhận: 000.00.32.H61". Names are never resolved
silently (a document must not go to a guessed agency): the document is held and the receipt suggests the code.
Matching ignores case and diacritics and expands the usual abbreviations (UBND, HĐND, TP, GD&ĐT …)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.agency import Agency
from core.organ_id import InvalidOrganId, OrganId
from core.text import fold

# folded abbreviation → folded words (administrative names of Vietnamese agencies)
ABBREVIATIONS: dict[str, str] = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "vp": "van phong",
    "tp": "thanh pho",
    "tx": "thi xa",
    "tt": "thi tran",
    "q": "quan",
    "h": "huyen",
    "p": "phuong",
    "x": "xa",
    "gd&dt": "giao duc va dao tao",
    "gddt": "giao duc va dao tao",
    "tn&mt": "tai nguyen va moi truong",
    "tnmt": "tai nguyen va moi truong",
    "nn&ptnt": "nong nghiep va phat trien nong thon",
    "lđtb&xh": "lao dong thuong binh va xa hoi",
    "ldtb&xh": "lao dong thuong binh va xa hoi",
    "vh&tt": "van hoa va the thao",
    "kh&dt": "ke hoach va dau tu",
    "khdt": "ke hoach va dau tu",
    "tt&tt": "thong tin va truyen thong",
    "ttt": "thong tin va truyen thong",
    "bch": "ban chi huy",
    "ca": "cong an",
    "kbnn": "kho bac nha nuoc",
    "mttq": "mat tran to quoc",
}
_SEPARATORS = re.compile(r"[;,\n]+")
_WORD = re.compile(r"[a-z0-9&]+")
MIN_COVERAGE = 0.75  # share of the written words an agency's name must contain to be suggested
# Hostile input stays cheap: a name longer than any agency's is cut, and only the first names get suggestions
# (each one is compared with the whole directory); the document is held for them all the same.
MAX_NAME = 200
MAX_NAMES = 20


@dataclass(frozen=True, slots=True)
class WrittenRecipients:
    codes: list[OrganId]
    names: list[str]  # what was written that is not a code, as written


def split_recipients(text: str) -> WrittenRecipients:
    """'000.00.32.H61; UBND xã Long Phước, 000.00.01.H61' → two codes and one name. Codes may also be
    separated by spaces; a part with words is a name (the first MAX_NAMES, each cut at MAX_NAME characters)."""
    codes: list[OrganId] = []
    names: dict[str, None] = {}
    for part in (p.strip() for p in _SEPARATORS.split(text)):
        if not part:
            continue
        words = part.split()
        parsed = _codes(words)
        if parsed is not None:
            codes.extend(parsed)
        elif len(names) < MAX_NAMES:
            names[" ".join(words)[:MAX_NAME]] = None
    return WrittenRecipients(list(dict.fromkeys(codes)), list(names))


def _codes(words: list[str]) -> list[OrganId] | None:
    """Every word as a code, or None at the first word that is not one."""
    out = []
    for word in words:
        if (code := _code(word)) is None:
            return None
        out.append(code)
    return out


def _code(word: str) -> OrganId | None:
    try:
        return OrganId.parse(word)
    except InvalidOrganId:
        return None


def name_key(text: str) -> list[str]:
    """Folded words with abbreviations expanded: 'UBND huyện Long Hồ' → uy ban nhan dan huyen long ho."""
    t = fold(text).replace(".", " ").replace("-", " ")
    out: list[str] = []
    for word in _WORD.findall(t):
        out.extend(ABBREVIATIONS.get(word, word).split())
    return out


def suggest(name: str, agencies: Iterable[Agency], limit: int = 3) -> list[Agency]:
    """Agencies whose name (or abbreviation + name) contains most of the written words, best first: an exact
    name first, then names containing every word (the shortest first), then those containing MIN_COVERAGE."""
    wanted = name_key(name[:MAX_NAME])
    if not wanted:
        return []
    scored: list[tuple[float, int, str, Agency]] = []
    for agency in agencies:
        words = name_key(agency.name)
        if not words:
            continue
        found = sum(1 for w in wanted if w in words) / len(wanted)
        if found < MIN_COVERAGE:
            continue
        exact = 1.0 if words == wanted else 0.0
        scored.append((-(exact + found), len(words), agency.organ_id.value, agency))
    scored.sort(key=lambda s: s[:3])
    return [s[3] for s in scored[:limit]]
