"""Mã định danh cơ quan (QCVN 102:2016): V1V2V3.Z1Z2.Y1Y2.X1X2X3, read right to left."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^(\d{3})\.(\d{2})\.(\d{2})\.([A-Z]\d{2})$")


class InvalidOrganId(ValueError):
    pass


@dataclass(frozen=True, order=True, slots=True)
class OrganId:
    value: str

    def __post_init__(self) -> None:
        if not _PATTERN.match(self.value):
            raise InvalidOrganId(f"Mã định danh cơ quan không hợp lệ: {self.value!r}")

    @classmethod
    def parse(cls, text: str) -> OrganId:
        return cls(text.strip().upper())

    @property
    def level1(self) -> str:
        return self.value[-3:]

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

    def __str__(self) -> str:
        return self.value
