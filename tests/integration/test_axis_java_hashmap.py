"""bridge.axis.java.JavaHashMap iterates like java.util.HashMap — checked against a real JVM (the SDK's header
order, hence its sign-header-key and sign-header JSON, is HashMap order): random key sets, replaced keys, enough
keys to make the table resize several times, colliding buckets."""

from __future__ import annotations

import random
import string
import subprocess
from pathlib import Path

from bridge.axis.java import JavaHashMap, string_hash, unpadded_hex
from tests.fixtures.require import require_binary

JAVA_SOURCE = """
import java.nio.file.*;
import java.util.*;

public class HashMapOrder {
    public static void main(String[] args) throws Exception {
        for (String line : Files.readAllLines(Paths.get(args[0]))) {
            HashMap<String, String> map = new HashMap<>();
            for (String key : line.split("\\t", -1)) map.put(key, "v");
            System.out.println(String.join("\\t", map.keySet()));
        }
        System.out.println("hash\\t" + "systemid".hashCode() + "\\t" + "Tr\\u1ee5c".hashCode()
            + "\\t" + "\\ud83d\\ude00".hashCode());
    }
}
"""
# the SDK's own names, plus words that share buckets
VOCABULARY = [
    "systemid", "timestamp", "Content-Type", "servicetype", "messagetype", "from", "to", "hash-file", "docId",
    "docid", "filePath", "status", "description", "Aa", "BB", "AaAa", "BBBB", "AaBB", "BBAa",
]  # fmt: skip


def _key_sets(rng: random.Random) -> list[list[str]]:
    sets = []
    for _ in range(300):
        size = rng.choice([3, 7, 12, 13, 25, 49, 97])
        keys = [rng.choice(VOCABULARY) if rng.random() < 0.5 else _word(rng) for _ in range(size)]
        sets.append(keys)
    return sets


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_letters + "-_") for _ in range(rng.randint(1, 12)))


def test_iteration_order_matches_a_real_jvm(tmp_path: Path) -> None:
    java = require_binary("java")
    rng = random.Random(20261201)
    key_sets = _key_sets(rng)
    source, inputs = tmp_path / "HashMapOrder.java", tmp_path / "keys.tsv"
    source.write_text(JAVA_SOURCE, "utf-8")
    inputs.write_text("\n".join("\t".join(keys) for keys in key_sets) + "\n", "utf-8")

    run = subprocess.run([java, str(source), str(inputs)], capture_output=True, text=True, timeout=120, check=True)
    *orders, hashes = run.stdout.splitlines()

    assert len(orders) == len(key_sets)
    for keys, java_order in zip(key_sets, orders, strict=True):
        ours = JavaHashMap((key, "v") for key in keys)
        assert "\t".join(k for k, _ in ours.items()) == java_order, keys
    assert hashes.split("\t")[1:] == [str(string_hash(s)) for s in ("systemid", "Trục", "😀")]


def test_unpadded_hex_is_integer_to_hex_string_per_byte() -> None:
    assert unpadded_hex(bytes([0x00, 0x0F, 0x10, 0xFF])) == "0f10ff"
