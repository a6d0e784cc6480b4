"""Acceptance notices (受理通知书, 不予受理决定书, 一次性告知书 …) as printable PDF."""

from __future__ import annotations

from fpdf import FPDF
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.errors import ValidationFailed
from smartgov.org.models import Department
from smartgov.services.models import Applicant, Application, ServiceItem
from smartgov.services.workflow import Status
from smartgov.web.fonts import cjk_font

TITLES = {
    "normal": "受理通知书",
    "deemed": "受理通知书",
    "tolerant": "容缺受理通知书",
    "commitment": "告知承诺受理通知书",
}


def notice_of(app: Application) -> tuple[str, str]:
    """The notice an application's acceptance decision produced: (title, body template key)."""
    if app.status == Status.REFUSED:
        return "不予受理决定书", "refused"
    if app.status == Status.SUPPLEMENT and app.supplement_list:
        return "一次性告知书（材料补正）", "supplement"
    if app.acceptance_kind:
        return TITLES[app.acceptance_kind], app.acceptance_kind
    raise ValidationFailed("该办件尚未作出受理决定，没有通知书", code="no_notice")


def body(session: Session, app: Application, kind: str) -> list[str]:
    item = session.get(ServiceItem, app.item_id)
    applicant = session.get(Applicant, app.applicant_id)
    dept = session.get(Department, app.lead_department_id)
    lines = [
        f"{applicant.name}：",
        f"您于 {app.submitted_at:%Y年%m月%d日} 提出的「{item.name}」申请（办件编号 {app.number}），",
    ]
    if kind == "refused":
        lines.append(f"经审查，决定不予受理。理由：{app.decision_note or _last_note(session, app)}")
        lines.append("如不服本决定，可依法申请行政复议或者提起行政诉讼。")
    elif kind == "supplement":
        lines.append("申请材料不齐全或者不符合法定形式，请一次性补正以下材料：")
        lines += [
            f"  {i}. {m['name']}  {m.get('note', '')}" for i, m in enumerate(app.supplement_list, start=1)
        ]
        lines.append("补正期间办理时限暂停计算，补正后继续计算。")
    else:
        lines.append(
            f"符合受理条件，决定予以受理。承诺办结时间：{app.due_at:%Y年%m月%d日 %H:%M}。"
            if app.due_at
            else "符合受理条件，决定予以受理。"
        )
        if kind == "tolerant":
            missing = "、".join(app.promised_materials)
            lines.append(f"容缺材料：{missing}，请于 {app.promise_due} 前补齐，逾期终止办理。")
        if kind == "commitment":
            lines.append(f"申请人承诺：{app.commitment_text}。承诺不实的，将依法撤销审批决定。")
    lines += ["", f"{dept.name if dept else ''}", f"{now():%Y年%m月%d日}"]
    return lines


def _last_note(session: Session, app: Application) -> str:
    from smartgov.workflow import timeline

    notes = [e.note for e in timeline.entries(session, "svc_application", [app.id]) if e.note]
    return notes[-1] if notes else ""


def render(session: Session, app: Application) -> bytes:
    font = cjk_font()
    title, kind = notice_of(app)
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.add_font("cjk", fname=str(font))
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 18, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    for line in body(session, app, kind):
        pdf.multi_cell(0, 9, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
