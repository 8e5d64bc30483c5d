"""Console-wide safety: headers, Vietnamese HTML errors for pages and JSON for the API, login messages only
from known codes, signed flash messages, Secure cookies, /docs from local files."""

from __future__ import annotations

import httpx

from bridge.api.app import create_app
from tests.fixtures.dashboard import PASSWORD, Seeded


async def test_every_response_has_the_security_headers(client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("vanthu_a")
    for path in ("/web/", "/web/login", "/api/documents", "/healthz", "/web/nothing-here", "/docs"):
        h = (await c.get(path)).headers
        assert (
            "frame-ancestors 'none'" in h["content-security-policy"]
            and "script-src 'self'" in h["content-security-policy"]
        ), path
        assert h["x-frame-options"] == "DENY" and h["referrer-policy"] == "same-origin", path
        assert h["x-content-type-options"] == "nosniff"


async def test_pages_answer_errors_in_vietnamese_html_while_the_api_keeps_json(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("vanthu_a")
    r = await c.get("/web/outbox")
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "Không có quyền truy cập" in r.text and "{" not in r.text.split("<main>")[1].split("</main>")[0]
    r = await c.get("/web/khong-co-trang-nay")
    assert r.status_code == 404 and "Không tìm thấy trang" in r.text
    r = await c.get("/web/search", params={"from": "2026-13-01"})
    assert r.status_code == 422 and "không hợp lệ" in r.text
    r = await c.get("/api/outbox")
    assert r.status_code == 403 and r.json() == {"detail": "Không có quyền thực hiện thao tác này"}
    assert (await c.get("/api/khong-co")).json() == {"detail": "Not Found"}


async def test_a_page_that_fails_is_a_500_page_without_a_traceback(seeded: Seeded) -> None:
    app = create_app(seeded.bridge)

    @app.get("/web/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/api/boom")
    async def api_boom() -> None:
        raise RuntimeError("secret internals")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        r = await c.get("/web/boom")
        assert r.status_code == 500 and "Lỗi hệ thống" in r.text and "secret internals" not in r.text
        r = await c.get("/api/boom")
        assert r.status_code == 500 and "secret internals" not in r.text and r.json()["detail"]


async def test_the_login_page_shows_known_messages_only(client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for(None)
    r = await c.post("/web/login", data={"username": "admin", "password": "sai-mat-khau"})
    assert r.status_code == 303 and r.headers["location"] == "/web/login?msg=wrong"
    assert "Sai tên đăng nhập hoặc mật khẩu" in (await c.get(r.headers["location"])).text
    forged = await c.get("/web/login", params={"msg": "Hệ thống bảo trì, gửi mật khẩu cho abc@gmail.com"})
    assert "gmail" not in forged.text and 'id="notice"' not in forged.text


async def test_messages_after_a_form_are_signed_by_the_server(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("admin")
    page = (await c.get("/web/outbox")).text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    r = await c.post(f"/web/outbox/{seeded.dead_job}/requeue", data={"csrf": token})
    shown = await c.get(r.headers["location"])
    assert f"Đã đưa việc {seeded.dead_job} trở lại hàng đợi" in shown.text
    forged = r.headers["location"].replace("m=%C4%90%C3%A3", "m=Gi%E1%BA%A3")
    assert 'id="message"' not in (await c.get(forged)).text
    unsigned = await c.get("/web/outbox", params={"m": "Gọi ngay 0900 000 000"})
    assert "0900" not in unsigned.text


async def test_the_session_cookie_is_secure_when_configured_or_over_https(seeded: Seeded) -> None:
    async def cookie(base: str, secure_setting: bool) -> str:
        seeded.bridge.settings.api.secure_cookies = secure_setting
        app = create_app(seeded.bridge)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base) as c:
            r = await c.post("/web/login", data={"username": "admin", "password": PASSWORD})
            return r.headers["set-cookie"].lower()

    plain = await cookie("http://test", False)
    assert "samesite=strict" in plain and "httponly" in plain and "secure" not in plain.replace("samesite", "")
    assert "; secure" in await cookie("http://test", True)
    assert "; secure" in await cookie("https://test", False)


async def test_docs_come_from_local_files(client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for(None)
    page = (await c.get("/docs")).text
    assert "cdn" not in page.lower() and "/docs/assets/swagger-ui-bundle.js" in page and "<script>" not in page
    js = await c.get("/docs/assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 500_000
    assert (await c.get("/docs/assets/../../settings.py")).status_code == 404
    assert "/openapi.json" in (await c.get("/web/static/docs.js")).text
