"""What the API and pages show of an application (masked personal data for lists)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smartgov.auth.masking import mask_id_number
from smartgov.auth.principal import Principal
from smartgov.org.models import Department
from smartgov.services import service
from smartgov.services.models import Applicant, Application, ServiceItem
from smartgov.services.workflow import ACCEPTANCE_KIND_LABELS, MACHINE, OPINION_LABELS, Status


def summary(session: Session, app: Application, principal: Principal) -> dict[str, Any]:
    item = session.get(ServiceItem, app.item_id)
    applicant = session.get(Applicant, app.applicant_id)
    dept = session.get(Department, app.lead_department_id)
    own = principal.is_public
    return {
        "id": app.id,
        "number": app.number,
        "item_id": item.id,
        "item_name": item.name,
        "item_version": item.version,
        "status": app.status,
        "status_label": Status(app.status).label,
        "applicant_name": applicant.name,
        "applicant_id_number": applicant.id_number if own else mask_id_number(applicant.id_number),
        "lead_department": dept.name if dept else "",
        "channel": app.channel,
        "acceptance_kind": app.acceptance_kind,
        "acceptance_label": ACCEPTANCE_KIND_LABELS.get(app.acceptance_kind or "", ""),
        "due_at": app.due_at,
        "statutory_due_at": app.statutory_due_at,
        "submitted_at": app.submitted_at,
        "warning_level": app.warning_level,
        "version": app.version,
    }


def detail(session: Session, app: Application, principal: Principal) -> dict[str, Any]:
    from smartgov.workflow import requests

    waiting = requests.pending(session, MACHINE.subject_type, app.id)
    names = {d.id: d.name for d in session.query(Department).all()}
    return summary(session, app, principal) | {
        "form_data": app.form_data,
        "materials": app.materials,
        "supplement_list": app.supplement_list,
        "promise_due": app.promise_due,
        "promised_materials": app.promised_materials,
        "decision": app.decision,
        "decision_note": app.decision_note,
        "opinions": [
            {
                "department": names.get(o.department_id, ""),
                "status": o.status,
                "status_label": OPINION_LABELS[o.status],
                "note": o.note,
                "limit_days": o.limit_days,
                "answered_at": o.answered_at,
            }
            for o in service.opinions(session, app)
        ],
        "actions": [
            {
                "name": a.name,
                "label": a.label,
                "fields": [f.name for f in a.fields],
                "needs_note": a.needs_note,
            }
            for a in MACHINE.allowed(app, principal, waiting=[waiting.kind] if waiting else [])
        ],
    }
