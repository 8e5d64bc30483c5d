"""The console in headless Chromium (SQLite and PostgreSQL): open a document from search, filter and page
through 250 documents, preview and download its PDF, accept a held document after the confirmation, download
the report and check its sums, error pages and /docs offline. A screenshot of each page in the artifact dir.
Every wait is on a page state (WebDriverWait or a file appearing), never a fixed sleep."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.e2e.test_browser_dashboard import in_browser, login, submit, wait_for_file
from tests.e2e.test_browser_dashboard import site as site_fixture  # noqa: F401  (the fixture, by this name)
from tests.fixtures.console import add_full_document, add_many_documents
from tests.fixtures.downloads import finished_download


def wait_for_named(folder: Path, prefix: str, suffix: str, within: float = 30) -> Path:
    return finished_download(folder, suffix, prefix, within)


def wait_until(b: Any, check: Any, within: float = 20) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(b, within, ignored_exceptions=(WebDriverException,)).until(lambda d: check(d))


async def test_documents_search_preview_and_review(site_fixture, browser, shot) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from selenium.webdriver.common.by import By

    base, seeded = site_fixture
    await add_many_documents(seeded.bridge, 250)
    await add_full_document(seeded.bridge, "doc-full")
    b = browser

    def clerk() -> None:
        b.get(f"{base}/web/login")
        shot("dang-nhap")
        login(b, base, "vanthu_a")
        b.get(f"{base}/web/search?q=kien+toan")
        assert "Tìm thấy 1 văn bản" in b.find_element(By.ID, "total").text
        shot("tra-cuu-tu-khoa")
        submit(b, "#results a.open")
        assert "/web/documents/doc-full" in b.current_url
        assert "Về việc kiện toàn tổ chuyển đổi số" in b.find_element(By.ID, "identity").text
        wait_until(b, lambda d: d.execute_script("const i = document.getElementById('page-image');"
                                                 "return i && i.complete && i.naturalWidth > 500"))  # fmt: skip
        assert "Trang 1/2" in b.find_element(By.ID, "page-of").text
        shot("van-ban")
        submit(b, "#next-page")
        wait_until(b, lambda d: d.execute_script("const i = document.getElementById('page-image');"
                                                 "return i && i.complete && i.naturalWidth > 500"))  # fmt: skip
        assert "Trang 2/2" in b.find_element(By.ID, "page-of").text
        shot("xem-truoc-trang-2")
        b.find_element(By.CSS_SELECTOR, "#files a.download").click()
        assert wait_for_file(b.download_dir, ".pdf").read_bytes().startswith(b"%PDF")
        submit(b, "#accept")
        assert "Không thể hoàn tác" in b.page_source
        shot("xac-nhan-tiep-nhan")
        submit(b, "#confirm-accept")
        assert "Đã tiếp nhận văn bản" in b.find_element(By.ID, "message").text
        assert "Đã vào sổ" in b.find_element(By.ID, "state").text
        shot("da-tiep-nhan")
        b.delete_all_cookies()

    def monitor() -> None:
        login(b, base, "giamsat")
        b.get(f"{base}/web/search?per=25")
        assert "Tìm thấy 255 văn bản" in b.find_element(By.ID, "total").text
        seen = set()
        for page in range(1, 4):
            rows = [a.get_attribute("href") for a in b.find_elements(By.CSS_SELECTOR, "#results a.open")]
            assert len(rows) == 25 and not seen & set(rows), page
            seen |= set(rows)
            assert f"trang {page}/11" in b.page_source
            submit(b, "#next-page")
        shot("tra-cuu-trang-4")
        from selenium.webdriver.support.ui import Select

        Select(b.find_element(By.ID, "state")).select_by_value("held")
        Select(b.find_element(By.ID, "channel")).select_by_value("bot")
        submit(b, "#search")
        total = b.find_element(By.ID, "total").text
        held_bot = sum(1 for i in range(250) if i % 4 == 2)  # many_documents: state and channel cycle together
        assert f"Tìm thấy {held_bot} văn bản" in total, total
        assert "Chờ văn thư duyệt" in b.find_element(By.ID, "results").text
        shot("tra-cuu-loc")
        b.get(f"{base}/web/report?from=2000-01-01&to=2100-12-31")
        shot("bao-cao")
        b.find_element(By.ID, "report-xlsx").click()
        wb = load_workbook(io.BytesIO(wait_for_named(b.download_dir, "bao-cao-", ".xlsx").read_bytes()))
        rows = list(wb["Theo cơ quan gửi"].iter_rows(values_only=True))
        assert rows[-1][1] == "Tổng cộng" and rows[-1][2] == sum(r[2] for r in rows[1:-1]) > 0
        page_total = int(b.find_element(By.ID, "documents").text.replace(".", ""))
        assert page_total == rows[-1][2]
        b.find_element(By.ID, "report-pdf").click()
        assert wait_for_named(b.download_dir, "bao-cao-", ".pdf").read_bytes().startswith(b"%PDF")
        b.get(f"{base}/web/outbox-khong-co")
        assert "Không tìm thấy trang" in b.find_element(By.ID, "error-title").text
        shot("loi-404")
        b.get(f"{base}/web/audit")
        assert "Không có quyền truy cập" in b.find_element(By.ID, "error-title").text
        shot("loi-403")
        b.get(f"{base}/docs")
        wait_until(b, lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title"))
        assert "edoc-bridge" in b.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
        shot("docs")

    await in_browser(clerk)
    await in_browser(monitor)


async def test_administration_in_the_browser(site_fixture, browser, shot) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from datetime import timedelta

    from selenium.webdriver.common.by import By

    from bridge.services.officials import create_official
    from core.agency import Agency
    from core.organ_id import OrganId
    from tests.fixtures.dashboard import AGENCY_A

    base, seeded = site_fixture
    async with seeded.bridge.deps.uow() as u:
        await u.agencies.upsert(Agency(OrganId(AGENCY_A), "UBND xã Tân Hòa", emails=("vt@tanhoa.example.invalid",)))
        await u.commit()
    made = await create_official(seeded.bridge.deps, "Trần Thị Mai", AGENCY_A, "văn thư", code_ttl=timedelta(hours=1))
    b = browser

    def admin() -> None:
        login(b, base, "admin")
        b.get(f"{base}/web/admin")
        shot("quan-tri")
        b.get(f"{base}/web/admin/agencies")
        b.find_element(By.ID, "organ_id").send_keys("000.00.45.H61")
        b.find_element(By.ID, "name").send_keys("UBND xã Hòa Ninh")
        b.find_element(By.ID, "emails").send_keys("vanthu@hoaninh.example.invalid")
        submit(b, "#save-agency")
        assert "Đã lưu cơ quan UBND xã Hòa Ninh" in b.find_element(By.ID, "message").text
        assert "000.00.45.H61" in b.find_element(By.ID, "agencies").text
        shot("danh-ba")
        b.get(f"{base}/web/admin/officials")
        submit(b, f"#official-{made.official.id} button.code")
        assert "/start " in b.find_element(By.ID, "message").text
        shot("can-bo")
        b.get(f"{base}/web/audit")
        text = b.find_element(By.ID, "audit").text
        assert "Thêm cơ quan" in text and "Cấp mã liên kết chatbot" in text
        shot("nhat-ky-quan-tri")

    await in_browser(admin)
