"""Bad request input is a 4xx, never a 500 (the inputs of the security probe), on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.fixtures.dashboard import AGENCY_A, Seeded


async def test_numbers_dates_and_ids_out_of_bounds_are_4xx(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("giamsat")
    huge = str(2**70)
    bad = [
        ("/api/documents", {"limit": huge}), ("/api/documents", {"offset": huge}),
        ("/api/documents", {"limit": "-1"}), ("/api/documents", {"offset": "-5"}), ("/api/documents", {"limit": "0"}),
        ("/api/outbox", {"limit": huge}), ("/api/audit/verify", {}),
        (f"/api/register/{AGENCY_A}/di", {"year": "1"}), (f"/api/register/{AGENCY_A}/di", {"year": "9999"}),
        (f"/api/register/{AGENCY_A}/di/export", {"year": huge}),
        ("/api/reports/period", {"from": "0001-01-01", "to": "9999-12-31"}),
        ("/api/reports/period", {"from": "2026-01-01", "to": "9999-12-31"}),
        ("/api/register/000.00.32.H61😀/di/export", {}), ('/api/register/000"x/di/export', {}),
        ("/api/register/%E2%80%AE/di", {}),
    ]  # fmt: skip
    for path, params in bad:
        r = await c.get(path, params=params)
        assert r.status_code < 500 and (r.status_code >= 400 or path == "/api/audit/verify"), (path, params, r.text)
    r = await c.get(f"/api/register/{AGENCY_A}/di/export", params={"format": "csv", "year": "2026"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == (
        f"attachment; filename=\"so-di-{AGENCY_A}-2026.csv\"; filename*=UTF-8''so-di-{AGENCY_A}-2026.csv"
    )
    assert (await c.get("/web/search", params={"from": "0001-01-01", "to": "9999-12-31"})).status_code == 200


async def test_non_ascii_tokens_are_refused_not_crashed(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    c = await client_for("vanthu_a")
    r = await c.post(f"/api/documents/{seeded.docs['a_held']}/reject", json={"reason": "x"},
                     headers={"X-CSRF-Token": "mã-chống-giả-mạo-ű".encode()})  # fmt: skip
    assert r.status_code == 403
    anonymous = await client_for(None)
    for token in ("Bearer mã-truy-cập-ű", "Bearer \u00ff" * 3):
        r = await anonymous.get("/api/documents", headers={"Authorization": token.encode()})
        assert r.status_code == 401, token


async def test_the_webhook_checks_its_secret_before_the_body(seeded: Seeded, client_for) -> None:  # type: ignore[no-untyped-def]
    from bridge.api.chatbot_routes import MAX_UPDATE

    seeded.bridge.chatbot = object()  # type: ignore[attr-defined]  # present; never reached without the secret
    seeded.bridge.settings.bot.webhook_secret = "bí-mật-webhook-1234"
    c = await client_for(None)
    r = await c.post(
        "/api/bot/webhook", content=b"{" * (2 * MAX_UPDATE), headers={"X-Telegram-Bot-Api-Secret-Token": "sai"}
    )
    assert r.status_code == 403
    secret = {"X-Telegram-Bot-Api-Secret-Token": "bí-mật-webhook-1234".encode()}
    r = await c.post("/api/bot/webhook", content=b" " * (MAX_UPDATE + 1), headers=secret)
    assert r.status_code == 413
    r = await c.post("/api/bot/webhook", content=b"[" * 100_000, headers=secret)
    assert r.status_code == 400
