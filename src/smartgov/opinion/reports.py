"""舆情报告: daily and weekly reports made by jobs as a PDF and an Excel workbook (overview with a
chart, top topics with their evidence, alerts and how they were handled), delivered to the
舆情监测员s' inboxes; and retention."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.inbox import service as inbox
from smartgov.opinion import alerts as alert_rules
from smartgov.opinion.models import (
    OpinionAlert,
    OpinionItem,
    OpinionReport,
    OpinionSetting,
    OpinionTopic,
    SubjectItem,
)
from smartgov.opinion.sentiment import POLARITY_LABELS

REPORT_SUBJECT = "opinion_report"
REPORT_KIND = "opinion_report"
KIND_LABELS = {"daily": "日报", "weekly": "周报", "special": "专报"}
ALERT_STATUS_LABELS = {
    "open": "待处置",
    "dismissed": "已忽略",
    "following": "专题跟踪",
    "case": "已转案件",
    "responded": "已回应",
}
TOP_TOPICS = 10
RETENTION_DEFAULT_DAYS = 180


def period(kind: str, at: datetime) -> tuple[datetime, datetime]:
    """The day before ``at`` (日报) or the seven days before its day (周报), midnight to midnight."""
    end = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return (end - timedelta(days=7 if kind == "weekly" else 1)), end


def summary(session: Session, start: datetime, end: datetime) -> dict[str, Any]:
    """The figures of a period: volume, sentiment, sensitive items, topics and alerts."""
    window = (OpinionItem.published_at >= start, OpinionItem.published_at < end)
    polarity = dict(
        session.execute(
            select(OpinionItem.polarity, func.count()).where(*window).group_by(OpinionItem.polarity)
        ).all()
    )
    topics = session.execute(
        select(OpinionTopic.id, OpinionTopic.label, func.count(OpinionItem.id), func.sum(OpinionItem.heat))
        .join(OpinionItem, OpinionItem.topic_id == OpinionTopic.id)
        .where(*window)
        .group_by(OpinionTopic.id, OpinionTopic.label)
        .order_by(func.sum(OpinionItem.heat).desc(), OpinionTopic.id)
        .limit(TOP_TOPICS)
    ).all()
    alert_rows = session.scalars(
        select(OpinionAlert)
        .where(OpinionAlert.created_at >= start, OpinionAlert.created_at < end)
        .order_by(OpinionAlert.created_at)
    ).all()
    return {
        "total": sum(polarity.values()),
        "polarity": {POLARITY_LABELS[k]: polarity.get(k, 0) for k in POLARITY_LABELS},
        "sensitive": session.scalar(
            select(func.count()).select_from(OpinionItem).where(*window, OpinionItem.sensitivity > 0)
        )
        or 0,
        "topics": [
            {"id": t[0], "label": t[1], "items": t[2], "heat": round(float(t[3] or 0), 1)} for t in topics
        ],
        "alerts": [
            {
                "id": a.id,
                "level": a.level,
                "kind": alert_rules.RULE_KINDS.get(a.kind, a.kind),
                "title": a.title,
                "status": ALERT_STATUS_LABELS.get(a.status, a.status),
                "case_no": a.case_no or "",
                "response": a.response or "",
            }
            for a in alert_rows
        ],
    }


def _evidence(session: Session, topic_id: int, start: datetime, end: datetime) -> list[OpinionItem]:
    return list(
        session.scalars(
            select(OpinionItem)
            .where(
                OpinionItem.topic_id == topic_id,
                OpinionItem.published_at >= start,
                OpinionItem.published_at < end,
                OpinionItem.duplicate_of_id.is_(None),
            )
            .order_by(OpinionItem.heat.desc(), OpinionItem.id)
            .limit(3)
        )
    )


def workbook(session: Session, title: str, start: datetime, end: datetime, figures: dict[str, Any]) -> bytes:
    """The Excel workbook (概况, 热点话题 with evidence, 预警处置)."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    sheet = book.active
    sheet.title = "概况"
    sheet.append([title])
    sheet.append(["统计时段", f"{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}"])
    sheet.append(["信息总量", figures["total"]])
    sheet.append(["敏感信息", figures["sensitive"]])
    sheet.append([])
    sheet.append(["情感倾向", "条数"])
    first = sheet.max_row + 1
    for label, count in figures["polarity"].items():
        sheet.append([label, count])
    chart = BarChart()
    chart.title = "情感分布"
    chart.add_data(
        Reference(sheet, min_col=2, min_row=first - 1, max_row=sheet.max_row), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=first, max_row=sheet.max_row))
    sheet.add_chart(chart, "D2")
    topics = book.create_sheet("热点话题")
    topics.append(["话题", "信息量", "热度", "代表信息", "原文地址"])
    for t in figures["topics"]:
        evidence = _evidence(session, t["id"], start, end)
        topics.append(
            [
                t["label"],
                t["items"],
                t["heat"],
                (evidence[0].title or evidence[0].content)[:200] if evidence else "",
                evidence[0].url or "" if evidence else "",
            ]
        )
        for item in evidence[1:]:
            topics.append(["", "", "", (item.title or item.content)[:200], item.url or ""])
    alerts = book.create_sheet("预警处置")
    alerts.append(["级别", "类型", "预警内容", "处置状态", "案件编号", "官方回应"])
    for a in figures["alerts"]:
        alerts.append([a["level"], a["kind"], a["title"], a["status"], a["case_no"], a["response"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def document(session: Session, title: str, start: datetime, end: datetime, figures: dict[str, Any]) -> bytes:
    """The PDF (版式报告) in the platform's bundled Chinese font: the same three parts as the workbook,
    the sentiment split drawn as bars."""
    from fpdf import FPDF

    from smartgov.web.fonts import cjk_font

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.add_font("cjk", fname=str(cjk_font()))
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, f"统计时段：{start:%Y-%m-%d %H:%M} 至 {end:%Y-%m-%d %H:%M}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"信息总量 {figures['total']} 条，其中敏感信息 {figures['sensitive']} 条",
             new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "一、情感分布")
    top = max([1, *figures["polarity"].values()])
    for label, count in figures["polarity"].items():
        y = pdf.get_y()
        pdf.cell(25, 7, label)
        pdf.set_fill_color(64, 120, 200)
        pdf.rect(40, y + 1.5, 120 * count / top, 4, style="F")
        pdf.set_x(165)
        pdf.cell(0, 7, f"{count} 条", new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "二、热点话题")
    for number, topic in enumerate(figures["topics"], start=1):
        pdf.multi_cell(0, 7, f"{number}. {topic['label']}（信息 {topic['items']} 条，热度 {topic['heat']}）",
                       new_x="LMARGIN", new_y="NEXT")
        for item in _evidence(session, topic["id"], start, end):
            text = (item.title or item.content)[:120]
            pdf.multi_cell(0, 6, f"    · {text}" + (f"（{item.url}）" if item.url else ""),
                           new_x="LMARGIN", new_y="NEXT")
    if not figures["topics"]:
        pdf.cell(0, 7, "本时段无热点话题", new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "三、预警处置")
    for alert in figures["alerts"]:
        handled = "，".join(p for p in (alert["status"], alert["case_no"] and f"案件 {alert['case_no']}",
                                        alert["response"] and f"回应：{alert['response']}") if p)
        pdf.multi_cell(0, 7, f"[{alert['level']}] {alert['kind']}：{alert['title']}（{handled}）",
                       new_x="LMARGIN", new_y="NEXT")
    if not figures["alerts"]:
        pdf.cell(0, 7, "本时段无预警", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _heading(pdf: Any, text: str) -> None:
    pdf.ln(3)
    pdf.set_font("cjk", size=13)
    pdf.cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)


def generate(session: Session, kind: str, at: datetime | None = None) -> OpinionReport:
    """生成报告 for the period before ``at`` and tell every 舆情监测员 (no commit)."""
    if kind not in ("daily", "weekly"):
        raise ValueError(f"unknown report kind: {kind}")
    at = at or now()
    start, end = period(kind, at)
    figures = summary(session, start, end)
    label = KIND_LABELS[kind]
    title = f"舆情{label}（{start:%Y-%m-%d}" + (
        f" 至 {end - timedelta(days=1):%Y-%m-%d}）" if kind == "weekly" else "）"
    )
    report = OpinionReport(
        kind=kind,
        title=title,
        period_start=start,
        period_end=end,
        created_at=at,
        summary={k: v for k, v in figures.items() if k != "alerts"} | {"alerts": len(figures["alerts"])},
        workbook=workbook(session, title, start, end, figures),
        document=document(session, title, start, end, figures),
    )
    session.add(report)
    session.flush()
    for user_id in alert_rules.officers(session):
        inbox.notify(
            session,
            kind=REPORT_KIND,
            message=f"{title}已生成：信息 {figures['total']} 条，预警 {len(figures['alerts'])} 条",
            user_id=user_id,
            subject_type=REPORT_SUBJECT,
            subject_id=report.id,
        )
    return report


def retention_days(session: Session) -> int:
    """保留期限 (days) of collected items, a setting (PIPL: no longer than needed)."""
    row = session.get(OpinionSetting, "retention")
    return int((row.value if row else {}).get("days", RETENTION_DEFAULT_DAYS))


def purge(session: Session, at: datetime | None = None) -> int:
    """Delete items older than the retention period (with their 专题 hits); returns how many (no commit)."""
    cutoff = (at or now()) - timedelta(days=retention_days(session))
    old = select(OpinionItem.id).where(OpinionItem.published_at < cutoff)
    session.execute(delete(SubjectItem).where(SubjectItem.item_id.in_(old)))
    session.execute(update(OpinionAlert).where(OpinionAlert.item_id.in_(old)).values(item_id=None))
    session.execute(
        update(OpinionItem).where(OpinionItem.duplicate_of_id.in_(old)).values(duplicate_of_id=None)
    )
    result = session.execute(delete(OpinionItem).where(OpinionItem.published_at < cutoff))
    return int(result.rowcount or 0)
