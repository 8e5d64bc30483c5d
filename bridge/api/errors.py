"""The error answers every route may give, declared in the OpenAPI document (clients and schemathesis see them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    """`detail`: a Vietnamese sentence, or the list of invalid fields (422)."""

    detail: Any


def _error(text: str) -> dict[str, Any]:
    return {"model": Problem, "description": text}


# Bounds of request numbers: anything outside is a 422, never a database error or an overflow.
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_OFFSET = 1_000_000
MAX_ID = 2**62

ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Yêu cầu không hợp lệ"),
    401: _error("Cần đăng nhập"),
    403: _error("Không có quyền"),
    404: _error("Không tìm thấy"),
    409: _error("Xung đột trạng thái"),
    413: _error("Nội dung quá lớn"),
    422: _error("Tham số không hợp lệ"),
    429: _error("Quá nhiều lần thử"),
    503: _error("Chưa sẵn sàng"),
}
