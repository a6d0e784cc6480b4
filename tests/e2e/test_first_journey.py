"""The first journey in real Chromium: a citizen reports → a handler closes → the citizen sees it."""

from __future__ import annotations

import base64

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.browser

# A 1×1 PNG, enough to exercise the photo upload.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_citizen_reports_handler_closes_citizen_sees_closed(live_server, new_page, tmp_path) -> None:
    base = live_server
    photo = tmp_path / "noise.png"
    photo.write_bytes(PNG)

    citizen = new_page()
    citizen.goto(f"{base}/")
    assert "智慧政务" in citizen.title()
    citizen.click("[data-testid=go-report]")
    citizen.select_option("select[name=category_code]", label="噪声扰民")
    citizen.fill("textarea[name=description]", "楼下酒吧每晚音乐声音很大，影响休息")
    citizen.wait_for_selector("#pick-map path.leaflet-interactive", state="attached")
    box = citizen.locator("#pick-map").bounding_box()
    citizen.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert citizen.input_value("#lon") != ""
    citizen.fill("input[name=reporter_phone]", "13912345678")
    citizen.set_input_files("input[name=photo]", str(photo))
    shot(citizen, "journey-1-report-form")
    citizen.click("[data-testid=submit-report]")
    code = citizen.text_content("[data-testid=tracking-code]").strip()
    assert len(code) == 11
    shot(citizen, "journey-2-tracking-code")

    handler = new_page()
    login(handler, base, "handler")
    handler.goto(f"{base}/workbench?queue=handle")
    handler.click("[data-testid=case-link] >> nth=0")
    handler.wait_for_selector("[data-testid=case-status]")
    assert "楼下酒吧" in handler.content()
    assert handler.locator("img[data-kind=photo]").count() == 1  # the citizen's photo arrived
    handler.fill("form[data-action=report_back] input[name=note]", "已上门劝导，酒吧承诺22点后停止播放音乐")
    shot(handler, "journey-3-handler-case")
    handler.click("[data-testid=action-report_back]")
    handler.wait_for_selector(".flash")
    assert "待回访" in handler.text_content("[data-testid=case-status]")
    shot(handler, "journey-4-handler-done")

    citizen.goto(f"{base}/track?code={code}")
    citizen.wait_for_selector("[data-testid=track-status]")
    status = citizen.text_content("[data-testid=track-status]")
    assert "已办结" in status
    assert "22点后停止" in citizen.text_content("[data-testid=track-result]")
    shot(citizen, "journey-5-citizen-sees-closed")
