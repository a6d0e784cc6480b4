"""Server-rendered pages of the case hub through the test client (forms, CSRF, photos, search)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from smartgov.cases.models import Case, Category, KnowledgeArticle
from smartgov.cases.workflow import Status
from smartgov.files.models import FileLink
from tests.auth.conftest import csrf_from
from tests.cases.conftest import World
from tests.factories import PASSWORD, UserFactory, report

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f00f0004850180848a8c21"
    "0000000049454e44ae426082"
)


def login(client: TestClient, world: World, name: str) -> None:
    page = client.get("/login").text
    response = client.post(
        "/login",
        data={"username": world.users[name].username, "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.status_code in (200, 303)


def test_portal_report_with_photo(client: TestClient, world: World) -> None:
    page = client.get("/report").text
    lon, lat = world.point(0)
    response = client.post(
        "/report",
        data={
            "csrf_token": csrf_from(page),
            "category_code": "1101",
            "description": "垃圾堆放",
            "lon": lon,
            "lat": lat,
            "reporter_phone": "13900001111",
        },
        files={"photo": ("p.png", PNG, "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303 and "/report/done/" in response.headers["location"]
    assert len(world.session.scalars(select(FileLink)).all()) == 1
    done = client.get(response.headers["location"]).text
    assert "查询码" in done


def test_portal_keeps_what_was_typed_on_error(client: TestClient, world: World) -> None:
    page = client.get("/report").text
    response = client.post(
        "/report",
        data={"csrf_token": csrf_from(page), "category_code": "1101", "description": "很长的一段描述"},
    )
    assert response.status_code == 422
    assert "联系电话" in response.text and "很长的一段描述" in response.text
    assert world.session.scalar(select(Case)) is None


def test_portal_form_needs_csrf(client: TestClient, world: World) -> None:
    client.get("/report")
    response = client.post("/report", data={"category_code": "1101", "description": "垃圾"})
    assert response.status_code == 403


def test_hotline_direct_answer_closes_at_once(client: TestClient, world: World) -> None:
    world.session.add(
        KnowledgeArticle(
            title="居住证办理", question="居住证怎么办", answer="带身份证到社区办理", keywords="居住证"
        )
    )
    world.session.commit()
    login(client, world, "operator")
    assert "带身份证到社区办理" in client.get("/hotline/kb", params={"q": "居住证"}).text
    page = client.get("/hotline").text
    response = client.post(
        "/hotline",
        data={
            "csrf_token": csrf_from(page),
            "reporter_phone": "13800002222",
            "request_type": "consult",
            "description": "咨询居住证办理",
            "direct_close": "on",
            "answer": "带身份证到社区办理",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    case = world.session.scalar(select(Case))
    assert case.status == Status.CLOSED and case.result_note == "带身份证到社区办理"
    history = client.get("/hotline/history", params={"phone": "13800002222"}).text
    assert case.case_no in history


def test_inspector_self_handled_with_before_and_after(client: TestClient, world: World) -> None:
    login(client, world, "inspector")
    page = client.get("/inspector").text
    lon, lat = world.point(0)
    response = client.post(
        "/inspector",
        data={
            "csrf_token": csrf_from(page),
            "category_code": "1101",
            "description": "小广告",
            "lon": lon,
            "lat": lat,
            "self_handled": "on",
        },
        files=[("before", ("b.png", PNG, "image/png")), ("after", ("a.png", PNG, "image/png"))],
        follow_redirects=False,
    )
    assert response.status_code == 303
    case = world.session.scalar(select(Case))
    assert (
        case.status == Status.CLOSED
        and case.self_handled
        and case.created_by_id == world.users["inspector"].id
    )
    kinds = sorted(a.kind for a in world.session.scalars(select(FileLink)))
    assert kinds == ["after", "before"]
    assert response.headers["location"].startswith(f"/cases/{case.id}?")
    lines = audit_lines(world, "case.photo_uploaded")  # each photo audited, by the inspector
    assert [(a.object_id, a.actor_name) for a in lines] == [
        (str(case.id), world.users["inspector"].username)] * 2


def test_workbench_queue_and_search(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    for text in ("东门口垃圾堆放", "西侧路灯不亮"):
        client.post(
            "/api/v1/cases",
            json={
                "category_code": "1402",
                "description": text,
                "lon": lon,
                "lat": lat,
                "reporter_phone": "13900000000",
            },
        )
    login(client, world, "handler_cg")
    page = client.get("/workbench", params={"queue": "handle"}).text
    assert "东门口垃圾堆放" in page and "西侧路灯不亮" in page
    found = client.get("/workbench", params={"queue": "all", "q": "路灯"}).text
    assert "西侧路灯不亮" in found and "东门口垃圾堆放" not in found


def test_case_page_shows_only_allowed_actions(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    created = client.post(
        "/api/v1/cases",
        json={
            "category_code": "1101",
            "description": "垃圾",
            "lon": lon,
            "lat": lat,
            "reporter_phone": "13900000000",
        },
    ).json()
    login(client, world, "inspector")
    page = client.get(f"/cases/{created['id']}").text
    assert 'data-action="verify"' in page and 'data-action="file"' not in page


def test_command_map_counts_by_grid(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    for _ in range(2):
        client.post(
            "/api/v1/cases",
            json={
                "category_code": "1101",
                "description": "垃圾",
                "lon": lon,
                "lat": lat,
                "reporter_phone": "13900000000",
            },
        )
    login(client, world, "chief")
    counts = client.get("/api/v1/cases-by-grid").json()
    assert counts == {world.grids[0].code: 2}
    assert client.get("/map").status_code == 200


def test_catalogue_export_and_import_refuses_bad_file(client: TestClient, world: World, tmp_path) -> None:
    from smartgov.auth.models import UserRole

    admin = UserFactory(roles=["system_admin"])
    world.session.commit()
    world.users["admin"] = admin
    login(client, world, "admin")
    xlsx = client.get("/admin/categories/export.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(1, 1).value == "code" and sheet.max_row >= 4
    exported = client.get("/admin/categories/export.csv").text
    assert "1101" in exported and "handle_limit" in exported
    page = client.get("/admin/categories").text
    bad = exported.replace(",4wh,", ",4 weeks,", 1)
    response = client.post(
        "/admin/categories/import",
        data={"csrf_token": csrf_from(page)},
        files={"file": ("c.csv", bad.encode("utf-8"), "text/csv")},
        follow_redirects=True,
    )
    assert "未做任何修改" in response.text
    assert world.session.scalar(select(Category).where(Category.code == "1101")).handle_limit == "4wh"
    assert UserRole  # imported for the admin factory


def test_workbench_filters(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    for code, text in (("1402", "占道卖菜"), ("1107", "噪声很大")):
        client.post("/api/v1/cases", json={"category_code": code, "description": text, "lon": lon, "lat": lat,
                                           "reporter_phone": "13900000000"})
    login(client, world, "chief")
    page = client.get("/workbench", params={"queue": "all", "category": "1107"}).text
    assert "噪声很大" in page and "占道卖菜" not in page
    page = client.get("/workbench", params={"queue": "all", "source": "hotline"}).text
    assert "噪声很大" not in page
    page = client.get("/workbench", params={"queue": "all", "start": "2020-01-01", "end": "2020-01-31"}).text
    assert "暂无案件" in page


# --- bad form input, audit of personal data and photos, photo headers (review fixes) ----------


def audit_lines(world: World, action: str) -> list:
    from tests.auth.conftest import audit_rows

    return audit_rows(world.session, action)


def test_portal_refuses_a_position_that_is_not_a_number(client: TestClient, world: World) -> None:
    page = client.get("/report").text
    for lon in ("东经120", "nan"):
        response = client.post(
            "/report",
            data={"csrf_token": csrf_from(page), "category_code": "1101", "description": "路边垃圾没人管",
                  "lon": lon, "lat": "30.28", "reporter_phone": "13900001111"},
        )
        assert response.status_code == 422
        assert "经度应为数字" in response.text and "路边垃圾没人管" in response.text
    assert world.session.scalar(select(Case)) is None


def test_case_action_with_a_bad_number_shows_the_form_again(client: TestClient, world: World) -> None:

    case = report(world, "garbage")
    login(client, world, "inspector")
    page = client.get(f"/cases/{case.id}").text
    response = client.post(
        f"/cases/{case.id}/actions/verify",
        data={"csrf_token": csrf_from(page), "version": "v1", "note": "现场已看过"},
    )
    assert response.status_code == 422
    assert "版本号应为整数" in response.text and 'value="现场已看过"' in response.text
    world.session.expire_all()
    assert world.session.get(Case, case.id).status == Status.REPORTED
    login(client, world, "chief")
    page = client.get(f"/cases/{case.id}").text
    response = client.post(
        f"/cases/{case.id}/actions/merge",
        data={"csrf_token": csrf_from(page), "version": str(case.version), "master_case_id": "第3件",
              "note": "同一处垃圾"},
    )
    assert response.status_code == 422 and "主案件 ID应为整数" in response.text


def test_case_visible_answers_yes_or_no(world: World) -> None:
    from smartgov.cases import service

    case = report(world, "garbage", grid=0)
    assert service.case_visible(world.session, case.id, world.p("inspector"))
    assert not service.case_visible(world.session, case.id, world.p("inspector2"))
    assert not service.case_visible(world.session, case.id + 1000, world.p("chief"))


def test_case_page_audits_the_unmasked_reporter_once_per_view(client: TestClient, world: World) -> None:

    case = report(world, "garbage")
    login(client, world, "chief")
    for _ in range(2):
        assert "13912345678" in client.get(f"/cases/{case.id}").text
    lines = audit_lines(world, "personal_data_viewed")
    assert [(a.object_type, a.object_id) for a in lines] == [("case", str(case.id))] * 2
    assert all(a.actor_name == world.users["chief"].username for a in lines)
    login(client, world, "supervisor")  # sees masked data: nothing to audit
    assert "139****5678" in client.get(f"/cases/{case.id}").text
    assert len(audit_lines(world, "personal_data_viewed")) == 2


def test_report_photo_upload_is_audited(client: TestClient, world: World) -> None:
    import json

    page = client.get("/report").text
    lon, lat = world.point(0)
    client.post(
        "/report",
        data={"csrf_token": csrf_from(page), "category_code": "1101", "description": "垃圾堆放",
              "lon": lon, "lat": lat, "reporter_phone": "13900001111"},
        files={"photo": ("现场.png", PNG, "image/png")},
    )
    case = world.session.scalar(select(Case))
    (line,) = audit_lines(world, "case.photo_uploaded")
    assert (line.object_type, line.object_id) == ("case", str(case.id))
    detail = json.loads(line.detail)
    assert (detail["filename"], detail["size"], detail["content_type"]) == ("现场.png", len(PNG), "image/png")


def test_photo_is_served_with_its_type_inline_and_nosniff(client: TestClient, world: World) -> None:
    from smartgov.cases.attachments import save_attachment

    case = report(world, "garbage")
    att = save_attachment(world.session, case, PNG, 'x"; evil.html')
    world.session.commit()
    login(client, world, "chief")
    response = client.get(f"/cases/{case.id}/photos/{att.id}")
    assert response.status_code == 200 and response.content == PNG
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'inline; filename="x_evil.png"'


def test_workbench_finds_a_one_character_query(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    for text in ("东门口垃圾堆放", "西侧路灯不亮"):
        client.post("/api/v1/cases", json={"category_code": "1402", "description": text, "lon": lon,
                                           "lat": lat, "reporter_phone": "13900000000"})
    login(client, world, "chief")
    found = client.get("/workbench", params={"queue": "all", "q": "灯"}).text
    assert "西侧路灯不亮" in found and "东门口垃圾堆放" not in found


def test_refused_action_keeps_what_was_typed(client: TestClient, world: World) -> None:
    """A refusal by the workflow (not only a bad number) shows the page again with the reason
    and the typed note, instead of a redirect that loses them."""

    case = report(world, "stall")  # dispatched to 城管 at once
    login(client, world, "handler_cg")
    page = client.get(f"/cases/{case.id}").text
    response = client.post(
        f"/cases/{case.id}/actions/request_extension",
        data={"csrf_token": csrf_from(page), "version": str(case.version), "extension": "两天",
              "note": "需调运大型设备"},
    )
    assert response.status_code == 422 and "操作未成功" in response.text
    assert "需调运大型设备" in response.text
    world.session.expire_all()
    assert world.session.get(Case, case.id).status == Status.HANDLING


def test_the_menu_lists_exactly_the_pages_a_role_may_open(client: TestClient, world: World) -> None:
    """Menu entries and page guards come from one declaration (web.menu.menu_entry)."""
    import re

    world.users["admin"] = UserFactory(roles=["system_admin"])
    world.session.commit()
    for name, expected, hidden in (
        ("operator", {"/workbench", "/hotline", "/map"}, {"/admin/categories", "/inspector"}),
        ("inspector", {"/workbench", "/inspector", "/map"}, {"/hotline", "/kpi"}),
        ("admin", {"/admin/categories", "/admin/open311", "/kpi", "/admin/users"}, {"/workbench"}),
    ):
        client.cookies.clear()
        login(client, world, name)
        page = client.get("/track").text
        menu = set(re.findall(r'<nav>.*?</nav>', page, re.S)[0].split('href="')[1:])
        links = {m.split('"')[0] for m in menu} - {"/", "/report", "/track"}
        assert expected <= links and not hidden & links, (name, links)
        for href in links:
            assert client.get(href).status_code == 200, (name, href)
    assert client.get("/workbench").status_code == 403  # the administrator has no queues


# --- issue 8 §2: the staff pages -------------------------------------------------------------


def action_input(world: World, case: Case, name: str, who: str, **fields: object) -> Case:
    from smartgov.cases import service
    from smartgov.cases.schemas import ActionInput

    world.session.refresh(case)
    return service.act(world.session, case.id, name, ActionInput(version=case.version, **fields),
                       principal=world.p(who))


def test_dispatch_form_preselects_the_proposed_department(client: TestClient, world: World) -> None:
    from tests.factories import hotline

    case = hotline(world, "垃圾没人收", "garbage", grid=0)
    action_input(world, case, "file", "chief")
    login(client, world, "dispatcher")
    page = client.get(f"/cases/{case.id}").text
    assert '<option value="HW" selected>区环卫所</option>' in page  # 暴露垃圾's default department
    assert '<option value="CG" selected>' not in page


def test_dispatch_form_without_a_proposal_selects_nothing(client: TestClient, world: World) -> None:
    from tests.factories import hotline

    case = hotline(world, "一件说不清归谁管的事")
    action_input(world, case, "file", "chief", category_code="1101")
    case.category_id = None  # a filed case whose class was removed: nothing to go on
    world.session.commit()
    login(client, world, "dispatcher")
    page = client.get(f"/cases/{case.id}").text
    assert '<option value="">请选择主办部门</option>' in page and "selected>区" not in page


def test_merge_page_takes_the_case_number_and_offers_duplicates(client: TestClient, world: World) -> None:
    from tests.factories import hotline

    master = hotline(world, "小区门口垃圾堆了三天", "garbage", grid=0)
    dup = hotline(world, "小区门口垃圾堆了三天", "garbage", grid=0)
    login(client, world, "chief")
    page = client.get(f"/cases/{dup.id}").text
    assert f'name="master_pick" value="{master.case_no}"' in page
    response = client.post(
        f"/cases/{dup.id}/actions/merge",
        data={"csrf_token": csrf_from(page), "version": str(dup.version), "master_case_no": "20990101",
              "note": "同一处垃圾"},
    )
    assert response.status_code == 422
    assert "未找到案件编号为「20990101」的案件" in response.text
    assert 'value="20990101"' in response.text and 'value="同一处垃圾"' in response.text
    response = client.post(
        f"/cases/{dup.id}/actions/merge",
        data={"csrf_token": csrf_from(page), "version": str(dup.version), "master_case_no": "",
              "master_pick": master.case_no},
        follow_redirects=False,
    )
    assert response.status_code == 303
    world.session.expire_all()
    assert world.session.get(Case, dup.id).merged_into_id == master.id


def kept_tokens(html: str, field: str) -> list[str]:
    import re

    return re.findall(rf'name="kept_{field}" value="([^"]+)"', html)


def test_portal_photo_is_kept_across_an_error(client: TestClient, world: World) -> None:
    from smartgov.files.models import StoredFile

    page = client.get("/report").text
    lon, lat = world.point(0)
    form = {"csrf_token": csrf_from(page), "category_code": "1101", "description": "垃圾堆放",
            "lon": lon, "lat": lat}
    response = client.post("/report", data=form, files={"photo": ("p.png", PNG, "image/png")})
    assert response.status_code == 422 and "联系电话" in response.text
    tokens = kept_tokens(response.text, "photo")
    assert len(tokens) == 1 and "已保留：p.png" in response.text
    assert len(world.session.scalars(select(StoredFile)).all()) == 1  # stored once, linked to nothing
    assert world.session.scalars(select(FileLink)).all() == []
    response = client.post("/report", data={**form, "reporter_phone": "13900001111", "kept_photo": tokens},
                           follow_redirects=False)
    assert response.status_code == 303
    case = world.session.scalar(select(Case))
    links = world.session.scalars(select(FileLink)).all()
    assert [(x.subject_id, x.kind, x.filename) for x in links] == [(case.id, "photo", "p.png")]
    assert audit_lines(world, "case.photo_uploaded")


def test_a_forged_photo_token_links_nothing(client: TestClient, world: World) -> None:
    page = client.get("/report").text
    lon, lat = world.point(0)
    form = {"csrf_token": csrf_from(page), "category_code": "1101", "description": "垃圾堆放",
            "lon": lon, "lat": lat}
    response = client.post("/report", data=form, files={"photo": ("p.png", PNG, "image/png")})
    token = kept_tokens(response.text, "photo")[0]
    value, _, signature = token.rpartition(".")
    forged = f"{int(value.split(':')[0]) + 1}:{value.split(':', 1)[1]}.{signature}"
    response = client.post("/report", data={**form, "reporter_phone": "13900001111", "kept_photo": [forged]},
                           follow_redirects=False)
    assert response.status_code == 303
    assert world.session.scalars(select(FileLink)).all() == []


def test_inspector_photos_are_kept_across_an_error(client: TestClient, world: World) -> None:
    login(client, world, "inspector")
    page = client.get("/inspector").text
    lon, lat = world.point(0)
    form = {"csrf_token": csrf_from(page), "category_code": "1101", "description": "",
            "lon": lon, "lat": lat, "self_handled": "on"}
    files = [("photos", ("a.png", PNG, "image/png")), ("before", ("b.png", PNG, "image/png"))]
    response = client.post("/inspector", data=form, files=files)
    assert response.status_code == 422 and 'name="self_handled" id="self_handled" checked' in response.text
    kept = {"kept_photos": kept_tokens(response.text, "photos"),
            "kept_before": kept_tokens(response.text, "before")}
    assert [len(v) for v in kept.values()] == [1, 1]
    response = client.post("/inspector", data={**form, "description": "小广告", **kept},
                           follow_redirects=False)
    assert response.status_code == 303
    case = world.session.scalar(select(Case))
    kinds = sorted((x.kind, x.filename) for x in world.session.scalars(select(FileLink)))
    assert kinds == [("before", "b.png"), ("photo", "a.png")] and case.status == Status.CLOSED


def test_case_page_shows_what_staff_entered(client: TestClient, world: World) -> None:
    from tests.factories import hotline

    case = hotline(world, "楼下烧烤油烟", "garbage", grid=0, urgency="紧急")
    assigned = report(world, "garbage", grid=1, who="chief", source="superior",
                      source_ref="区委办〔2026〕12号")
    by_inspector = report(world, "garbage", grid=0, who="inspector", source="inspector")
    login(client, world, "chief")
    page = client.get(f"/cases/{case.id}").text
    assert "<th>诉求类型</th><td>投诉</td>" in page and "<th>紧急程度</th><td>紧急</td>" in page
    assert "<th>所在网格</th><td>网格1（330100001001001）</td>" in page
    page = client.get(f"/cases/{assigned.id}").text
    assert "<th>交办文号</th><td>区委办〔2026〕12号</td>" in page and "<th>紧急程度</th><td>一般</td>" in page
    page = client.get(f"/cases/{by_inspector.id}").text
    assert f"<th>上报监督员</th><td>{world.users['inspector'].display_name}</td>" in page
    assert "<th>诉求类型</th>" not in page


def test_clock_shows_the_limit_with_an_approved_extension(client: TestClient, world: World) -> None:
    from tests.factories import hotline

    case = hotline(world, "垃圾没人收", "garbage", grid=0)
    action_input(world, case, "file", "chief")
    action_input(world, case, "dispatch", "dispatcher", department_code="HW")
    login(client, world, "chief")
    clock = client.get(f"/cases/{case.id}").text
    assert "处置（4个工作时）" in clock and "4wh" not in clock
    action_input(world, case, "request_extension", "handler", note="需要协调", extension="2个工作日")
    action_input(world, case, "decide_exception", "dispatcher", approve=True)
    page = client.get(f"/cases/{case.id}").text
    assert "处置（原时限 4个工作时 + 延期 2个工作日）" in page


def test_actions_are_buttons_that_open_their_form(client: TestClient, world: World) -> None:
    import re

    case = report(world, "garbage")
    login(client, world, "chief")
    page = client.get(f"/cases/{case.id}").text
    boxes = re.findall(r'<details class="action" data-for="(\w+)" ?(open)?>', page)
    assert len(boxes) >= 3  # 核实属实, 核实不属实, 立案, 作废 …
    assert [name for name, is_open in boxes if is_open] == [boxes[0][0]]


def test_helpers_are_a_checkbox_list_with_a_filter(client: TestClient, world: World) -> None:
    from tests.factories import hotline

    case = hotline(world, "垃圾没人收", "garbage", grid=0)
    action_input(world, case, "file", "chief")
    login(client, world, "dispatcher")
    page = client.get(f"/cases/{case.id}").text
    assert "data-multi-filter" in page
    assert page.count('type="checkbox" name="helper_codes"') == len(world.depts)


def test_error_pages_show_no_codes_or_english(client: TestClient, world: World) -> None:
    login(client, world, "citizen")
    response = client.get("/workbench")
    assert response.status_code == 403
    assert "错误代码" not in response.text and "forbidden" not in response.text
    assert "your role" not in response.text and "无权访问" in response.text
    api = client.get("/workbench", headers={"accept": "application/json"})
    assert api.json()["code"] == "forbidden"  # the API keeps its codes


def test_printable_work_order(client: TestClient, world: World) -> None:
    case = report(world, "garbage")
    login(client, world, "chief")
    page = client.get(f"/cases/{case.id}").text
    client.post(f"/cases/{case.id}/actions/verify",
                data={"csrf_token": csrf_from(page), "version": str(case.version), "note": "属实"},
                files={"photo": ("after.png", PNG, "image/png")})
    printed = client.get(f"/cases/{case.id}/print")
    assert printed.status_code == 200 and case.case_no in printed.text
    assert "办理过程" in printed.text and "核实属实" in printed.text and "属实" in printed.text
    assert f'<img src="/cases/{case.id}/photos/' in printed.text and 'class="topbar"' not in printed.text
    login(client, world, "inspector2")  # another grid: the case is not theirs to see
    assert client.get(f"/cases/{case.id}/print").status_code == 404


def test_workbench_export_with_filters_masked(client: TestClient, world: World) -> None:
    import csv
    import io

    from openpyxl import load_workbook

    garbage = report(world, "garbage", description="路口垃圾堆放")
    report(world, "stall", description="占道经营摆摊")
    login(client, world, "chief")
    response = client.get("/workbench/export.csv", params={"queue": "all", "category": "1101"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["案件编号", "标题", "类别", "状态"]
    assert [r[0] for r in rows[1:]] == [garbage.case_no]
    assert rows[1][-1] == "139****5678"  # masked as in the list
    xlsx = client.get("/workbench/export.xlsx", params={"queue": "all"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3 and sheet["A1"].value == "案件编号"
    assert client.get("/workbench/export.pdf").status_code == 404
    assert len(audit_lines(world, "case.export")) == 2


def test_category_admin_groups_and_reads_limits_in_words(client: TestClient, world: World) -> None:
    world.users["admin"] = UserFactory(roles=["system_admin"])
    world.session.commit()
    login(client, world, "admin")
    page = client.get("/admin/categories").text
    assert 'data-testid="category-search"' in page and page.count('data-testid="category-group"') == 1
    assert 'value="4个工作时"' in page and 'value="4wh"' not in page
    garbage = world.cats["garbage"]
    client.post(f"/admin/categories/{garbage.id}",
                data={"csrf_token": csrf_from(page), "handle_limit": "3个工作日", "is_active": "on"})
    world.session.expire_all()
    assert world.session.get(Category, garbage.id).handle_limit == "3wd"


def test_menu_and_sources_say_open311_in_chinese(client: TestClient, world: World) -> None:
    world.users["admin"] = UserFactory(roles=["system_admin"])
    world.session.commit()
    login(client, world, "admin")
    page = client.get("/").text
    assert ">开放接口</a>" in page and ">Open311</a>" not in page


def test_a_handler_reveals_the_reporters_phone_from_the_case_page(client: TestClient, world: World) -> None:
    """处置人员 see the reporter masked, with 显示完整信息 that shows it in full (audited)."""
    case = report(world, "stall", reporter_phone="13912345678")
    login(client, world, "handler_cg")
    page = client.get(f"/cases/{case.id}").text
    assert "13912345678" not in page and 'data-testid="reveal-reporter"' in page
    revealed = client.post(f"/personal-data/case/{case.id}/reveal", headers={"X-CSRF-Token": csrf_from(page)})
    assert revealed.status_code == 200 and "13912345678" in revealed.text
    login(client, world, "dispatcher")  # sees it in full already: no button
    page = client.get(f"/cases/{case.id}").text
    assert "13912345678" in page and 'data-testid="reveal-reporter"' not in page
