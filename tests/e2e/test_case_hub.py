"""一网统管 journeys in real Chromium, one browser context per person."""

from __future__ import annotations

import base64
import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.browser

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def inspector_grid_center(base: str) -> tuple[float, float]:
    """The centre of the first grid of the first street (the demo inspector patrols it)."""
    grids = httpx.get(f"{base}/api/v1/org/areas", params={"level": "grid"}).json()
    first = sorted(grids, key=lambda g: g["code"])[0]
    return first["center_lon"], first["center_lat"]


def click_map_at(page, lon: float, lat: float) -> None:  # type: ignore[no-untyped-def]
    """Click the Leaflet map at a coordinate (the same handler as a person's click)."""
    page.wait_for_selector("#pick-map path.leaflet-interactive", state="attached")
    page.evaluate(
        "([lat, lon]) => { const m = window.pickMap || window.reportMap;"
        " m.setView([lat, lon], 18); m.fire('click', {latlng: L.latLng(lat, lon)}); }",
        [lat, lon],
    )


def act(page, base: str, case_id: str, action: str, **fields: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/cases/{case_id}")
    form = f"form[data-action={action}]"
    page.wait_for_selector(f"details[data-for={action}]", state="attached")
    if not page.locator(form).is_visible():  # each action is a button that opens its form
        page.click(f"[data-testid=open-{action}]")
    page.wait_for_selector(form)
    for name, value in fields.items():
        selector = f"{form} [name={name}]"
        if page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)
    page.click(f"[data-testid=action-{action}]")
    page.wait_for_selector(".flash")
    assert "操作未成功" not in page.text_content(".flash"), page.text_content(".flash")


def status_of(page, base: str, case_id: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/cases/{case_id}")
    return page.text_content("[data-testid=case-status]").strip()


def test_hotline_complaint_through_every_step(live_server, new_page) -> None:
    """(a) 话务员 → 值班长立案 → 派遣 → 延期获批 → 处置 → 核查不通过返工 → 通过 → 结案 → 回访不满意 → 重办."""
    base = live_server
    lon, lat = inspector_grid_center(base)
    people = {}
    for name in ("operator", "chief", "dispatcher", "handler", "inspector"):
        people[name] = new_page()
        login(people[name], base, name)

    op = people["operator"]
    op.goto(f"{base}/hotline")
    op.fill("input[name=reporter_phone]", "13700001111")
    op.fill("input[name=reporter_name]", "王女士")
    op.select_option("select[name=request_type]", "complaint")
    op.select_option("select[name=category_code]", label="积存渣土")
    op.fill("textarea[name=description]", "小区东门外堆了大量建筑渣土，已经一个星期没人清理")
    click_map_at(op, lon, lat)
    shot(op, "hub-a1-hotline")
    op.click("[data-testid=hotline-submit]")
    op.wait_for_selector("[data-testid=case-status]")
    case_id = op.url.split("/cases/")[1].split("?")[0]
    assert "待立案" in op.text_content("[data-testid=case-status]")

    act(people["chief"], base, case_id, "file", category_code="1103")
    act(people["dispatcher"], base, case_id, "dispatch", department_code="chengguan")
    assert "处置中" in status_of(people["handler"], base, case_id)
    act(people["handler"], base, case_id, "request_extension", extension="2wd", note="渣土量大需调车")
    act(people["dispatcher"], base, case_id, "decide_exception", approve="yes", note="同意延期")
    act(people["handler"], base, case_id, "report_back", note="已清运部分渣土")
    act(people["inspector"], base, case_id, "recheck_fail", note="现场仍有渣土残留")
    assert "处置中" in status_of(people["handler"], base, case_id)
    act(people["handler"], base, case_id, "report_back", note="已全部清运并冲洗路面")
    act(people["inspector"], base, case_id, "recheck_pass", note="现场已清理干净")
    act(people["chief"], base, case_id, "close", note="符合结案条件")
    assert "待回访" in status_of(people["operator"], base, case_id)
    act(people["operator"], base, case_id, "callback", satisfaction="不满意", note="群众称夜间仍有渣土车倾倒")
    act(people["chief"], base, case_id, "reopen", note="回访不满意属实，重办")
    assert "处置中" in status_of(people["chief"], base, case_id)
    timeline = people["chief"].text_content("[data-testid=timeline]")
    for step in ("立案", "派遣", "申请延期", "核查不通过", "核查通过", "结案", "回访", "重办"):
        assert step in timeline
    shot(people["chief"], "hub-a2-reopened")


def test_inspector_reports_and_fixes_on_the_spot(live_server, new_page, tmp_path) -> None:
    """(b) 监督员在手机上上报并自行处置，附处置前后照片."""
    base = live_server
    lon, lat = inspector_grid_center(base)
    before, after = tmp_path / "before.png", tmp_path / "after.png"
    before.write_bytes(PNG)
    after.write_bytes(PNG)
    page = new_page(viewport={"width": 390, "height": 844})
    login(page, base, "inspector")
    page.goto(f"{base}/inspector")
    page.select_option("select[name=category_code]", label="违规张贴小广告")
    page.fill("textarea[name=description]", "电线杆上张贴小广告三张")
    click_map_at(page, lon, lat)
    # polled by Playwright itself: a string predicate would be eval, which the page's CSP forbids
    expect(page.locator("#grid-label")).to_have_text(re.compile(r"\S.{3,}"))
    label = page.text_content("[data-testid=grid-label]").strip()
    assert label[:1].isdigit() and "不在辖区内" not in label, label  # the grid code, found at once
    page.check("input[name=self_handled]")
    page.set_input_files("input[name=before]", str(before))
    page.set_input_files("input[name=after]", str(after))
    page.wait_for_timeout(400)  # let the map's zoom animation end before the picture
    shot(page, "hub-b1-inspector-phone")
    page.click("[data-testid=inspector-submit]")
    page.wait_for_selector("[data-testid=case-status]")
    assert "已结案" in page.text_content("[data-testid=case-status]")
    photos = page.locator("img[data-kind=before]"), page.locator("img[data-kind=after]")
    assert photos[0].count() == 1 and photos[1].count() == 1
    shot(page, "hub-b2-self-handled")


def test_citizen_reports_and_tracks(live_server, new_page) -> None:
    """(c) 登录市民报事，凭查询码和“我的报事”查看进度."""
    base = live_server
    lon, lat = inspector_grid_center(base)
    page = new_page()
    login(page, base, "citizen")
    page.goto(f"{base}/report")
    page.select_option("select[name=category_code]", label="路灯不亮")
    page.fill("textarea[name=description]", "小区南门路灯连续三晚不亮")
    click_map_at(page, lon, lat)
    page.click("[data-testid=submit-report]")
    code = page.text_content("[data-testid=tracking-code]").strip()
    page.goto(f"{base}/track")
    cards = page.locator("[data-testid=track-card]")
    assert cards.count() >= 1 and code in cards.first.text_content()
    assert "待核实" in cards.first.text_content()
    assert page.locator("[data-testid=expected-at]").count() >= 1
    shot(page, "hub-c1-citizen-tracks")
