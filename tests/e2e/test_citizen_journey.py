"""The citizen journey in real Chromium: report with 'use my location', track with photos, map and
answer, say it is not fixed (不满意) → the supervisor is told and reopens → confirm and rate."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import wait_for
from tests.e2e.conftest import DEMO_PASSWORD, login, shot
from tests.e2e.test_case_hub import inspector_grid_center
from tests.e2e.test_first_journey import PNG

pytestmark = pytest.mark.browser

PHONE = "13911112468"


def case_id_of(base: str, code: str) -> int:
    """The case behind a tracking code, as the handler's API shows it."""
    token = httpx.post(f"{base}/api/v1/auth/token",
                       data={"username": "handler", "password": DEMO_PASSWORD}).json()["access_token"]
    items = httpx.get(f"{base}/api/v1/cases", params={"queue": "all", "page_size": 200},
                      headers={"Authorization": f"Bearer {token}"}).json()["items"]
    return next(c["id"] for c in items if c["tracking_code"] == code)


def handler_reports_back(page, base: str, case_id: int, note: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/cases/{case_id}")
    page.fill("form[data-action=report_back] input[name=note]", note)
    page.click("[data-testid=action-report_back]")
    page.wait_for_selector(".flash")


def rate(page, base: str, code: str, resolved: str, level: str, comment: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/track?code={code}")
    form = page.locator("[data-testid=feedback-form]")
    form.locator(f"input[name=resolved][value={resolved}]").check()
    form.locator(f"input[name=satisfaction][value={level}]").check()
    form.locator("textarea[name=comment]").fill(comment)
    form.locator("input[name=phone_tail]").fill(PHONE[-4:])
    form.locator("[data-testid=feedback-submit]").click()
    page.wait_for_selector("[data-testid=track-flash]")


def test_citizen_reports_by_location_tracks_and_rates(live_server, new_page, tmp_path) -> None:
    base = live_server
    lon, lat = inspector_grid_center(base)
    photo = tmp_path / "bar.png"
    photo.write_bytes(PNG)

    citizen = new_page(viewport={"width": 390, "height": 844})
    citizen.context.grant_permissions(["geolocation"], origin=base)
    citizen.context.set_geolocation({"latitude": lat, "longitude": lon})
    citizen.goto(f"{base}/report")
    citizen.select_option("select[name=category_code]", label="噪声扰民")
    citizen.fill("input[name=title]", "酒吧深夜噪声")
    citizen.fill("textarea[name=description]", "楼下酒吧每晚放音乐到凌晨两点，影响休息。希望尽快处理")
    citizen.wait_for_selector("#pick-map path.leaflet-interactive", state="attached")
    citizen.click("[data-testid=gps-btn]")
    assert wait_for(lambda: citizen.input_value("#lon") != "", 15)
    assert abs(float(citizen.input_value("#lon")) - lon) < 1e-5
    assert abs(float(citizen.input_value("#lat")) - lat) < 1e-5
    assert wait_for(lambda: citizen.text_content("[data-testid=grid-label]").strip() != "—", 15)
    place = citizen.text_content("[data-testid=grid-label]").strip()
    assert place != "—" and "不在辖区内" not in place and not place[:1].isdigit(), place  # names, not codes
    assert citizen.locator("#pick-map path.leaflet-interactive").count() >= 1
    citizen.fill("input[name=reporter_phone]", PHONE)
    citizen.set_input_files("input[name=photo]", str(photo))
    shot(citizen, "citizen-1-report-by-location")
    citizen.click("[data-testid=submit-report]")
    code = citizen.text_content("[data-testid=tracking-code]").strip()

    case_id = case_id_of(base, code)
    handler = new_page()
    login(handler, base, "handler")
    handler_reports_back(handler, base, case_id, "已上门劝导，酒吧承诺22点后停止播放音乐")

    citizen.goto(f"{base}/track?code={code}")
    assert citizen.locator("[data-testid=track-card]").count() == 1
    assert citizen.text_content("[data-testid=track-title]").strip() == "酒吧深夜噪声"
    assert "22点后停止" in citizen.text_content("[data-testid=track-result]")
    citizen.wait_for_selector("#track-map path.leaflet-interactive", state="attached")
    image = citizen.locator("[data-testid=track-photos] img")
    assert image.count() == 1
    assert citizen.evaluate("img => img.complete && img.naturalWidth > 0", image.element_handle())
    shot(citizen, "citizen-2-track-with-photo-map-answer")
    rate(citizen, base, code, "no", "不满意", "凌晨还在放音乐")
    assert "您的评价：未解决，不满意" in citizen.text_content("[data-testid=track-feedback]")
    assert citizen.locator("[data-testid=feedback-form]").count() == 0
    shot(citizen, "citizen-3-not-fixed")

    supervisor = new_page()
    login(supervisor, base, "supervisor")
    supervisor.goto(f"{base}/inbox")
    message = supervisor.locator("[data-testid=inbox] tr", has_text="凌晨还在放音乐")
    assert message.count() == 1 and "请研判是否重办" in message.text_content()
    supervisor.goto(f"{base}/cases/{case_id}")
    supervisor.fill("form[data-action=reopen] [name=note]", "群众评价未解决，重办")
    supervisor.click("[data-testid=action-reopen]")
    supervisor.wait_for_selector(".flash")
    assert "处置中" in supervisor.text_content("[data-testid=case-status]")
    shot(supervisor, "citizen-4-supervisor-reopens")

    handler_reports_back(handler, base, case_id, "已暂扣音响设备，夜间巡查三天")
    rate(citizen, base, code, "yes", "满意", "现在安静了")
    assert "您的评价：确认已解决，满意" in citizen.text_content("[data-testid=track-feedback]")
    assert "已办结" in citizen.text_content("[data-testid=track-status]")
    shot(citizen, "citizen-5-confirmed-and-rated")
