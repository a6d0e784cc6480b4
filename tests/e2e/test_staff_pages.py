"""Staff pages of the case hub in real Chromium (issue 8 §2): dispatch proposal, 并单 by case
number, photos kept across a refused form, the workbench on a phone."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, shot
from tests.e2e.test_case_hub import PNG, act, click_map_at, inspector_grid_center

pytestmark = pytest.mark.browser


def hotline_order(page, base: str, description: str, category: str) -> str:  # type: ignore[no-untyped-def]
    """A 12345 order taken by the operator; its case id."""
    page.goto(f"{base}/hotline")
    page.fill("input[name=reporter_phone]", "13700002222")
    page.select_option("select[name=request_type]", "complaint")
    page.select_option("select[name=category_code]", label=category)
    page.fill("textarea[name=description]", description)
    page.click("[data-testid=hotline-submit]")
    page.wait_for_selector("[data-testid=case-status]")
    return page.url.split("/cases/")[1].split("?")[0]


def test_dispatch_preselects_the_class_default(live_server, new_page) -> None:
    base = live_server
    operator, chief, dispatcher = new_page(), new_page(), new_page()
    for page, name in ((operator, "operator"), (chief, "chief"), (dispatcher, "dispatcher")):
        login(page, base, name)
    hydrant = hotline_order(operator, base, "路口消防栓被车撞歪，一直在漏水", "消防栓损坏")
    muck = hotline_order(operator, base, "工地门口堆了一大堆渣土", "积存渣土")
    act(chief, base, hydrant, "file", category_code="0104")
    act(chief, base, muck, "file", category_code="1103")
    chosen = {}
    for case_id in (hydrant, muck):
        dispatcher.goto(f"{base}/cases/{case_id}")
        select = "form[data-action=dispatch] select[name=department_code]"
        chosen[case_id] = dispatcher.eval_on_selector(select, "s => s.options[s.selectedIndex].text")
        assert chosen[case_id] in dispatcher.text_content("[data-testid=proposed-department]")
    shot(dispatcher, "staff-dispatch-proposal")
    assert chosen[hydrant] != chosen[muck]  # not one department for every case
    assert "消防" in chosen[hydrant] and "城管" in chosen[muck]


def test_merge_by_case_number(live_server, new_page) -> None:
    base = live_server
    operator, chief = new_page(), new_page()
    login(operator, base, "operator")
    login(chief, base, "chief")
    master = hotline_order(operator, base, "小区北门外堆了大量建筑渣土", "积存渣土")
    master_no = operator.text_content("h2").split()[1]
    dup = hotline_order(operator, base, "北门外的渣土一直没人清运", "积存渣土")
    chief.goto(f"{base}/cases/{dup}")
    chief.click("[data-testid=open-merge]")
    chief.fill("form[data-action=merge] input[name=master_case_no]", "20990101000000")
    chief.fill("form[data-action=merge] input[name=note]", "同一处垃圾桶")
    chief.click("[data-testid=action-merge]")
    chief.wait_for_selector("[data-testid=form-error]")
    assert "20990101000000" in chief.text_content("[data-testid=form-error]")
    assert chief.input_value("form[data-action=merge] input[name=master_case_no]") == "20990101000000"
    assert chief.input_value("form[data-action=merge] input[name=note]") == "同一处垃圾桶"
    chief.fill("form[data-action=merge] input[name=master_case_no]", master_no)
    chief.click("[data-testid=action-merge]")
    chief.wait_for_selector(".flash")
    assert "已并单" in chief.text_content("[data-testid=case-status]")
    assert master_no in chief.text_content("[data-testid=timeline]") or master in chief.url
    shot(chief, "staff-merged")


def test_inspector_photo_survives_a_refused_form(live_server, new_page, tmp_path) -> None:
    base = live_server
    lon, lat = inspector_grid_center(base)
    photo = tmp_path / "scene.png"
    photo.write_bytes(PNG)
    page = new_page(viewport={"width": 390, "height": 844})
    login(page, base, "inspector")
    page.goto(f"{base}/inspector")
    page.select_option("select[name=category_code]", label="违规张贴小广告")
    page.fill("textarea[name=description]", "广")  # too short: the server refuses it
    click_map_at(page, lon, lat)
    page.set_input_files("input[name=photos]", str(photo))
    page.click("[data-testid=inspector-submit]")
    page.wait_for_selector("[data-testid=form-error]")
    assert "scene.png" in page.text_content("[data-testid=kept-upload]")
    shot(page, "staff-photo-kept")
    page.fill("textarea[name=description]", "电线杆上张贴小广告两张")
    page.select_option("select[name=category_code]", label="违规张贴小广告")
    click_map_at(page, lon, lat)
    page.click("[data-testid=inspector-submit]")
    page.wait_for_selector("[data-testid=case-status]")
    assert page.locator("img[data-kind=photo]").count() == 1


def test_workbench_on_a_phone(live_server, new_page) -> None:
    base = live_server
    operator = new_page()
    login(operator, base, "operator")
    hotline_order(operator, base, "人行道上的井盖松动，踩上去会响", "供水井盖")
    page = new_page(viewport={"width": 390, "height": 844})
    login(page, base, "chief")
    page.goto(f"{base}/workbench?queue=all")
    row = page.locator("[data-testid=case-table] tbody tr").first
    due = row.locator("td[data-label=时限]")
    assert due.is_visible()
    title = row.locator("td.case-title").bounding_box()
    assert title is not None and title["width"] > 250  # a card line, not 1–2 characters wide
    for link in page.locator(".topbar nav a").all():  # the whole menu is on screen
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    for control in ("select[name=category]", "input[name=start]", "[data-testid=filters] button"):
        box = page.locator(control).bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390 and box["height"] >= 30
    shot(page, "staff-workbench-phone")


def test_workbench_filter_with_empty_dates(live_server, new_page) -> None:
    """筛选 with both date fields left empty filters by nothing else (it was a 422)."""
    base = live_server
    operator = new_page()
    login(operator, base, "operator")
    hotline_order(operator, base, "小区门口的路灯一到晚上就不亮", "路灯不亮")
    page = new_page()
    login(page, base, "chief")
    page.goto(f"{base}/workbench?queue=all")
    assert page.input_value("input[name=start]") == "" and page.input_value("input[name=end]") == ""
    with page.expect_navigation() as navigation:
        page.click("[data-testid=filters] button")
    assert navigation.value is not None and navigation.value.status == 200
    assert "start=&end=" in page.url or "start=" in page.url
    assert page.locator("[data-testid=case-table] tbody tr").count() >= 1
