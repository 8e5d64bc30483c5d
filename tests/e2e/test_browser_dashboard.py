"""The dashboard in headless chromium: log in, see the chart, find a document, accept a held document,
requeue a dead letter, download the report. A screenshot of each page goes to the artifact directory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bridge.api.app import create_app
from tests.e2e.harness import free_port, wait_port
from tests.fixtures.dashboard import PASSWORD, Seeded, seeded_bridge
from tests.fixtures.downloads import finished_download


@pytest.fixture
async def site(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[str, Seeded]]:
    seeded = await seeded_bridge(db_url, tmp_path)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(seeded.bridge), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))  # fmt: skip
    task = asyncio.create_task(server.serve())
    await wait_port(port)
    yield f"http://127.0.0.1:{port}", seeded
    server.should_exit = True
    await task
    await seeded.bridge.close()


async def in_browser(fn: Any, *args: Any) -> Any:
    """Selenium blocks: drive it from a thread so the server keeps serving on this loop."""
    return await asyncio.to_thread(fn, *args)


def submit(b: Any, css: str) -> None:
    """Click a form's button and wait until the next page replaced this one (else reads race the load). The old
    page is marked and the wait is for a loaded page without the mark: polling the old page's element instead
    (`staleness_of`) sometimes meets chromedriver's "Node ... does not belong to the document" mid-navigation."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    b.execute_script("document.documentElement.dataset.leaving = '1'")
    b.find_element(By.CSS_SELECTOR, css).click()
    WebDriverWait(b, 20, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script(
            "return document.readyState === 'complete' && !document.documentElement.dataset.leaving"
        )
    )


def login(b: Any, base: str, user: str) -> None:
    from selenium.webdriver.common.by import By

    b.get(f"{base}/web/login")
    b.find_element(By.ID, "username").send_keys(user)
    b.find_element(By.ID, "password").send_keys(PASSWORD)
    submit(b, "#login")
    assert b.find_elements(By.CSS_SELECTOR, "form[action='/web/logout']"), f"login as {user} failed"


def wait_for_file(folder: Path, suffix: str, within: float = 20) -> Path:
    return finished_download(folder, suffix, within=within)


async def test_clerk_and_admin_work_in_the_browser(site, browser, shot) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    base, seeded = site
    b = browser

    def clerk_session() -> None:
        login(b, base, "vanthu_a")
        assert b.find_elements(By.CSS_SELECTOR, "#traffic svg rect"), "no bars in the traffic chart"
        assert b.find_elements(By.CSS_SELECTOR, "#funnel svg")
        shot("tong-quan")
        b.get(f"{base}/web/search?q=chuyen+doi+so")
        assert "12/QĐ-UBND" in b.find_element(By.ID, "results").text
        shot("tra-cuu")
        b.get(f"{base}/web/held")
        assert "7/KH-UBND" not in b.page_source  # agency B's held document is not shown to A's clerk
        shot("cho-duyet")
        submit(b, f"#held-{seeded.docs['a_held']} a.accept")
        shot("xac-nhan-tiep-nhan")
        submit(b, "#confirm-accept")
        assert "Đã tiếp nhận văn bản" in b.find_element(By.ID, "message").text
        b.get(f"{base}/web/report?from=2000-01-01&to=2100-12-31")
        shot("bao-cao")
        b.find_element(By.ID, "report-xlsx").click()
        assert wait_for_file(b.download_dir, ".xlsx").stat().st_size > 1000
        b.find_element(By.ID, "report-pdf").click()
        assert wait_for_file(b.download_dir, ".pdf").read_bytes().startswith(b"%PDF")
        b.get(f"{base}/web/register?book=di")
        assert "12/QĐ-UBND" in b.find_element(By.ID, "book").text
        shot("so-di")
        b.delete_all_cookies()

    def admin_session() -> None:
        login(b, base, "admin")
        b.get(f"{base}/web/outbox")
        shot("hang-doi")
        submit(b, f"#job-{seeded.dead_job} button.requeue")
        assert f"Đã đưa việc {seeded.dead_job}" in b.find_element(By.ID, "message").text
        b.get(f"{base}/web/audit")
        assert "Chuỗi băm nguyên vẹn" in b.find_element(By.ID, "verify").text
        shot("nhat-ky")

    await in_browser(clerk_session)
    async with seeded.bridge.deps.uow() as u:
        assert (await u.documents.get(seeded.docs["a_held"])).state.value == "registered"  # type: ignore[union-attr]
    await in_browser(admin_session)
    assert (await seeded.bridge.queue.get(seeded.dead_job)).state.value == "todo"  # type: ignore[union-attr]
