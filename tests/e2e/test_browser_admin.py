"""Administration in headless Chromium (SQLite and PostgreSQL): add a user, issue an official's link code and
see the official linked, add two trust roots and remove one after the browser's confirmation, pause and resume a
mailbox, and find every change in the audit log in Vietnamese. A screenshot of each page in the artifact dir."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.e2e.test_browser_console import wait_until
from tests.e2e.test_browser_dashboard import in_browser, login, submit
from tests.e2e.test_browser_dashboard import site as site_fixture  # noqa: F401  (the fixture, by this name)
from tests.fixtures.pki import TestPki


async def test_users_officials_trust_roots_and_mailboxes(
    site_fixture,  # noqa: F811
    browser,
    shot,
    test_pki: TestPki,
    tmp_path: Path,
) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from bridge.services.officials import create_official, link_chat
    from bridge.settings import ImapMailbox
    from core.agency import Agency
    from core.organ_id import OrganId
    from tests.fixtures.dashboard import AGENCY_A

    base, seeded = site_fixture
    settings = seeded.bridge.settings
    settings.checks.trust_dir = str(tmp_path / "trust")
    settings.imap.mailboxes = [ImapMailbox(name="vanthu-tanhoa", host="imap.example.invalid", user="vt")]
    async with seeded.bridge.deps.uow() as u:
        await u.agencies.upsert(Agency(OrganId(AGENCY_A), "UBND xã Tân Hòa", emails=("vt@tanhoa.example.invalid",)))
        await u.commit()
    made = await create_official(seeded.bridge.deps, "Lê Văn Nam", AGENCY_A, "lãnh đạo", code_ttl=timedelta(hours=1))
    root, other = tmp_path / "root.pem", tmp_path / "other.der"
    root.write_bytes(test_pki.root.cert_pem)
    other.write_bytes(test_pki.other_root.cert_der)
    b = browser
    message = lambda: b.find_element(By.ID, "message").text  # noqa: E731

    def users_and_officials() -> str:
        login(b, base, "admin")
        b.get(f"{base}/web/users")
        form = b.find_element(By.ID, "new-user")
        form.find_element(By.NAME, "username").send_keys("vanthu_moi")
        Select(form.find_element(By.NAME, "role")).select_by_value("clerk")
        form.find_element(By.NAME, "organ_id").send_keys(AGENCY_A)
        form.find_element(By.NAME, "full_name").send_keys("Phạm Thị Thu")
        form.find_element(By.NAME, "password").send_keys("Một-mật-khẩu-dài-2026")
        submit(b, "#new-user button")
        assert "vanthu_moi" in b.find_element(By.ID, "users").text, message()
        shot("nguoi-dung")
        b.get(f"{base}/web/admin/officials")
        submit(b, f"#official-{made.official.id} button.code")
        return message().split("/start ")[1].rstrip(")")

    code = await in_browser(users_and_officials)
    assert await link_chat(seeded.bridge.deps, "chat-nam", code) is not None  # the official sends /start CODE

    def linked_trust_and_mailboxes() -> None:
        b.get(f"{base}/web/admin/officials")
        assert "đã liên kết" in b.find_element(By.ID, f"official-{made.official.id}").text
        shot("can-bo-da-lien-ket")
        b.get(f"{base}/web/admin/trust")
        for path in (root, other):
            b.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
            submit(b, "#add-root")
            assert "Đã thêm chứng thư gốc" in message()
        table = b.find_element(By.ID, "roots").text
        assert test_pki.root.sha256 in table and test_pki.other_root.sha256 in table
        shot("goc-tin-cay")
        b.execute_script("document.documentElement.dataset.leaving = '1'")  # gone once the next page is here
        b.find_element(By.CSS_SELECTOR, f"#root-{test_pki.root.sha256} button.remove").click()
        wait_until(b, lambda d: "Gỡ chứng thư gốc" in d.switch_to.alert.text)  # the browser asks first
        b.switch_to.alert.accept()
        wait_until(b, lambda d: d.execute_script("return document.documentElement.dataset.leaving") is None)
        assert "Đã gỡ chứng thư gốc" in message()
        assert test_pki.root.sha256 not in b.find_element(By.ID, "roots").text
        shot("goc-tin-cay-da-go")
        b.get(f"{base}/web/admin/mailboxes")
        submit(b, "#mailbox-vanthu-tanhoa button.pause")
        assert "Đã tạm dừng hộp thư vanthu-tanhoa" in message()
        assert "tạm dừng" in b.find_element(By.ID, "mailbox-vanthu-tanhoa").text
        shot("hop-thu-tam-dung")
        submit(b, "#mailbox-vanthu-tanhoa button.resume")
        assert "đang thăm dò" in b.find_element(By.ID, "mailbox-vanthu-tanhoa").text
        b.get(f"{base}/web/audit")
        text = b.find_element(By.ID, "audit").text
        for action in ("Tạo người dùng", "Cấp mã liên kết chatbot", "Thêm chứng thư gốc tin cậy",
                       "Gỡ chứng thư gốc tin cậy", "Tạm dừng hộp thư", "Tiếp tục thăm dò hộp thư"):  # fmt: skip
            assert action in text, action
        shot("nhat-ky")

    await in_browser(linked_trust_and_mailboxes)
    assert not (tmp_path / "trust" / f"{test_pki.root.sha256}.pem").exists()
