"""Pages in Simplified Chinese for each role, driven through the test client (forms with CSRF)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.factories import PASSWORD
from tests.services.conftest import World

PDF = b"%PDF-1.4\n%test\n"


def login(client: TestClient, world: World, name: str) -> str:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login",
        data={"username": world.users[name].username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text
    return csrf(client, "/services")


def csrf(client: TestClient, url: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(url).text).group(1)


def test_guide_lists_items_and_shows_every_field(client: TestClient, world: World) -> None:
    page = client.get("/services", params={"q": "企业开办"})
    assert page.status_code == 200 and "企业开办" in page.text and "食品经营许可" not in page.text
    detail = client.get(f"/services/items/{world.item.id}")
    for label in (
        "基本编码",
        "实施编码",
        "事项类型",
        "法定办结时限",
        "承诺办结时限",
        "特别程序",
        "联办机构",
        "区税务局",
        "现场核查",
        "申请材料",
        "登录后在线申报",
    ):
        assert label in detail.text, label


def test_online_application_by_page_then_the_window_accepts(client: TestClient, world: World) -> None:
    token = login(client, world, "company")
    r = client.post(
        f"/services/items/{world.item.id}/apply", data={"csrf_token": token}, follow_redirects=False
    )
    url = r.headers["location"]
    page = client.get(url)
    assert "杭州示例科技有限公司" in page.text and "保存草稿" in page.text
    for code in ("M1", "M2"):
        r = client.post(
            f"{url}/materials",
            data={"csrf_token": token, "code": code},
            files={"file": (f"{code}.pdf", PDF, "application/pdf")},
        )
        assert r.status_code == 200 and "材料已上传" in r.text
    bad = client.post(
        f"{url}/materials",
        data={"csrf_token": token, "code": "M1"},
        files={"file": ("x.exe", b"MZ\x90", "application/octet-stream")},
    )
    assert bad.status_code == 422 and "只能上传" in bad.text
    r = client.post(
        f"{url}/form", data={"csrf_token": token, "applicant_name": "杭州示例科技有限公司", "submit": "1"}
    )
    assert "已提交，办件编号" in r.text and "待受理" in r.text
    client.post("/logout", data={"csrf_token": token})
    token = login(client, world, "clerk")
    queue = client.get("/services/workbench", params={"queue": "pending_accept"})
    assert "企业开办" in queue.text
    r = client.post(f"{url}/act/accept", data={"csrf_token": token})
    assert "已受理" in r.text and "审查中" in r.text and "区税务局" in r.text
    wrong = client.post(f"{url}/act/accept", data={"csrf_token": token})
    assert wrong.status_code == 409 and "不能执行「受理」" in wrong.text


def test_staff_pages_need_their_role(client: TestClient, world: World) -> None:
    login(client, world, "company")
    assert client.get("/services/workbench").status_code == 403
    assert client.get("/services/window").status_code == 403
    assert client.get("/services/mine").status_code == 200


def test_admin_edits_an_item_as_data_and_a_published_version_is_copied(
    client: TestClient, world: World
) -> None:
    import json

    from tests.factories import UserFactory, using

    with using(world.session):
        world.users["admin"] = UserFactory(roles=["system_admin"])
    world.session.commit()
    token = login(client, world, "admin")
    page = client.get(f"/services/admin/items/{world.item.id}")
    data = json.loads(
        re.search(r"<textarea[^>]*>(.*?)</textarea>", page.text, re.S).group(1).replace("&#34;", '"')
    )
    data["promised_days"] = 30  # above the statute: refused
    bad = client.post(
        f"/services/admin/items/{world.item.id}", data={"csrf_token": token, "data": json.dumps(data)}
    )
    assert bad.status_code == 422 and "不得超过法定办结时限" in bad.text
    data["promised_days"] = 2
    data["form_fields"].append({"name": "shop", "label": "字号", "required": True})
    ok = client.post(
        f"/services/admin/items/{world.item.id}",
        data={"csrf_token": token, "data": json.dumps(data), "publish": "1"},
    )
    assert "已保存第 2 版（已发布）" in ok.text
    world.session.expire_all()
    assert world.item.status == "retired" and world.item.promised_days == 10
    export = client.get("/services/admin/items/export.csv")
    assert export.status_code == 200 and "字号" in export.content.decode("utf-8-sig")


def test_notices_of_each_acceptance_decision(client: TestClient, world: World) -> None:
    from smartgov.services import notices
    from tests.services.test_flow import accepted, do, draft

    app = accepted(world)
    assert notices.notice_of(app) == ("受理通知书", "normal")
    other = draft(world)
    do(world, other, "submit", "company")
    do(world, other, "request_supplement", "clerk", materials=["M2"], note="请补充")
    assert notices.notice_of(other)[0] == "一次性告知书（材料补正）"
    assert "  1. 场地证明  请补充" in notices.body(world.session, other, "supplement")
    refused = draft(world)
    do(world, refused, "submit", "company")
    do(world, refused, "refuse_acceptance", "clerk", note="不属于本机关职权")
    assert notices.notice_of(refused)[0] == "不予受理决定书"
    assert any("不属于本机关职权" in line for line in notices.body(world.session, refused, "refused"))
    assert login(client, world, "clerk")
    r = client.get(f"/services/applications/{app.id}/notice.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-")


def test_queue_export_masks_id_numbers_and_is_audited(client: TestClient, world: World) -> None:
    from sqlalchemy import select

    from smartgov.auth.models import AuditEntry
    from tests.services.test_flow import accepted

    app = accepted(world)
    login(client, world, "clerk")
    text = client.get("/services/workbench/export.csv", params={"queue": "all"}).content.decode("utf-8-sig")
    assert app.number in text and "913***********XX1X" in text and "91330100MA2XXXXX1X" not in text
    world.session.expire_all()
    [entry] = world.session.scalars(select(AuditEntry).where(AuditEntry.action == "svc_application.export"))
    assert entry.actor_name == world.users["clerk"].username


def test_rates_page_is_public(client: TestClient, world: World) -> None:
    page = client.get("/services/rates", params={"year": 2026, "month": 3})
    assert page.status_code == 200 and "部门考核得分" in page.text and "本月暂无评价" in page.text
    assert client.get("/services/rates", params={"month": 13}).status_code == 422


def test_window_tablet_rating(client: TestClient, world: World) -> None:
    from tests.services.test_flow import accepted, do

    app = accepted(world)
    for who in ("tax", "gongan", "renshe"):
        do(world, app, "opinion", who, verdict="agree")
    do(world, app, "review", "lead")
    do(world, app, "decide", "lead", decision="approve")
    do(world, app, "issue", "lead")
    token = login(client, world, "clerk")
    page = client.get("/services/window/rate", params={"number": app.number})
    assert "请您对本次服务作出评价" in page.text and "非常满意" in page.text
    r = client.post(
        f"/services/applications/{app.id}/rate", data={"csrf_token": token, "tablet": "1", "level": "4"}
    )
    assert "感谢您的评价" in r.text
    from smartgov.services.models import Rating

    world.session.expire_all()
    rated = world.session.query(Rating).filter_by(application_id=app.id).one()
    assert (rated.level, rated.channel) == (4, "window")
    assert "该办件已评价" in client.get("/services/window/rate", params={"number": app.number}).text
