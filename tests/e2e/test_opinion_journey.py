"""舆情 in real Chromium: a sensitive post pushed by a partner reaches the officer as an alert within a
minute; the officer reads the evidence and turns it into a case of the case hub."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.conftest import wait_for
from tests.e2e.conftest import DEMO_PASSWORD, login, shot

pytestmark = pytest.mark.browser
POST = {
    "external_id": "e2e-1",
    "title": "示范区某小区业主聚集维权",
    "content": "今天上午示范区某小区上百名业主聚集在售楼处门口，要求开发商按期交房。",
    "author": "城市晚报",
    "author_platform": "weibo",
    "reposts": 120,
}


def test_pushed_sensitive_post_becomes_an_alert_and_then_a_case(live_server, new_page) -> None:
    base = live_server
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "opinion", "password": DEMO_PASSWORD}
    ).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    pushed = time.monotonic()
    response = httpx.post(
        f"{base}/api/v1/opinion/push",
        headers=headers,
        json={"source_code": "partner", "items": [POST]},
        timeout=30,
    )
    assert response.status_code == 201, response.text

    def alerted() -> bool:
        alerts = httpx.get(f"{base}/api/v1/opinion/alerts", headers=headers, timeout=30).json()
        return any(POST["title"][:20] in a["title"] for a in alerts)

    assert wait_for(alerted, 60, step=1), "no alert within a minute of the push"
    assert time.monotonic() - pushed < 60
    page = new_page()
    login(page, base, "opinion")
    page.goto(f"{base}/inbox")
    assert POST["title"][:10] in page.content()
    page.goto(f"{base}/opinion/alerts")
    page.click(f"text={POST['title'][:12]}")
    page.wait_for_selector("[data-testid=alert]")
    assert "证据" in page.content() and "聚集" in page.content()
    shot(page, "opinion-alert")
    page.click("[data-testid=act-case]")
    page.wait_for_selector("[data-testid=case-link]")
    assert "已转为案件" in page.text_content("[data-testid=flash]")
    case_href = page.get_attribute("[data-testid=case-link]", "href")
    shot(page, "opinion-case")
    chief = new_page()
    login(chief, base, "chief")  # the case waits for the duty chief to file it (立案)
    chief.goto(f"{base}{case_href}")
    assert POST["title"][:10] in chief.content() and "舆情预警" in chief.content()
