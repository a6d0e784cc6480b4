"""Daily and weekly reports as Excel workbooks delivered to the officers' inboxes; retention purge."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.inbox.models import Notification
from smartgov.opinion import reports, service
from smartgov.opinion.models import OpinionItem, OpinionSetting
from smartgov.opinion.schemas import ItemIn
from tests.opinion.conftest import OpinionWorld

TZ = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 30, 8, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        ("daily", datetime(2026, 11, 29, tzinfo=TZ), datetime(2026, 11, 30, tzinfo=TZ)),
        ("weekly", datetime(2026, 11, 23, tzinfo=TZ), datetime(2026, 11, 30, tzinfo=TZ)),
    ],
)
def test_period(kind: str, start: datetime, end: datetime) -> None:
    assert reports.period(kind, AT) == (start, end)


def test_daily_report_counts_yesterday_only_and_reaches_the_officers(
    world: OpinionWorld, session: Session
) -> None:
    service.store_items(
        session,
        world.source,
        [
            ItemIn(
                external_id="y1", content="翠苑社区居民聚集反映停车难", published_at=AT - timedelta(hours=20)
            ),
            ItemIn(
                external_id="y2",
                content="东湖街道道路改造完工，居民很满意",
                published_at=AT - timedelta(hours=10),
            ),
            ItemIn(external_id="t1", content="今天早上的新闻", published_at=AT - timedelta(minutes=30)),
            ItemIn(external_id="o1", content="前天的旧闻", published_at=AT - timedelta(days=2)),
        ],
    )
    session.commit()
    report = reports.generate(session, "daily", AT)
    session.commit()
    assert report.title == "舆情日报（2026-11-29）"
    assert report.summary["total"] == 2 and report.summary["sensitive"] == 1
    book = load_workbook(io.BytesIO(report.workbook))
    assert book.sheetnames == ["概况", "热点话题", "预警处置"]
    assert book["概况"]["B3"].value == 2
    assert [c.value for c in book["预警处置"][1]] == [
        "级别",
        "类型",
        "预警内容",
        "处置状态",
        "案件编号",
        "官方回应",
    ]
    notes = session.scalars(select(Notification).where(Notification.kind == reports.REPORT_KIND)).all()
    assert sorted(n.user_id for n in notes) == sorted([world.users["officer"].id, world.users["officer2"].id])
    assert report.document is not None and report.document.startswith(b"%PDF-")
    assert b"/FontFile3" in report.document  # the Chinese font travels inside the PDF


@pytest.mark.parametrize(("age_days", "kept"), [(29, True), (31, False)])
def test_items_past_the_retention_period_are_deleted(
    world: OpinionWorld, session: Session, age_days: int, kept: bool
) -> None:
    session.add(OpinionSetting(key="retention", value={"days": 30}))
    service.store_items(
        session,
        world.source,
        [ItemIn(external_id="x", content="居民聚集", published_at=AT - timedelta(days=age_days))],
    )
    session.commit()
    assert reports.purge(session, AT) == (0 if kept else 1)
    session.commit()
    assert bool(session.scalars(select(OpinionItem)).all()) is kept
