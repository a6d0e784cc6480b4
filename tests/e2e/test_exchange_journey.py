"""数据共享 in real Chromium: 民政 asks 公安 for 独居老人 data → 公安 approves → 民政 reads only the
granted fields, personal ones masked unless granted → the audit administrator finds the read."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.browser


def test_civil_affairs_requests_elders_police_approves_read_is_logged(live_server, new_page) -> None:
    base = live_server
    civil = new_page()
    login(civil, base, "handler_minzheng")
    civil.goto(f"{base}/exchange?q=独居老人")
    civil.click("a:has-text('独居老人信息')")
    civil.wait_for_selector("[data-testid=request-form]")
    for field in ("name", "birth_date", "phone", "tags"):
        civil.check(f"input[name=fields][value={field}]")
    civil.check("input[name=plain_fields][value=name]")
    civil.fill("textarea[name=purpose]", "独居老人冬季关爱走访")
    civil.fill("textarea[name=legal_basis]", "《中华人民共和国老年人权益保障法》")
    civil.fill("input[name=duration_days]", "90")
    shot(civil, "exchange-1-request")
    civil.click("[data-testid=request-form] button[type=submit]")
    civil.wait_for_selector("[data-testid=status]")
    assert civil.text_content("[data-testid=status]").strip() == "待答复"
    request_url = civil.url

    police = new_page()
    login(police, base, "handler_gongan")
    police.goto(f"{base}/exchange/requests?role=todo")
    police.click(f"a[href='{request_url.removeprefix(base)}']")
    police.wait_for_selector("[data-testid=action-approve]")
    shot(police, "exchange-2-answer")
    police.click("[data-testid=action-approve] button")
    police.wait_for_selector("[data-testid=status]")
    assert police.text_content("[data-testid=status]").strip() == "已同意"

    civil.goto(request_url)
    civil.click("[data-testid=view-data]")
    civil.wait_for_selector("[data-testid=records]")
    headers = [h.strip() for h in civil.locator("[data-testid=records] th").all_text_contents()]
    assert headers == ["姓名", "出生日期", "联系电话（脱敏）", "人员标签"]
    phones = civil.locator("[data-testid=records] tbody tr td:nth-child(3)").all_text_contents()
    assert phones and all("****" in p for p in phones)
    tags = civil.locator("[data-testid=records] tbody tr td:nth-child(4)").all_text_contents()
    assert all("独居老人" in t for t in tags)
    body = civil.content()
    assert "公民身份号码" not in body and "现住址" not in body
    shot(civil, "exchange-3-granted-data")

    auditor = new_page()
    login(auditor, base, "auditor")
    auditor.goto(f"{base}/exchange/log?resource_code=RK-DJLR")
    first = auditor.locator("[data-testid=log] tbody tr").first
    cells = [c.strip() for c in first.locator("td").all_text_contents()]
    assert cells[2] == "区民政局" and cells[4] == "平台页面" and cells[8] == "成功"
    assert cells[7] == "姓名、出生日期、联系电话、人员标签"
    auditor.click("button[name=verify]")
    assert "哈希链完整" in auditor.text_content("[data-testid=chain]")
    shot(auditor, "exchange-4-log")
