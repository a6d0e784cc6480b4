"""巡查 and the grid map in real Chromium: points recorded through an offline gap arrive once the
phone is back online, and the track and the grid coverage show on the map."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.browser

# the centre of the inspector's first grid (the population layer stops at one's own grids)
CENTRE = """async () => {
  const geo = await (await fetch('/api/v1/map/layers/population')).json();
  const ring = geo.features[0].geometry.coordinates[0].slice(0, 4);
  return [ring.reduce((s, p) => s + p[0], 0) / 4, ring.reduce((s, p) => s + p[1], 0) / 4];
}"""
FEED = """([offline, lon, lat]) => {
  const start = Date.now() - (offline ? 10 : 30) * 60000;
  for (let i = 0; i < 4; i++) {
    window.smartgovPatrolRecord({ timestamp: start + i * 30000,
      coords: { longitude: lon + i * 0.00002, latitude: lat, accuracy: 6 } });
  }
}"""


def test_patrol_through_an_offline_gap_then_the_map(live_server, new_page) -> None:
    base = live_server
    page = new_page({"width": 412, "height": 860})
    login(page, base, "inspector")
    page.goto(f"{base}/patrol")
    page.click("[data-testid=patrol-toggle]")
    lon, lat = page.evaluate(CENTRE)
    page.evaluate(FEED, [False, lon, lat])
    page.evaluate("window.smartgovPatrolFlush()")
    expect(page.locator("#sent")).to_have_text("4")
    page.context.set_offline(True)
    page.evaluate(FEED, [True, lon, lat])
    page.evaluate("window.smartgovPatrolFlush()")
    page.wait_for_timeout(500)
    assert page.text_content("[data-testid=pending]") == "4"  # kept on the phone while offline
    shot(page, "patrol-1-offline")
    page.context.set_offline(False)
    page.evaluate("window.smartgovPatrolFlush()")
    expect(page.locator("#pending")).to_have_text("0")
    assert page.text_content("[data-testid=sent]") == "8"
    page.click("[data-testid=patrol-toggle]")
    page.reload()
    assert "今日已巡查 1 /" in page.text_content("[data-testid=coverage-today]")

    desk = new_page()
    login(desk, base, "inspector")
    desk.goto(f"{base}/gridmap")
    desk.wait_for_selector("#grid-map path.leaflet-interactive", state="attached")
    desk.click("[data-testid=track-form] button[type=submit]")
    expect(desk.locator("#coverage")).to_contain_text("当日覆盖 1/")
    # two segments: the offline gap (10 minutes) splits the track
    expect(desk.locator("#grid-map path[stroke='#27ae60']")).to_have_count(2)
    desk.check("input[name=layer][value=population]")
    desk.wait_for_timeout(800)
    shot(desk, "gridmap-1-layers-and-track")
