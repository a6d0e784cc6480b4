"""Pages of 舆情监测: overview, item search (with highlighting and export), topics, alert console,
专题 with charts, key accounts, sources admin and word lists admin."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov import inbox
from smartgov.auth import audit
from smartgov.auth.menu import menu_entry
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.db import get_session
from smartgov.errors import NotFound, ValidationFailed
from smartgov.opinion import alerts as alert_rules
from smartgov.opinion import reports, service, stats
from smartgov.opinion.heat import CHANNEL_LABELS
from smartgov.opinion.models import (
    ALERT_SUBJECT,
    AlertRule,
    OpinionAccount,
    OpinionAlert,
    OpinionItem,
    OpinionReport,
    OpinionSource,
    OpinionSubject,
    OpinionTopic,
    SensitiveTerm,
)
from smartgov.opinion.schemas import SourceIn, SubjectIn
from smartgov.opinion.sentiment import POLARITY_LABELS
from smartgov.opinion.words import CATEGORY_LABELS, category_label
from smartgov.params import Id, Page
from smartgov.web.templating import register_filter, render

router = APIRouter(tags=["pages"], include_in_schema=False)
OVERVIEW = menu_entry("/opinion", "舆情总览", 60, Role.OPINION_OFFICER, Role.LEADER)
ALERTS = menu_entry("/opinion/alerts", "舆情预警", 61, Role.OPINION_OFFICER, Role.LEADER)
SEARCH = menu_entry("/opinion/items", "舆情检索", 62, Role.OPINION_OFFICER, Role.LEADER)
SUBJECTS = menu_entry("/opinion/subjects", "专题监测", 63, Role.OPINION_OFFICER, Role.LEADER)
ACCOUNTS = menu_entry("/opinion/accounts", "重点账号", 64, Role.OPINION_OFFICER)
SOURCES = menu_entry("/opinion/sources", "信息源管理", 65, Role.OPINION_OFFICER, Role.SYSTEM_ADMIN)
WORDS = menu_entry("/opinion/words", "敏感词库", 66, Role.OPINION_OFFICER, Role.SYSTEM_ADMIN)
RULES = menu_entry("/opinion/rules", "预警规则", 68, Role.OPINION_OFFICER, Role.SYSTEM_ADMIN)
REPORTS = menu_entry("/opinion/reports", "舆情报告", 67, Role.OPINION_OFFICER, Role.LEADER)
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000

inbox.register_kinds({alert_rules.ALERT_KIND: "舆情预警", reports.REPORT_KIND: "舆情报告"})
inbox.register_subject(reports.REPORT_SUBJECT, lambda report_id: "/opinion/reports")
inbox.register_subject(ALERT_SUBJECT, lambda alert_id: f"/opinion/alerts/{alert_id}")
register_filter("polarity_label", lambda v: POLARITY_LABELS.get(v or "", "未分析"))
register_filter("category_label", lambda v: category_label(str(v)))
register_filter("alert_status_label", lambda v: service.ALERT_STATUS_LABELS.get(str(v), str(v)))
register_filter("rule_kind_label", lambda v: alert_rules.RULE_KINDS.get(str(v), str(v)))
register_filter("channel_label", lambda v: CHANNEL_LABELS.get(str(v), str(v)))
register_filter("source_kind_label", lambda v: service.SOURCE_KIND_LABELS.get(str(v), str(v)))


def highlight(text: str | None, words: list[str]) -> Markup:
    """关键词高亮: the query words marked in an escaped text."""
    out = str(escape(text or ""))
    for word in sorted({w for w in words if w}, key=len, reverse=True):
        safe = str(escape(word))
        out = out.replace(safe, f"<mark>{safe}</mark>")
    return Markup(out)  # noqa: S704 — built from escaped parts only


def _flash(request: Request) -> list[str]:
    msg = request.query_params.get("msg")
    return [msg[:200]] if msg else []


def _back(path: str, message: str) -> RedirectResponse:
    return RedirectResponse(f"{path}?msg={quote(message)}", status_code=303)


@router.get("/opinion", response_class=HTMLResponse)
def overview(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(OVERVIEW)
) -> Response:
    data = service.overview(session, principal)
    chart = {"polarity": [{"name": POLARITY_LABELS[k], "value": v} for k, v in data["polarity"].items()]}
    return render(request, "opinion/overview.html", {**data, "chart": chart})


def _time(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed("时间格式应为 2026-11-30 或 2026-11-30T08:00", code="bad_time") from exc
    if parsed.tzinfo is None:
        from smartgov.config import get_settings

        parsed = parsed.replace(tzinfo=get_settings().tz)
    return parsed


@dataclass
class SearchForm:
    """检索条件 of the search page and its export (one set of bounded query parameters)."""

    q: str = Query("", max_length=200)
    polarity: str = Query("", max_length=16)
    sensitive: str = Query("", max_length=1)
    topic_id: Id | None = None
    source_id: Id | None = None
    account_id: Id | None = None
    since: str = Query("", max_length=32)
    until: str = Query("", max_length=32)

    def run(
        self, session: Session, principal: Principal, page: int, limit: int
    ) -> tuple[int, list[OpinionItem]]:
        if self.polarity and self.polarity not in POLARITY_LABELS:
            raise ValidationFailed("未知的情感倾向", code="bad_polarity")
        return service.search_items(
            session,
            principal,
            q=self.q,
            polarity=self.polarity or None,
            min_sensitivity=1 if self.sensitive == "1" else None,
            topic_id=self.topic_id,
            source_id=self.source_id,
            account_id=self.account_id,
            since=_time(self.since),
            until=_time(self.until),
            limit=limit,
            offset=(page - 1) * limit,
        )


@router.get("/opinion/items", response_class=HTMLResponse)
def items_page(
    request: Request,
    form: SearchForm = Depends(),
    page: Page = 1,
    session: Session = Depends(get_session),
    principal: Principal = Depends(SEARCH),
) -> Response:
    total, rows = form.run(session, principal, page, PAGE_SIZE)
    words = form.q.split()
    sources = session.scalars(select(OpinionSource).order_by(OpinionSource.name)).all()
    return render(
        request,
        "opinion/items.html",
        {
            "rows": [(i, highlight(i.title, words), highlight((i.content or "")[:300], words)) for i in rows],
            "total": total,
            **asdict(form),
            "page": page,
            "sources": sources,
            "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            "query": str(request.url.query),
            "polarity_labels": POLARITY_LABELS,
        },
    )


@router.get("/opinion/items/export")
def items_export(
    form: SearchForm = Depends(),
    session: Session = Depends(get_session),
    principal: Principal = Depends(SEARCH),
) -> Response:
    """导出检索结果 as CSV (at most 10,000 rows; audited)."""
    _total, rows = form.run(session, principal, 1, EXPORT_LIMIT)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["编号", "发布时间", "标题", "正文", "发布账号", "情感倾向", "敏感度", "热度", "地点", "原文地址"]
    )
    for i in rows:
        writer.writerow(
            [
                i.id,
                i.published_at.strftime("%Y-%m-%d %H:%M"),
                i.title or "",
                i.content,
                i.author or "",
                POLARITY_LABELS.get(i.polarity or "", "未分析"),
                i.sensitivity,
                i.heat,
                i.place or "",
                i.url or "",
            ]
        )
    audit.record(
        session,
        principal=principal,
        action="opinion.search.export",
        object_type="opinion_item",
        detail={"q": form.q[:100], "rows": len(rows)},
    )
    session.commit()
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=opinion-items.csv"},
    )


@router.get("/opinion/topics/{topic_id}", response_class=HTMLResponse)
def topic_page(
    topic_id: Id,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(OVERVIEW),
) -> Response:
    report = stats.topic_report(session, topic_id, principal)
    return render(request, "opinion/topic.html", {"report": report})


@router.get("/opinion/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    status: str = Query("open", max_length=16),
    session: Session = Depends(get_session),
    principal: Principal = Depends(ALERTS),
) -> Response:
    if status and status not in service.ALERT_STATUS_LABELS:
        raise ValidationFailed("未知的预警状态", code="bad_status")
    query = select(OpinionAlert).order_by(OpinionAlert.created_at.desc(), OpinionAlert.id.desc()).limit(200)
    if status:
        query = query.where(OpinionAlert.status == status)
    counts = dict(
        session.execute(select(OpinionAlert.status, func.count()).group_by(OpinionAlert.status)).all()
    )
    return render(
        request,
        "opinion/alerts.html",
        {
            "alerts": session.scalars(query).all(),
            "status": status,
            "counts": counts,
            "labels": service.ALERT_STATUS_LABELS,
            "flash": _flash(request),
        },
    )


@router.get("/opinion/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(
    alert_id: Id,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(ALERTS),
) -> Response:
    alert = service.get_alert(session, alert_id, principal)
    item = session.get(OpinionItem, alert.item_id) if alert.item_id else None
    topic = session.get(OpinionTopic, alert.topic_id) if alert.topic_id else None
    moves = (
        [a for a, starts in service.ALERT_MOVES.items() if alert.status in starts]
        if principal.has_any(*service.HANDLERS)
        else []
    )
    return render(
        request,
        "opinion/alert.html",
        {"alert": alert, "item": item, "topic": topic, "moves": moves, "flash": _flash(request)},
    )


ACTION_LABELS = {"dismiss": "忽略", "follow": "转专题跟踪", "case": "转为案件", "respond": "发布官方回应"}


@router.post("/opinion/alerts/{alert_id}/act")
def alert_act(
    alert_id: Id,
    action: str = Form(..., max_length=16),
    note: str = Form("", max_length=2000),
    session: Session = Depends(get_session),
    principal: Principal = Depends(ALERTS),
) -> Response:
    alert = service.handle_alert(session, alert_id, action, principal, note=note or None)
    message = f"已{ACTION_LABELS.get(action, '处置')}"
    if alert.case_no:
        message += f"：案件 {alert.case_no}"
    return _back(f"/opinion/alerts/{alert_id}", message)


@router.get("/opinion/subjects", response_class=HTMLResponse)
def subjects_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(SUBJECTS)
) -> Response:
    rows = session.scalars(select(OpinionSubject).order_by(OpinionSubject.id.desc())).all()
    return render(
        request,
        "opinion/subjects.html",
        {"subjects": rows, "flash": _flash(request), "may_create": principal.has_any(*service.HANDLERS)},
    )


@router.post("/opinion/subjects")
def subjects_create(
    name: str = Form(..., max_length=100),
    expression: str = Form(..., max_length=500),
    session: Session = Depends(get_session),
    principal: Principal = Depends(SUBJECTS),
) -> Response:
    try:
        data = SubjectIn(name=name, expression=expression)
    except ValidationError as exc:
        raise ValidationFailed("请填写专题名称和关键词表达式", code="bad_subject") from exc
    subject = service.create_subject(session, data, principal)
    return _back(f"/opinion/subjects/{subject.id}", "专题已创建，历史信息正在后台匹配")


@router.get("/opinion/subjects/{subject_id}", response_class=HTMLResponse)
def subject_page(
    subject_id: Id,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(SUBJECTS),
) -> Response:
    report = stats.subject_report(session, subject_id, principal)
    return render(request, "opinion/subject.html", {"report": report, "flash": _flash(request)})


@router.get("/opinion/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(ACCOUNTS)
) -> Response:
    """重点账号: reach, activity and stance (each view audited)."""
    rows = session.execute(
        select(
            OpinionAccount,
            func.count(OpinionItem.id),
            func.avg(OpinionItem.sentiment),
            func.coalesce(func.sum(OpinionItem.reposts + OpinionItem.comments + OpinionItem.likes), 0),
        )
        .outerjoin(OpinionItem, OpinionItem.account_id == OpinionAccount.id)
        .where(OpinionAccount.is_key.is_(True))
        .group_by(OpinionAccount.id)
        .order_by(OpinionAccount.name)
    ).all()
    audit.record(
        session,
        principal=principal,
        action="opinion.account.view",
        object_type="opinion_account",
        detail={"rows": len(rows)},
    )
    session.commit()
    return render(request, "opinion/accounts.html", {"rows": rows})


@router.get("/opinion/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    account_id: Id,
    request: Request,
    session: Session = Depends(get_session),
    principal: Principal = Depends(ACCOUNTS),
) -> Response:
    """一个重点账号: activity, reach and stance by day (the view audited)."""
    report = stats.account_report(session, account_id, principal)
    audit.record(
        session,
        principal=principal,
        action="opinion.account.view",
        object_type="opinion_account",
        object_id=account_id,
    )
    session.commit()
    return render(request, "opinion/account.html", {"report": report})


@router.get("/opinion/sources", response_class=HTMLResponse)
def sources_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(SOURCES)
) -> Response:
    rows = session.execute(
        select(OpinionSource, func.count(OpinionItem.id))
        .outerjoin(OpinionItem, OpinionItem.source_id == OpinionSource.id)
        .group_by(OpinionSource.id)
        .order_by(OpinionSource.code)
    ).all()
    return render(
        request,
        "opinion/sources.html",
        {
            "rows": rows,
            "flash": _flash(request),
            "kinds": service.SOURCE_KIND_LABELS,
            "channels": CHANNEL_LABELS,
        },
    )


@router.post("/opinion/sources")
def sources_save(
    code: str = Form(..., max_length=64),
    name: str = Form(..., max_length=100),
    kind: str = Form(..., max_length=16),
    channel: str = Form("news", max_length=16),
    url: str = Form("", max_length=500),
    link_pattern: str = Form("", max_length=200),
    interval_minutes: int = Form(30, ge=1, le=10_080),
    session: Session = Depends(get_session),
    principal: Principal = Depends(SOURCES),
) -> Response:
    try:
        data = SourceIn(
            code=code,
            name=name,
            kind=kind,
            channel=channel,
            url=url or None,  # type: ignore[arg-type]
            settings={"link_pattern": link_pattern} if link_pattern else None,
            interval_minutes=interval_minutes,
        )
    except ValidationError as exc:
        raise ValidationFailed(
            "信息源填写有误：编码只用字母、数字、横线，地址以 http(s):// 开头", code="bad_source"
        ) from exc
    service.save_source(session, data, principal)
    return _back("/opinion/sources", f"信息源「{name}」已保存")


@router.post("/opinion/sources/import")
async def sources_import(
    source_code: str = Form(..., max_length=64),
    file: UploadFile = File(...),
    session: Session = Depends(get_session),
    principal: Principal = Depends(SOURCES),
) -> Response:
    content = await file.read(service.MAX_IMPORT_BYTES + 1)
    result = service.import_file(session, source_code, content, file.filename or "", principal)
    return _back(
        "/opinion/sources", f"导入 {result.received} 条，新增 {result.stored} 条，重复 {result.duplicates} 条"
    )


@router.get("/opinion/words", response_class=HTMLResponse)
def words_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(WORDS)
) -> Response:
    counts = session.execute(
        select(SensitiveTerm.category, func.count())
        .where(SensitiveTerm.is_active.is_(True))
        .group_by(SensitiveTerm.category)
        .order_by(SensitiveTerm.category)
    ).all()
    sample = session.scalars(
        select(SensitiveTerm)
        .where(SensitiveTerm.is_active.is_(True))
        .order_by(SensitiveTerm.category, SensitiveTerm.term)
        .limit(200)
    ).all()
    return render(
        request, "opinion/words.html", {"counts": counts, "sample": sample, "flash": _flash(request)}
    )


@router.post("/opinion/words/import")
async def words_import(
    file: UploadFile = File(...),
    replace: str = Form("", max_length=1),
    session: Session = Depends(get_session),
    principal: Principal = Depends(WORDS),
) -> Response:
    if not (file.filename or "").lower().endswith(".csv"):
        raise ValidationFailed("敏感词只能以 CSV 文件导入", code="bad_file_type")
    content = await file.read(2_000_001)
    if len(content) > 2_000_000:
        raise ValidationFailed("文件不能超过 2 MB", code="file_too_large")
    added = service.import_terms(session, content, principal, replace=replace == "1")
    return _back("/opinion/words", f"已导入，新增 {added} 个敏感词")


@router.get("/opinion/words/export")
def words_export(session: Session = Depends(get_session), principal: Principal = Depends(WORDS)) -> Response:
    body = service.export_terms(session, principal)
    return Response(
        "\ufeff" + body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=sensitive-terms.csv"},
    )


@router.get("/opinion/reports", response_class=HTMLResponse)
def reports_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(REPORTS)
) -> Response:
    rows = session.execute(
        select(
            OpinionReport.id,
            OpinionReport.kind,
            OpinionReport.title,
            OpinionReport.created_at,
            OpinionReport.summary,
            OpinionReport.document.is_not(None).label("has_document"),
        )
        .order_by(OpinionReport.created_at.desc())
        .limit(200)
    ).all()
    return render(request, "opinion/reports.html", {"rows": rows, "kinds": reports.KIND_LABELS})


REPORT_FORMATS = {
    "xlsx": ("workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": ("document", "application/pdf"),
}


@router.get("/opinion/reports/{report_id}.{fmt}")
def report_download(
    report_id: Id, fmt: str, session: Session = Depends(get_session), principal: Principal = Depends(REPORTS)
) -> Response:
    """下载报告 as PDF or Excel (audited)."""
    report = session.get(OpinionReport, report_id)
    if report is None or fmt not in REPORT_FORMATS or getattr(report, REPORT_FORMATS[fmt][0]) is None:
        raise NotFound("报告不存在", code="not_found")
    audit.record(
        session,
        principal=principal,
        action="opinion.report.download",
        object_type="opinion_report",
        object_id=report.id,
    )
    session.commit()
    column, media_type = REPORT_FORMATS[fmt]
    return Response(
        getattr(report, column),
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename=opinion-report-{report.id}.{fmt}"},
    )


PARAM_LABELS = {
    "categories": "敏感类别",
    "min_sensitivity": "最低敏感度",
    "factor": "倍数",
    "min_items": "最少条数",
    "level": "占比上限",
    "keywords": "关注词语",
}


def params_for_people(params: dict) -> dict:
    """规则参数 as people read them: Chinese keys, categories by their Chinese names."""
    out = {}
    for key, value in params.items():
        if key == "categories" and isinstance(value, list):
            value = [category_label(str(v)) for v in value]
        out[PARAM_LABELS.get(key, key)] = value
    return out


def params_from_people(values: dict) -> dict:
    """The stored form of parameters written with Chinese keys and category names."""
    by_label = {v: k for k, v in PARAM_LABELS.items()}
    categories = {label: code for code, label in CATEGORY_LABELS.items()}
    out = {}
    for key, value in values.items():
        code = by_label.get(str(key), str(key))
        if code == "categories" and isinstance(value, list):
            value = [categories.get(str(v), v) for v in value]
        out[code] = value
    return out


@router.get("/opinion/rules", response_class=HTMLResponse)
def rules_page(
    request: Request, session: Session = Depends(get_session), principal: Principal = Depends(RULES)
) -> Response:
    rows = session.scalars(select(AlertRule).order_by(AlertRule.id)).all()
    return render(
        request,
        "opinion/rules.html",
        {
            "rules": [(r, json.dumps(params_for_people(r.params or {}), ensure_ascii=False)) for r in rows],
            "levels": alert_rules.LEVELS,
            "flash": _flash(request),
        },
    )


@router.post("/opinion/rules/{rule_id}")
def rules_save(
    rule_id: Id,
    level: str = Form(..., max_length=8),
    params: str = Form("{}", max_length=4000),
    is_active: str = Form("", max_length=1),
    session: Session = Depends(get_session),
    principal: Principal = Depends(RULES),
) -> Response:
    try:
        values = json.loads(params or "{}")
    except ValueError as exc:
        raise ValidationFailed(
            '规则参数应为 JSON 对象，例如 {"倍数": 3, "最少条数": 5}', code="bad_param"
        ) from exc
    if not isinstance(values, dict):
        raise ValidationFailed("规则参数应为 JSON 对象", code="bad_param")
    rule = service.update_rule(
        session,
        rule_id,
        principal,
        is_active=is_active == "1",
        level=level,
        params=params_from_people(values),
    )
    return _back("/opinion/rules", f"规则「{rule.name}」已保存")
