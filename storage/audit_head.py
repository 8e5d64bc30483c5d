"""The audit chain's head (position + hash) kept in a file outside the database, so deleting the newest audit
rows is detected (bridge.services.audit). Only ever moves forward; concurrent writers take a file lock."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path


class AuditHeadFile:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def read(self) -> tuple[int, str] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return int(data["seq"]), str(data["hash"])
        except FileNotFoundError:
            return None
        except (KeyError, TypeError, ValueError) as exc:  # a damaged head file is evidence too
            raise ValueError(f"tệp đầu chuỗi nhật ký {self.path} bị hỏng") from exc

    def advance(self, seq: int, digest: str) -> bool:
        """Write (seq, digest) unless the file already names this position or a later one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.read()
            if current is not None and current[0] >= seq:
                return False
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump({"seq": seq, "hash": digest}, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        return True
