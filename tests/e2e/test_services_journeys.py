"""一网通办 in real Chromium: (a) 企业开办 from online application to a verified certificate and a
rating, (b) 补正 across National Day, (c) a 差评 called back, rectified and closed."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import LIVE_ENV, login, shot

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n%journey\n"
TZ = ZoneInfo("Asia/Shanghai")


def smartgov(*args: str) -> str:
    """Run a command on the live server's data (as an operator would on the server)."""
    env = dict(LIVE_ENV)  # its var/ and, on PostgreSQL, its database
    done = subprocess.run(
        [sys.executable, "-m", "smartgov.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def python(code: str) -> str:
    env = dict(LIVE_ENV)  # its var/ and, on PostgreSQL, its database
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True
    ).stdout


def act(page, name: str, **fields: str) -> None:  # type: ignore[no-untyped-def]
    form = page.locator(f"[data-testid=action-{name}]")
    for field, value in fields.items():
        form.locator(f"[name={field}]").fill(value) if field not in ("verdict", "decision") else form.locator(
            f"[name={field}]"
        ).select_option(value)
    form.locator(f"[data-testid=do-{name}]").click()
    page.wait_for_load_state("networkidle")


def test_a_enterprise_opens_a_business_to_a_verified_certificate(live_server, new_page, tmp_path) -> None:
    base = live_server
    material = tmp_path / "m.pdf"
    material.write_bytes(PDF)
    company = new_page(viewport={"width": 390, "height": 844})  # on a phone
    login(company, base, "enterprise")
    company.goto(f"{base}/services?q=企业开办")
    company.click("[data-testid=item-link]")
    company.click("[data-testid=apply]")
    company.wait_for_selector("[data-testid=app-form]")
    assert company.input_value("[data-testid=field-applicant_name]") == "杭州示范科技有限公司"  # prefilled
    for code in ("SQB", "SFZ"):  # 场所使用证明 (可容缺) left out
        company.set_input_files(f"[data-testid=upload-{code}]", str(material))
        company.click(f"[data-testid=upload-btn-{code}]")
        company.wait_for_selector("[data-testid=app-flash]")
    company.fill("[data-testid=field-phone]", "13800000001")
    company.click("[data-testid=submit-app]")
    company.wait_for_selector("text=已提交，办件编号")
    number = company.inner_text("[data-testid=app-number]")
    url = company.url.split("?")[0]
    shot(company, "services-a-submitted")

    clerk = new_page()
    login(clerk, base, "clerk")
    clerk.goto(f"{base}/services/workbench?queue=pending_accept&q={number}")
    clerk.click("[data-testid=app-link]")
    act(
        clerk,
        "accept_tolerant",
        promise_due=(datetime.now(TZ) + timedelta(days=30)).date().isoformat(),
        materials="CD",
    )
    assert clerk.inner_text("[data-testid=app-status]") == "审查中"

    for username in ("approver_shuiwuju", "approver_gongan", "approver_renshe"):
        staff = new_page()
        login(staff, base, username)
        staff.goto(f"{base}/services/workbench?queue=parallel")
        assert number in staff.inner_text("[data-testid=app-table]")
        staff.goto(url)
        act(staff, "opinion", verdict="agree")
        staff.wait_for_selector("[data-testid=app-flash]")
    # 公积金 says nothing; a sweep after its 3 working days deems it to agree
    smartgov("services", "sweep", "--at", (datetime.now(TZ) + timedelta(days=14)).isoformat())

    lead = new_page()
    login(lead, base, "approver")
    lead.goto(url)
    assert "逾期视为同意" in lead.inner_text("[data-testid=opinions]")
    assert "逾期视为同意" in lead.inner_text("[data-testid=timeline]")
    act(lead, "review")
    act(lead, "decide", decision="approve")
    assert lead.inner_text("[data-testid=app-status]") == "待制证"
    code = lead.inner_text("[data-testid=payment-code]")
    act(lead, "issue")
    assert "须缴费后送达" in lead.inner_text("[data-testid=app-error]")

    csv = tmp_path / "对账.csv"
    csv.write_text(f"缴款码,金额,流水号\n{code},60.00,LS20261130001\n", encoding="utf-8")
    clerk.goto(f"{base}/services/payments")
    clerk.set_input_files("[data-testid=reconcile-file]", str(csv))
    clerk.click("[data-testid=reconcile-submit]")
    assert "已到账 1 笔" in clerk.inner_text("[data-testid=reconcile-result]")

    lead.goto(url)
    act(lead, "issue")
    assert lead.inner_text("[data-testid=app-status]") == "已办结"
    identifier = lead.inner_text("[data-testid=cert-id]")

    public = new_page()
    public.goto(f"{base}/certificates/verify")
    public.fill("[data-testid=verify-id]", identifier)
    public.click("button:has-text('核验')")
    assert public.inner_text("[data-testid=verify-label]") == "核验通过：证照真实有效"
    shot(public, "services-a-verified")

    company.goto(url)
    company.check("[data-testid=rate-5]")
    company.click("[data-testid=rate-submit]")
    assert company.inner_text("[data-testid=rated]") == "已评价：非常满意"


PRELUDE = """
from datetime import datetime
from zoneinfo import ZoneInfo
from sqlalchemy import select
from smartgov.auth.models import User
from smartgov.auth.service import principal_for
from smartgov.db import session_scope
from smartgov.services import service
from smartgov.services.models import Application, ServiceItem
from smartgov.services.schemas import ActionIn, ApplicationIn
tz = ZoneInfo("Asia/Shanghai")
def at(*parts):
    return datetime(*parts, tzinfo=tz)
with session_scope() as s:
    p = {u.username: principal_for(u, None, "e2e", session=s) for u in s.scalars(select(User))}
"""


def step(code: str) -> str:
    """Run service steps at given moments on the live data (the earlier steps happened in September)."""
    body = "\n".join("    " + line for line in code.strip().splitlines())
    return python(PRELUDE + body + "\n")


def test_b_supplement_across_national_day_moves_the_due_time(live_server, new_page) -> None:
    base = live_server
    # the window accepted on Tue 29 Sep, the department asked for 补正 on Wed 30 Sep 10:00 and the
    # material came on Fri 9 Oct 10:00 (the server's clock cannot go back)
    app_id, due_before = step("""
item = s.scalar(select(ServiceItem).where(ServiceItem.name == "药品零售许可",
                                          ServiceItem.status == "published"))
app = service.create(s, ApplicationIn(item_id=item.id), principal=p["enterprise"])
held = {x["code"] for x in app.materials}
app.materials = app.materials + [
    {"code": m["code"], "name": m["name"], "source": "applicant", "reference": "", "trust": "C",
     "origin": "上传"} for m in item.materials if m["code"] not in held]
s.commit()
service.act(s, app, "submit", ActionIn(), principal=p["enterprise"], at=at(2026, 9, 29, 9))
service.act(s, app, "accept", ActionIn(), principal=p["clerk"], at=at(2026, 9, 29, 9, 30))
print(app.id, app.due_at.isoformat())
""").split()
    assert due_before == "2026-10-26T17:30:00+08:00"  # 15 wd after 29 Sep (1–7 Oct off, 10 Oct worked)
    lead = new_page()
    login(lead, base, "approver")
    lead.goto(f"{base}/services/applications/{app_id}")
    assert "2026-10-26 17:30" in lead.inner_text("[data-testid=app-due]")
    step(f"""
service.act(s, s.get(Application, {app_id}), "request_supplement",
            ActionIn(materials=["CD"], note="场所证明模糊"), principal=p["approver"], at=at(2026, 9, 30, 10))
""")
    company = new_page()
    login(company, base, "enterprise")
    company.goto(f"{base}/services/applications/{app_id}")
    assert "一次性告知补正：场所使用证明" in company.inner_text("[data-testid=supplement-notice]")
    assert company.inner_text("[data-testid=app-status]") == "待补正"
    step(f"""
service.act(s, s.get(Application, {app_id}), "supply", ActionIn(), principal=p["enterprise"],
            at=at(2026, 10, 9, 10))
""")
    # paused 30 Sep 10:00 → 9 Oct 10:00: 6 h + 8 Oct 7.5 h + 1.5 h = 15 working hours = exactly 2 working days
    lead.goto(f"{base}/services/applications/{app_id}")
    assert "2026-10-28 17:30" in lead.inner_text("[data-testid=app-due]")
    assert lead.inner_text("[data-testid=app-status]") == "审查中"
    assert "一次性告知补正" in lead.inner_text("[data-testid=timeline]")


def test_c_bad_rating_called_back_rectified_and_closed(live_server, new_page) -> None:
    base = live_server
    citizen = new_page(viewport={"width": 390, "height": 844})
    login(citizen, base, "citizen")
    citizen.goto(f"{base}/services/mine")
    citizen.locator("tr", has_text="新生儿出生").locator("[data-testid=my-app-link]").click()
    citizen.check("[data-testid=rate-2]")
    citizen.fill("[data-testid=rate-comment]", "窗口排队时间太长")
    citizen.click("[data-testid=rate-submit]")
    assert citizen.inner_text("[data-testid=rated]") == "已评价：不满意"

    dept = new_page()
    login(dept, base, "approver_weijian")
    dept.goto(f"{base}/services/rectifications")
    task = dept.locator("[data-testid=task]", has_text="窗口排队时间太长")
    assert task.locator("[data-testid=task-status]").inner_text() == "待回访"
    task.locator("[data-testid=task-note-callback]").fill("已电话回访，申请人反映取号后等候一小时")
    task.locator("[data-testid=task-callback]").click()
    task = dept.locator("[data-testid=task]", has_text="窗口排队时间太长")
    assert task.locator("[data-testid=task-status]").inner_text() == "整改中"
    task.locator("[data-testid=task-note-rectify]").fill("高峰时段增开两个综合窗口")
    task.locator("[data-testid=task-rectify]").click()
    task = dept.locator("[data-testid=task]", has_text="窗口排队时间太长")
    assert task.locator("[data-testid=task-status]").inner_text() == "已办结"
    shot(dept, "services-c-closed")
