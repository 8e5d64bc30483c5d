from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.reply_keywords import (
    KEYWORDS,
    MAX_REASON,
    InvalidReply,
    ReplyCommand,
    extract_token,
    is_token,
    new_token,
    parse_reply,
)
from core.status import StatusCode

S = StatusCode


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("TIẾP NHẬN", S.ACCEPTED),
        ("tiếp nhận", S.ACCEPTED),
        ("Tiep nhan", S.ACCEPTED),
        ("Đã tiếp nhận.", S.ACCEPTED),
        ("PHÂN CÔNG", S.ASSIGNED),
        ("phan cong", S.ASSIGNED),
        ("ĐANG XỬ LÝ", S.PROCESSING),
        ("dang xu ly", S.PROCESSING),
        ("HOÀN THÀNH", S.DONE),
        ("Đã hoàn thành!", S.DONE),
        ("hoan thanh", S.DONE),
        ("ĐỒNG Ý THU HỒI", S.RECALL_AGREED),
        ("dong y thu hoi", S.RECALL_AGREED),
        ("** ĐỒNG Ý THU HỒI **", S.RECALL_AGREED),
    ],
)
def test_keywords_without_reason(text: str, code: StatusCode) -> None:
    assert parse_reply(text) == ReplyCommand(code, "", text)
    assert parse_reply(unicodedata.normalize("NFD", text)) is not None


@pytest.mark.parametrize(
    ("text", "code", "reason"),
    [
        ("TỪ CHỐI: Gửi nhầm nơi nhận", S.REJECTED, "Gửi nhầm nơi nhận"),
        ("tu choi: gui nham noi nhan", S.REJECTED, "gui nham noi nhan"),
        ("Từ chối - thiếu chữ ký số của cơ quan", S.REJECTED, "thiếu chữ ký số của cơ quan"),
        ("Từ chối vì sai thể thức", S.REJECTED, "vì sai thể thức"),
        ("TỪ CHỐI TIẾP NHẬN: sai nơi nhận", S.REJECTED, "sai nơi nhận"),
        ("Không tiếp nhận: không thuộc thẩm quyền", S.REJECTED, "không thuộc thẩm quyền"),
        ("KHÔNG ĐỒNG Ý THU HỒI: đã triển khai", S.RECALL_REFUSED, "đã triển khai"),
        ("khong dong y thu hoi: da trien khai", S.RECALL_REFUSED, "da trien khai"),
        ("Từ chối thu hồi: đã ban hành văn bản hướng dẫn", S.RECALL_REFUSED, "đã ban hành văn bản hướng dẫn"),
        ("TIẾP NHẬN - đã vào sổ đến số 123", S.ACCEPTED, "đã vào sổ đến số 123"),
    ],
)
def test_keywords_with_reason(text: str, code: StatusCode, reason: str) -> None:
    cmd = parse_reply(text)
    assert cmd is not None
    assert (cmd.code, cmd.reason) == (code, reason)


def test_not_agreeing_is_not_read_as_agreeing() -> None:
    cmd = parse_reply("Không đồng ý thu hồi: văn bản đã được triển khai")
    assert cmd is not None and cmd.code is S.RECALL_REFUSED


@pytest.mark.parametrize(
    "text", ["TỪ CHỐI", "Từ chối:", "tu choi :  .", "KHÔNG ĐỒNG Ý THU HỒI", "Từ chối EDOC-0123456789ABCDEF"]
)
def test_missing_reason_is_a_vietnamese_error(text: str) -> None:
    with pytest.raises(InvalidReply, match="Thiếu lý do") as info:
        parse_reply(text)
    assert "lý do" in str(info.value) and "«" in str(info.value)


def test_reason_may_follow_on_the_next_lines_of_the_paragraph() -> None:
    text = "Từ chối:\nGửi nhầm nơi nhận,\nđề nghị gửi Sở Y tế.\n\nVăn thư Sở Nội vụ"
    cmd = parse_reply(text)
    assert cmd == ReplyCommand(S.REJECTED, "Gửi nhầm nơi nhận, đề nghị gửi Sở Y tế.", "Từ chối:")


def test_reason_is_capped() -> None:
    cmd = parse_reply("TỪ CHỐI: " + "x" * (MAX_REASON + 50))
    assert cmd is not None and len(cmd.reason) == MAX_REASON


