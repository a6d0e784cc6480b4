"""The citizen's pages: report with 'use my location' and a title, track once, see photos, map and
answer, confirm or say not fixed and rate — through the test client and the JSON API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

import smartgov.cases.jobs  # noqa: F401  (registers cases.route_new_case, as domains.JOB_MODULES does)
from smartgov.cases import service
from smartgov.cases.attachments import save_attachment
from smartgov.cases.models import Case, CitizenFeedback
from smartgov.cases.schemas import ActionInput, CaseIntake, Source
from tests.auth.conftest import csrf_from
from tests.cases.conftest import World
from tests.cases.test_pages import PNG, login
from tests.factories import report


def handled(world: World, who: str | None = "citizen", **fields) -> Case:
    case = report(world, "noise", who=who, **fields)
    service.act(world.session, case.id, "report_back", ActionInput(note="已上门劝导，音乐已停"),
                principal=world.p("handler_cg"))
    world.session.expire_all()
    return world.session.get(Case, case.id)


def cards(page: str) -> int:
    return page.count('data-testid="track-card"')


def test_report_page_has_use_my_location_and_a_title(client: TestClient, world: World) -> None:
    page = client.get("/report").text
    assert 'id="gps-btn"' in page and "获取定位" in page
    assert 'name="title"' in page and 'id="pick-map"' in page
    assert "navigator.geolocation" in page  # the inspector's script, shared
    lon, lat = world.point(0)
    response = client.post("/report", data={
        "csrf_token": csrf_from(page), "category_code": "1101", "title": "  南门垃圾没人收 ",
        "description": "小区南门的垃圾堆了三天。气味很大", "lon": lon, "lat": lat,
        "reporter_phone": "13900001111"}, follow_redirects=False)
    assert response.status_code == 303
    assert world.session.scalar(select(Case.title)) == "南门垃圾没人收"


def test_report_without_a_title_gets_a_summary_cut_at_the_sentence(client: TestClient, world: World) -> None:
    page = client.get("/report").text
    lon, lat = world.point(0)
    client.post("/report", data={
        "csrf_token": csrf_from(page), "category_code": "1101", "title": " ",
        "description": "小区南门的垃圾已经堆放了整整三天没有人来清运。"
                       "夏天气味很大，苍蝇很多，居民意见很大，请尽快处理",
        "lon": lon, "lat": lat, "reporter_phone": "13900001111"})
    title = "暴露垃圾：小区南门的垃圾已经堆放了整整三天没有人来清运"
    assert world.session.scalar(select(Case.title)) == title


def test_the_looked_up_case_is_listed_once(client: TestClient, world: World) -> None:
    mine = report(world, "garbage")
    other = report(world, "garbage", description="另一处垃圾")
    login(client, world, "citizen")
    page = client.get(f"/track?code={mine.tracking_code}").text
    assert cards(page) == 2  # the looked-up one, and the other report
    assert page.count(mine.tracking_code) >= 1 and page.count(f"查询码 {mine.tracking_code}") == 1
    assert f"查询码 {other.tracking_code}" in page and "我的其他报事" in page
    assert cards(client.get("/track").text) == 2


def test_tracking_shows_photos_map_and_answer(client: TestClient, world: World) -> None:
    case = handled(world, who=None)
    photo = save_attachment(world.session, case, PNG, "现场.png")
    world.session.commit()
    page = client.get(f"/track?code={case.tracking_code}").text
    assert "已上门劝导，音乐已停" in page  # the department's answer
    assert 'id="track-map"' in page and f"{case.lat}" in page
    url = f"/track/{case.tracking_code}/photos/{photo.id}"
    assert url in page
    image = client.get(url)
    assert image.status_code == 200 and image.content == PNG
    assert image.headers["content-type"] == "image/png"


def test_a_photo_of_another_case_is_not_served_by_this_code(client: TestClient, world: World) -> None:
    case = handled(world, who=None)
    other = report(world, "garbage")
    photo = save_attachment(world.session, other, PNG, "别处.png")
    world.session.commit()
    assert client.get(f"/track/{case.tracking_code}/photos/{photo.id}").status_code == 404
    assert client.get(f"/track/NOSUCH-CODE1/photos/{photo.id}").status_code == 404


def test_no_map_without_a_place(client: TestClient, world: World) -> None:
    case = report(world, "garbage", grid=None, address="建国路1号")
    assert 'id="track-map"' not in client.get(f"/track?code={case.tracking_code}").text


def test_feedback_form_only_when_closed_and_asks_strangers_for_the_digits(
    client: TestClient, world: World
) -> None:
    open_case = report(world, "noise")
    assert 'data-testid="feedback-form"' not in client.get(f"/track?code={open_case.tracking_code}").text
    case = handled(world)
    anonymous = client.get(f"/track?code={case.tracking_code}").text
    assert 'data-testid="feedback-form"' in anonymous and 'name="phone_tail"' in anonymous
    for label in ("确认已解决", "未解决", "满意", "基本满意", "不满意"):
        assert label in anonymous
    login(client, world, "citizen")
    own = client.get(f"/track?code={case.tracking_code}").text
    assert 'data-testid="feedback-form"' in own and 'name="phone_tail"' not in own


def test_reporter_confirms_and_rates_on_the_tracking_page(client: TestClient, world: World) -> None:
    case = handled(world)
    login(client, world, "citizen")
    page = client.get(f"/track?code={case.tracking_code}").text
    response = client.post(f"/track/{case.tracking_code}/feedback", data={
        "csrf_token": csrf_from(page), "resolved": "yes", "satisfaction": "基本满意", "comment": "还行"})
    assert response.status_code == 200 and "感谢您的评价" in response.text
    assert "您的评价：确认已解决，基本满意（还行）" in response.text
    assert 'data-testid="feedback-form"' not in response.text  # once per closing
    assert "报事人已评价" in response.text
    world.session.expire_all()
    assert world.session.get(Case, case.id).status == "closed"


def test_a_refused_feedback_keeps_what_was_typed(client: TestClient, world: World) -> None:
    case = handled(world, who=None)
    page = client.get(f"/track?code={case.tracking_code}").text
    response = client.post(f"/track/{case.tracking_code}/feedback", data={
        "csrf_token": csrf_from(page), "resolved": "no", "satisfaction": "不满意",
        "comment": "音乐还在放", "phone_tail": "1234"})
    assert response.status_code == 403
    assert "联系电话后4位与报事时所留号码不符" in response.text and "音乐还在放" in response.text
    assert re.search(r'value="no"\s+checked', response.text)
    missing = client.post(f"/track/{case.tracking_code}/feedback", data={
        "csrf_token": csrf_from(page), "comment": "没选", "phone_tail": "5678"})
    assert missing.status_code == 422 and "请选择问题是否已解决" in missing.text
    assert world.session.scalar(select(CitizenFeedback)) is None


def test_feedback_form_needs_csrf(client: TestClient, world: World) -> None:
    case = handled(world, who=None)
    client.get("/track")
    response = client.post(f"/track/{case.tracking_code}/feedback",
                           data={"resolved": "yes", "satisfaction": "满意", "phone_tail": "5678"})
    assert response.status_code == 403


def test_feedback_through_the_api(client: TestClient, world: World) -> None:
    case = handled(world, who=None)
    url = f"/api/v1/track/{case.tracking_code}/feedback"
    wrong = client.post(url, json={"resolved": True, "satisfaction": "满意", "phone_tail": "0000"})
    assert wrong.status_code == 403 and wrong.json()["code"] == "phone_tail_mismatch"
    unknown = client.post("/api/v1/track/NOSUCH-CODE1/feedback", json={"resolved": True})
    assert unknown.status_code == 404
    done = client.post(url, json={"resolved": False, "satisfaction": "不满意", "phone_tail": "5678"})
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["feedback"]["verdict"] == "未解决" and body["feedback_open"] is False
    assert "13912345678" not in done.text
    again = client.post(url, json={"resolved": True, "satisfaction": "满意", "phone_tail": "5678"})
    assert again.status_code == 409 and again.json()["code"] == "feedback_given"
    before = client.get(f"/api/v1/track/{case.tracking_code}").json()
    assert before["photos"] == [] and before["lon"] == case.lon


def test_intake_title_is_the_one_place_titles_are_made(world: World) -> None:
    cat = world.cats["garbage"]
    base = {"source": Source.PORTAL, "description": "路灯不亮，晚上很黑"}
    assert service.case_title(CaseIntake(**base, title="  路灯  坏了 "), cat) == "路灯 坏了"
    assert service.case_title(CaseIntake(**base, title=" "), cat) == "暴露垃圾：路灯不亮，晚上很黑"
    assert service.case_title(CaseIntake(**base), None) == "路灯不亮，晚上很黑"
