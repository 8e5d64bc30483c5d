"""Administration pages: agencies (add, edit, import), chatbot officials (new code, unlink), mailboxes; admins
change, the monitor reads, clerks see nothing; every change in the audit log (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import unquote_plus

from bridge.bootstrap import access
from bridge.services.officials import create_official, link_chat
from core.agency import Agency
from core.organ_id import OrganId
from tests.fixtures.dashboard import AGENCY_A, Seeded


def csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', page)
    assert m, page
    return m.group(1)


async def actions(seeded: Seeded) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.target) for e in await access(seeded.bridge).store.recent_audit(500)]


async def test_agencies_are_added_edited_and_imported_with_an_audit(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("admin")
    token = csrf((await c.get("/web/admin/agencies")).text)
    form = {"csrf": token, "new": "1", "organ_id": "000.00.40.H61", "name": "UBND xã Mỹ An",
            "emails": "vanthu@myan.example.invalid\nVanThu2@MyAn.example.invalid", "served": "1"}  # fmt: skip
    r = await c.post("/web/admin/agencies", data=form)
    assert "Đã lưu cơ quan UBND xã Mỹ An" in unquote_plus(r.headers["location"])
    again = await c.post("/web/admin/agencies", data=form)
    assert "Đã có cơ quan mã 000.00.40.H61" in unquote_plus(again.headers["location"])
    bad = await c.post("/web/admin/agencies", data={**form, "organ_id": "abc"})
    assert "e=1" in bad.headers["location"]
    r = await c.post("/web/admin/agencies", data={**form, "new": "", "name": "UBND xã Mỹ An (mới)", "emails": "a@b.vn"})
    assert r.status_code == 303
    async with seeded.bridge.deps.uow() as u:
        a = await u.agencies.get("000.00.40.H61")
    assert a is not None and a.name == "UBND xã Mỹ An (mới)" and a.emails == ("a@b.vn",)
    page = (await c.get("/web/admin/agencies")).text
    assert "UBND xã Mỹ An (mới)" in page and "a@b.vn" in page
    toml = '[[agency]]\norgan_id = "000.00.41.H61"\nname = "UBND xã Tân Lộc"\nemails = ["vt@tanloc.example.invalid"]\n'
    r = await c.post("/web/admin/agencies/import", data={"csrf": token},
                     files={"file": ("danh-ba.toml", toml.encode(), "application/toml")})  # fmt: skip
    assert "Đã nhập 1 cơ quan" in unquote_plus(r.headers["location"])
    wrong = b'[[agency]]\norgan_id = "sai"\nname = "X"\n'
    broken = await c.post("/web/admin/agencies/import", data={"csrf": token}, files={"file": ("x.toml", wrong)})
    assert "Không nhập được danh bạ" in unquote_plus(broken.headers["location"])
    done = await actions(seeded)
    assert ("admin", "agency.add", "000.00.40.H61") in done and ("admin", "agency.edit", "000.00.40.H61") in done
    assert ("admin", "agency.import", "danh-ba.toml") in done
    log = (await c.get("/web/audit")).text
    assert "Thêm cơ quan" in log and "Nhập danh bạ cơ quan" in log  # Vietnamese action names


async def test_officials_get_codes_and_are_unlinked(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    async with seeded.bridge.deps.uow() as u:
        await u.agencies.upsert(Agency(OrganId(AGENCY_A), "UBND xã Tân Hòa", emails=("vt@tanhoa.example.invalid",)))
        await u.commit()
    made = await create_official(seeded.bridge.deps, "Nguyễn Thị Hoa", AGENCY_A, "văn thư", code_ttl=timedelta(hours=1))
    c = await client_for("admin")
    page = (await c.get("/web/admin/officials")).text
    assert "Nguyễn Thị Hoa" in page and "chưa liên kết" in page
    token = csrf(page)
    oid = made.official.id
    r = await c.post(f"/web/admin/officials/{oid}/code", data={"csrf": token})
    code = re.search(r"/start ([A-Z0-9]+)", unquote_plus(r.headers["location"]))
    assert code is not None and await link_chat(seeded.bridge.deps, "chat-77", code[1]) is not None
    assert "đã liên kết" in (await c.get("/web/admin/officials")).text
    r = await c.post(f"/web/admin/officials/{oid}/unlink", data={"csrf": token})
    assert "Đã hủy liên kết" in unquote_plus(r.headers["location"])
    r = await c.post(f"/web/admin/officials/{oid}/unlink", data={"csrf": token})
    assert "chưa liên kết chatbot" in unquote_plus(r.headers["location"])
    done = await actions(seeded)
    assert ("admin", "official.code", str(oid)) in done and ("admin", "official.unlink", str(oid)) in done


async def test_who_may_read_and_change(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    monitor, clerk = await client_for("giamsat"), await client_for("vanthu_a")
    for path in ("/web/admin", "/web/admin/agencies", "/web/admin/officials", "/web/admin/mailboxes",
                 f"/web/admin/agencies/{AGENCY_A}"):  # fmt: skip
        assert (await monitor.get(path)).status_code in (200, 404), path
        assert (await clerk.get(path)).status_code == 403, path
    token = csrf((await monitor.get("/web/admin/agencies")).text)
    form = {"csrf": token, "new": "1", "organ_id": "000.00.42.H61", "name": "X"}
    r = await monitor.post("/web/admin/agencies", data=form)
    assert r.status_code == 403 and "Chỉ quản trị" in r.text
    assert "Không cấu hình hộp thư nào" in (await monitor.get("/web/admin/mailboxes")).text


async def test_mailboxes_are_paused_and_resumed_by_an_admin(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    from bridge.settings import ImapMailbox

    boxes = seeded.bridge.settings.imap.mailboxes
    boxes.append(ImapMailbox(name="vanthu-a", host="imap.example.invalid", user="vt", owner_organ=AGENCY_A))
    try:
        c, monitor = await client_for("admin"), await client_for("giamsat")
        page = (await c.get("/web/admin/mailboxes")).text
        assert "vanthu-a" in page and "đang thăm dò" in page
        r = await c.post("/web/admin/mailboxes/vanthu-a/pause", data={"csrf": csrf(page)})
        assert "Đã tạm dừng hộp thư vanthu-a" in unquote_plus(r.headers["location"])
        watched = (await monitor.get("/web/admin/mailboxes")).text
        assert "tạm dừng" in watched and "Cho chạy lại" not in watched  # the monitor reads, has no buttons
        denied = await monitor.post("/web/admin/mailboxes/vanthu-a/resume", data={"csrf": csrf(watched)})
        assert denied.status_code == 403
        r = await c.post("/web/admin/mailboxes/vanthu-a/resume", data={"csrf": csrf(page)})
        assert "Đã cho chạy lại hộp thư vanthu-a" in unquote_plus(r.headers["location"])
        r = await c.post("/web/admin/mailboxes/khac/pause", data={"csrf": csrf(page)})
        assert "Không có hộp thư «khac»" in unquote_plus(r.headers["location"])
        done = await actions(seeded)
        assert ("admin", "mailbox.pause", "vanthu-a") in done and ("admin", "mailbox.resume", "vanthu-a") in done
    finally:
        boxes.clear()
