"""The 舆情 pages: each opens for its roles only, speaks Chinese, and the officer works an alert."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.auth.models import AuditEntry
from smartgov.opinion import service, stats
from smartgov.opinion.models import OpinionAlert, OpinionSubject, SensitiveTerm
from smartgov.opinion.schemas import ItemIn
from tests.auth.conftest import csrf_from
from tests.factories import PASSWORD
from tests.opinion.conftest import OpinionWorld

PAGES = [
    "/opinion",
    "/opinion/alerts",
    "/opinion/items",
    "/opinion/subjects",
    "/opinion/accounts",
    "/opinion/sources",
    "/opinion/words",
    "/opinion/reports",
    "/opinion/rules",
]


def login(client: TestClient, world: OpinionWorld, name: str) -> None:
    page = client.get("/login").text
    response = client.post(
        "/login",
        data={"username": world.users[name].username, "password": PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert response.status_code in (200, 303)


def seed(session: Session, world: OpinionWorld) -> None:
    service.store_items(
        session,
        world.source,
        [
            ItemIn(
                external_id="1",
                title="翠苑社区居民聚集",
                content="翠苑社区门口有人聚集，反映地铁施工噪音扰民",
            ),
            ItemIn(external_id="2", content="东湖街道老旧小区加装电梯完工，居民很满意"),
        ],
    )
    session.commit()


@pytest.mark.parametrize("path", PAGES)
def test_officer_opens_every_page_in_chinese(
    client: TestClient, world: OpinionWorld, session: Session, path: str
) -> None:
    seed(session, world)
    login(client, world, "officer")
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert not re.search(
        r">\s*(open|positive|negative|neutral|stability|mass_incident|push|weibo)\s*<", response.text
    )


@pytest.mark.parametrize("path", PAGES)
def test_a_handler_may_open_none(client: TestClient, world: OpinionWorld, path: str) -> None:
    login(client, world, "handler")
    assert client.get(path).status_code == 403


def test_search_highlights_and_exports_with_an_audit_line(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    seed(session, world)
    login(client, world, "officer")
    page = client.get("/opinion/items", params={"q": "电梯"}).text
    assert "<mark>电梯</mark>" in page and 'data-testid="total">1<' in page
    export = client.get("/opinion/items/export", params={"q": "电梯"})
    assert export.status_code == 200 and export.text.count("\n") == 2 and "加装电梯" in export.text
    assert session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "opinion.search.export")
    ).all()
    assert client.get("/opinion/items", params={"since": "昨天"}).status_code == 422


def test_officer_turns_an_alert_into_a_case_from_its_page(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    seed(session, world)
    login(client, world, "officer")
    alert = session.scalars(select(OpinionAlert)).one()
    page = client.get(f"/opinion/alerts/{alert.id}").text
    assert "证据" in page and "聚集" in page and 'data-testid="act-case"' in page
    response = client.post(
        f"/opinion/alerts/{alert.id}/act", data={"action": "case", "csrf_token": csrf_from(page)}
    )
    assert (
        response.status_code == 200
        and "已转为案件" in response.text
        and 'data-testid="case-link"' in response.text
    )


def test_leader_sees_alerts_but_not_the_handling_buttons(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    seed(session, world)
    login(client, world, "leader")
    alert = session.scalars(select(OpinionAlert)).one()
    page = client.get(f"/opinion/alerts/{alert.id}").text
    assert "证据" in page and "act-case" not in page
    assert client.get("/opinion/accounts").status_code == 403


def test_subject_created_from_the_page_backfills_and_shows_its_figures(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    seed(session, world)
    login(client, world, "officer")
    page = client.get("/opinion/subjects").text
    response = client.post(
        "/opinion/subjects",
        data={"name": "电梯", "expression": "加装电梯|老旧小区", "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 200 and 'data-testid="subject-total">1<' in response.text
    bad = client.post(
        "/opinion/subjects", data={"name": "坏", "expression": "(电梯", "csrf_token": csrf_from(page)}
    )
    assert bad.status_code == 422 and "括号不匹配" in bad.text
    assert session.scalars(select(OpinionSubject.name)).all() == ["电梯"]


def test_word_list_import_and_export(client: TestClient, world: OpinionWorld, session: Session) -> None:
    login(client, world, "officer")
    page = client.get("/opinion/words").text
    body = "词,类别,权重\n强拆,维稳,80\n黑恶势力,贪污腐败,\n".encode()
    response = client.post(
        "/opinion/words/import",
        data={"csrf_token": csrf_from(page)},
        files={"file": ("words.csv", body, "text/csv")},
    )
    assert response.status_code == 200 and "新增 2 个敏感词" in response.text
    rows = {(t.term, t.category, t.weight) for t in session.scalars(select(SensitiveTerm))}
    assert {("强拆", "stability", 80), ("黑恶势力", "corruption", 50)} <= rows
    export = client.get("/opinion/words/export").text
    assert "强拆,维稳,80" in export and "黑恶势力,贪污腐败,50" in export
    bad = client.post(
        "/opinion/words/import",
        data={"csrf_token": csrf_from(page)},
        files={"file": ("words.csv", "强拆\n".encode(), "text/csv")},
    )
    assert bad.status_code == 422 and "缺少类别" in bad.text


def test_topic_page_shows_its_spread_index_and_charts_data(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    from smartgov.opinion.models import OpinionTopic

    seed(session, world)
    login(client, world, "officer")
    topic_id = session.scalars(select(OpinionTopic.id).order_by(OpinionTopic.id)).first()
    page = client.get(f"/opinion/topics/{topic_id}")
    assert page.status_code == 200 and 'data-testid="spread-index"' in page.text and "传播曲线" in page.text
    assert client.get("/opinion/topics/999999").status_code == 404
    assert client.get("/opinion/topics/0").status_code == 422


def test_subject_figures_through_the_api(client: TestClient, world: OpinionWorld, session: Session) -> None:
    from tests.opinion.conftest import token

    seed(session, world)
    headers = token(client, world, "officer")
    created = client.post(
        "/api/v1/opinion/subjects", headers=headers, json={"name": "施工", "expression": "地铁+噪音"}
    )
    assert created.status_code == 201
    body = client.get(f"/api/v1/opinion/subjects/{created.json()['id']}", headers=headers).json()
    assert body["total"] == 1 and body["sentiment"][0]["name"] == "正面"
    assert sum(s["value"] for s in body["sentiment"]) == 1


def test_key_account_page_shows_activity_by_day_and_each_view_is_audited(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    from datetime import datetime, timedelta

    from smartgov.opinion.models import OpinionAccount

    account = OpinionAccount(platform="weibo", handle="城市晚报", name="城市晚报", kind="media", is_key=True)
    session.add(account)
    session.commit()
    day = datetime.fromisoformat("2026-11-28T09:00:00+08:00")
    service.store_items(
        session,
        world.source,
        [
            ItemIn(
                external_id=f"a{n}",
                content=f"城市晚报第{n}条",
                author="城市晚报",
                author_platform="weibo",
                reposts=n,
                published_at=day + timedelta(days=n // 2),
            )
            for n in range(3)
        ],
    )
    session.commit()
    report = stats.account_report(session, account.id, world.p("officer"))
    assert report["days"] == ["2026-11-28", "2026-11-29"]
    assert report["posts"] == [2, 1] and report["reach"] == [1, 2]
    login(client, world, "officer")
    before = len(session.scalars(select(AuditEntry).where(AuditEntry.action == "opinion.account.view")).all())
    page = client.get(f"/opinion/accounts/{account.id}")
    assert page.status_code == 200 and 'data-testid="account-total">3<' in page.text
    after = len(session.scalars(select(AuditEntry).where(AuditEntry.action == "opinion.account.view")).all())
    assert after == before + 1
    listed = client.get("/opinion/items", params={"account_id": account.id}).text
    assert 'data-testid="total">3<' in listed
    accounts = client.get("/opinion/accounts").text
    assert "<td>微博</td>" in accounts and ">weibo<" not in accounts  # the platform by its name
    login(client, world, "leader")
    assert client.get(f"/opinion/accounts/{account.id}").status_code == 403


def test_rules_are_edited_in_chinese_and_checked(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    from smartgov.opinion.models import AlertRule

    rule = session.scalars(select(AlertRule)).one()
    login(client, world, "officer")
    page = client.get("/opinion/rules").text
    assert "敏感类别" in page and "min_sensitivity" not in page
    saved = client.post(
        f"/opinion/rules/{rule.id}",
        data={
            "csrf_token": csrf_from(page),
            "level": "较重",
            "is_active": "1",
            "params": '{"敏感类别": ["维稳", "贪污腐败"], "最低敏感度": 50}',
        },
    )
    assert saved.status_code == 200 and "已保存" in saved.text
    session.expire_all()
    stored = session.get(AlertRule, rule.id)
    assert (stored.level, stored.params) == (
        "较重",
        {"categories": ["stability", "corruption"], "min_sensitivity": 50},
    )
    for params, message in (
        ('{"倍数": 3}', "不适用"),
        ("[1]", "JSON 对象"),
        ('{"最低敏感度": "高"}', "应为数字"),
        ("{bad", "JSON 对象"),
    ):
        bad = client.post(
            f"/opinion/rules/{rule.id}",
            data={"csrf_token": csrf_from(page), "level": "一般", "params": params},
        )
        assert bad.status_code == 422 and message in bad.text, params
    assert (
        client.post(
            f"/opinion/rules/{rule.id}", data={"csrf_token": csrf_from(page), "level": "特别", "params": "{}"}
        ).status_code
        == 422
    )


def test_reports_download_as_pdf_and_excel(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    from smartgov.opinion import reports

    seed(session, world)
    report = reports.generate(session, "daily")
    session.commit()
    login(client, world, "officer")
    page = client.get("/opinion/reports").text
    assert f'href="/opinion/reports/{report.id}.pdf"' in page
    pdf = client.get(f"/opinion/reports/{report.id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    book = client.get(f"/opinion/reports/{report.id}.xlsx")
    assert book.status_code == 200 and book.content.startswith(b"PK")
    assert client.get(f"/opinion/reports/{report.id}.doc").status_code == 404
