"""The held-document form in headless chromium (issue 16): the clerk of the sending agency opens the link from
the receipt, sees what is missing with the directory's suggestion already chosen, submits, and the same document
is registered and relayed. Screenshots of the form before and after go to the artifact directory."""

from __future__ import annotations

import re
from typing import Any

from core.access import Role
from tests.e2e.clerk_helpers import PASSWORD, add_user, body_of
from tests.e2e.harness import document_mail, eventually, send_mail
from tests.e2e.test_browser_dashboard import in_browser, submit
from tests.fixtures.pdfs import make_official_pdf

TAN_HOA_ORGAN, HUYEN = "000.20.32.H61", "000.00.32.H61"


async def test_clerk_completes_a_held_document_in_the_browser(bridge, axis, mail_sink, browser, shot) -> None:  # type: ignore[no-untyped-def]
    await add_user(bridge.settings.database_url, "vanthu_tanhoa", Role.CLERK, TAN_HOA_ORGAN)
    mail = document_mail(make_official_pdf(), recipients="UBND huyện Long Hồ")
    assert await send_mail(bridge.settings.smtp_in.port, mail) == {}
    held = await mail_sink.wait_for(lambda m: "Tạm giữ" in str(m["Subject"]))
    link = re.search(r"Hoặc bổ sung trên trang quản lý: (\S+)", body_of(held))
    assert link is not None, body_of(held)  # the agency has an account: the receipt names its page
    url = link[1]
    assert url.startswith(bridge.api) and url.endswith("/bo-sung")

    def clerk(b: Any) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select

        b.get(f"{bridge.api}/web/login")
        b.find_element(By.ID, "username").send_keys("vanthu_tanhoa")
        b.find_element(By.ID, "password").send_keys(PASSWORD)
        submit(b, "#login")
        b.get(url)
        assert "Nơi nhận «UBND huyện Long Hồ»" in b.find_element(By.ID, "reasons").text
        chosen = [o.get_attribute("value") for o in Select(b.find_element(By.ID, "recipients")).all_selected_options]
        assert chosen == [HUYEN]  # the directory's suggestion, ready to confirm
        assert b.find_element(By.ID, "code").get_attribute("value") == "12/QĐ-UBND"
        shot("bo-sung-van-ban")
        submit(b, "#submit")
        shot("bo-sung-xong")
        assert "văn bản được tiếp nhận" in b.find_element(By.ID, "message").text

    await in_browser(clerk, browser)
    await mail_sink.wait_for(lambda m: "Đã tiếp nhận và chuyển" in str(m["Subject"]), timeout=20)
    await eventually(lambda: axis.packets_for(HUYEN), what="packet at the axis")
