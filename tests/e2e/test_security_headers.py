"""The Content-Security-Policy in real Chromium: the main pages run their scripts (maps, charts,
htmx) and the browser reports no violation."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.browser

PAGES = [
    ("", ["/", "/report", "/track", "/login", "/docs"]),
    ("chief", ["/workbench", "/map", "/kpi", "/inbox", "/account"]),
    ("operator", ["/hotline"]),
    ("inspector", ["/inspector"]),
]


@pytest.mark.parametrize(("username", "paths"), PAGES, ids=[u or "anonymous" for u, _ in PAGES])
def test_main_pages_break_no_policy(live_server, new_page, username: str, paths: list[str]) -> None:
    page = new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    if username:
        login(page, live_server, username)
    for path in paths:
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, path
        assert response.headers["x-frame-options"] == "DENY"
        page.wait_for_load_state("networkidle")
        if path == "/map":
            page.wait_for_selector("#command-map path.leaflet-interactive")  # grids drawn by map.js
        if path == "/kpi" and page.locator("#kpi-chart").count():
            page.wait_for_selector("#kpi-chart canvas")  # ECharts ran
    assert violations == []


def test_hotline_history_is_asked_by_phone_without_eval(live_server, new_page) -> None:
    page = new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, live_server, "operator")
    page.goto(f"{live_server}/hotline")
    with page.expect_request(lambda r: "/hotline/history?phone=13900001111" in r.url):
        page.fill("#reporter_phone", "13900001111")
        page.dispatch_event("#reporter_phone", "change")
    assert violations == []
