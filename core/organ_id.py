"""Mã định danh cơ quan (QCVN 102:2016): V1V2V3.Z1Z2.Y1Y2.X1X2X3, read right to left.

X1X2X3 is the level-1 body (a group letter and two digits, e.g. H61), Y1Y2 level 2, Z1Z2 level 3 and
V1V2V3 level 4; zeros mean "no sub-level", so `000.00.00.H61` is the level-1 body itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# ASCII only: `\d` would also accept other scripts' digits.
_PATTERN = re.compile(r"([0-9]{3})\.([0-9]{2})\.([0-9]{2})\.([A-Z][0-9]{2})")


class InvalidOrganId(ValueError):
    pass


@dataclass(frozen=True, order=True, slots=True)
class OrganId:
    value: str

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not _PATTERN.fullmatch(self.value):
            raise InvalidOrganId(
                f"Mã định danh cơ quan không hợp lệ: {self.value!r} (đúng dạng 000.00.00.H61 theo QCVN 102:2016)"
            )

    @classmethod
    def parse(cls, text: str) -> OrganId:
        """Lenient on surrounding spaces and letter case: ' 000.00.01.h53 ' → 000.00.01.H53."""
        if not isinstance(text, str):
            raise InvalidOrganId(f"Mã định danh cơ quan không hợp lệ: {text!r}")
        return cls(text.strip().upper())

    @property
    def level1(self) -> str:
        """The level-1 code, e.g. 'H61'."""
        return self.value[-3:]

    @property
    def level1_id(self) -> OrganId:
        """The level-1 body this one belongs to: 000.01.32.H53 → 000.00.00.H53."""
        return OrganId(f"000.00.00.{self.level1}")

    @property
    def is_level1(self) -> bool:
        return self.value.startswith("000.00.00.")

    @property
    def level(self) -> int:
        """1 for the level-1 body, up to 4; the deepest non-zero group decides."""
        v, z, y, _ = self.value.split(".")
        if v != "000":
            return 4
        if z != "00":
            return 3
        return 2 if y != "00" else 1

    @property
    def parent(self) -> OrganId | None:
        """The managing body one level up, or None for a level-1 body."""
        v, z, y, x = self.value.split(".")
        if v != "000":
            return OrganId(f"000.{z}.{y}.{x}")
        if z != "00":
            return OrganId(f"000.00.{y}.{x}")
        if y != "00":
            return OrganId(f"000.00.00.{x}")
        return None

    def ancestors(self) -> list[OrganId]:
        """Parent, grandparent … up to the level-1 body (nearest first)."""
        out: list[OrganId] = []
        cur = self.parent
        while cur is not None:
            out.append(cur)
            cur = cur.parent
        return out

    def __str__(self) -> str:
        return self.value