REAL_MAIL = """Kính gửi Văn phòng UBND tỉnh,

TIẾP NHẬN

Trân trọng,
Nguyễn Thị B
Văn thư Sở Y tế

Vào Th 3, 5 thg 3, 2024 vào lúc 10:00 edoc-bridge <cau-noi@vinhlong.gov.vn> đã viết:
> [edoc-bridge] Văn bản đến số 05/QĐ-UBND
> Trả lời TỪ CHỐI: lý do nếu không tiếp nhận
> Mã theo dõi: EDOC-0123456789ABCDEF
"""


def test_real_reply_mail() -> None:
    assert parse_reply(REAL_MAIL) == ReplyCommand(S.ACCEPTED, "", "TIẾP NHẬN")
    assert extract_token(REAL_MAIL) == "EDOC-0123456789ABCDEF"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n   \n",
        "> TIẾP NHẬN",  # only quoted text
        "Cảm ơn anh chị\nTIẾP NHẬN",  # the first meaningful line decides
        "Tiếp nhanh gọn",  # a keyword must be a whole word
        "TIEP NHANH",
        "Chúng tôi đã xem, HOÀN THÀNH sau",
        "--\nTIẾP NHẬN",  # below the signature
        "Trân trọng\nTIẾP NHẬN",
        "On Tue, 5 Mar 2024, bridge wrote:\n> TIẾP NHẬN",
        "Từ: edoc-bridge\nTIẾP NHẬN",  # Outlook header of the quoted original
        "-----Original Message-----\nHOÀN THÀNH",
    ],
)
def test_no_command(text: str) -> None:
    assert parse_reply(text) is None


def test_salutation_lines_are_skipped() -> None:
    assert parse_reply("Kính gửi: Văn phòng\nĐANG XỬ LÝ") == ReplyCommand(S.PROCESSING, "", "ĐANG XỬ LÝ")
    assert parse_reply("Chào anh,\n\nhoàn thành") == ReplyCommand(S.DONE, "", "hoàn thành")


def test_token_is_not_part_of_the_note() -> None:
    cmd = parse_reply("ĐANG XỬ LÝ EDOC-0123456789abcdef")
    assert cmd is not None and cmd.reason == ""


def test_keyword_table_covers_every_reply_status() -> None:
    assert set(KEYWORDS.values()) == {
        S.REJECTED,
        S.ACCEPTED,
        S.ASSIGNED,
        S.PROCESSING,
        S.DONE,
        S.RECALL_AGREED,
        S.RECALL_REFUSED,
    }
    for shown, code in KEYWORDS.items():
        example = shown.replace("lý do", "gửi nhầm")
        cmd = parse_reply(example)
        assert cmd is not None and cmd.code is code


def test_new_tokens_are_valid_and_distinct() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(is_token(t) and t == t.upper() and len(t) == 21 for t in tokens)


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("Re: [edoc-bridge] Văn bản 05/QĐ-UBND [EDOC-0123456789ABCDEF]", "EDOC-0123456789ABCDEF"),
        ("mã: edoc-0123456789abcdef.", "EDOC-0123456789ABCDEF"),
        ("EDOC-0123456789ABCDEF EDOC-FFFFFFFFFFFFFFFF", "EDOC-0123456789ABCDEF"),  # the first one
        ("EDOC-0123456789ABCDE", None),  # 15 digits
        ("EDOC-0123456789ABCDEF0", None),  # 17 digits
        ("XEDOC-0123456789ABCDEF", None),
        ("EDOC-0123456789ABCDEG", None),
        ("", None),
    ],
)
def test_extract_token(text: str, token: str | None) -> None:
    assert extract_token(text) == token


@given(st.text(max_size=200))
def test_random_text_never_raises_anything_else(text: str) -> None:
    try:
        cmd = parse_reply(text)
    except InvalidReply as exc:
        assert str(exc).startswith("Thiếu lý do")
        return
    if cmd is not None:
        assert cmd.code in KEYWORDS.values()
        assert not cmd.code.needs_reason or cmd.reason
        assert len(cmd.reason) <= MAX_REASON
    token = extract_token(text)
    assert token is None or is_token(token)


@given(
    st.sampled_from(sorted(KEYWORDS)), st.text(alphabet=st.characters(categories=["L", "N"]), min_size=1, max_size=20)
)
def test_generated_replies_parse(shown: str, reason: str) -> None:
    text = shown.replace("lý do", reason) if "lý do" in shown else f"{shown}\n\n{reason}"
    cmd = parse_reply(text)
    assert cmd is not None and cmd.code is KEYWORDS[shown]
    if "lý do" in shown:
        assert cmd.reason == unicodedata.normalize("NFC", reason)
