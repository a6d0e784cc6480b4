"""The flow of an application written as data (办件流程): 受理 → 审查 (并联) → 决定 → 办结.

Pages and the API read the allowed actions from here; the engine refuses anything else with
409 (wrong state) or 403 (wrong role, department or guard). The effects live in ``service``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import object_session

from smartgov.auth.roles import Role
from smartgov.workflow.machine import Action, Field, Machine

if TYPE_CHECKING:
    from smartgov.auth.principal import Principal
    from smartgov.services.models import Application


class Status(StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 待受理
    SUPPLEMENT = "supplement"  # 待补正
    REFUSED = "refused"  # 不予受理
    REVIEWING = "reviewing"  # 审查中
    SPECIAL = "special"  # 特别程序
    DECIDING = "deciding"  # 待决定
    SIGNING = "signing"  # 待复核 (两级审签)
    ISSUING = "issuing"  # 待制证
    COMPLETED = "completed"  # 已办结
    DISAPPROVED = "disapproved"  # 不予许可
    TERMINATED = "terminated"  # 已终止
    REVOKED = "revoked"  # 已撤销

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.DRAFT: "草稿",
    Status.SUBMITTED: "待受理",
    Status.SUPPLEMENT: "待补正",
    Status.REFUSED: "不予受理",
    Status.REVIEWING: "审查中",
    Status.SPECIAL: "特别程序",
    Status.DECIDING: "待决定",
    Status.SIGNING: "待复核",
    Status.ISSUING: "待制证",
    Status.COMPLETED: "已办结",
    Status.DISAPPROVED: "不予许可",
    Status.TERMINATED: "已终止",
    Status.REVOKED: "已撤销",
}
FINAL_STATES = frozenset(
    {Status.REFUSED, Status.COMPLETED, Status.DISAPPROVED, Status.TERMINATED, Status.REVOKED}
)
RESULT_STATES = frozenset({Status.COMPLETED, Status.DISAPPROVED})  # 有办理结果, may be rated
ACCEPTED_STATES = frozenset(
    {Status.REVIEWING, Status.SPECIAL, Status.DECIDING, Status.SIGNING, Status.ISSUING}
)
OPEN_STATES = frozenset(set(Status) - FINAL_STATES - {Status.DRAFT})

STAGE_LABELS = {
    "accept": "受理时限",
    "promise": "承诺时限",
    "statute": "法定时限",
    "review": "并联审查时限",
    "special": "特别程序时限",
}
ACCEPTANCE_KIND_LABELS = {
    "normal": "受理",
    "tolerant": "容缺受理",
    "commitment": "告知承诺受理",
    "deemed": "逾期视为受理",
}
OPINION_LABELS = {"pending": "待审查", "agree": "同意", "disagree": "不同意", "deemed": "逾期视为同意"}
ACCEPT_LIMIT = "5wd"  # 法定受理期限: 5 working days, or the application counts as accepted


def _s(*states: Status) -> frozenset[str]:
    return frozenset(str(s) for s in states)


def _r(*roles: Role) -> frozenset[str]:
    return frozenset(str(r) for r in roles)


APPLICANT = _r(Role.CITIZEN, Role.ENTERPRISE)
CLERK = _r(Role.WINDOW_CLERK)
APPROVER = _r(Role.APPROVER)

# --- guards: None when allowed, else the reason in Chinese ----------------------------------


def own_or_clerk(app: Application, principal: Principal) -> str | None:
    """An applicant acts on their own application; a window clerk on anyone's (代办)."""
    if principal.has_any(Role.WINDOW_CLERK):
        return None
    from smartgov.services.models import Applicant

    applicant = object_session(app).get(Applicant, app.applicant_id)
    if applicant is None or not principal.owns(applicant.user_id):
        return "这不是您的办件"
    return None


def of_lead(app: Application, principal: Principal) -> str | None:
    """Only the lead department's approvers (牵头部门) review, decide and issue."""
    if principal.department_id is None or principal.department_id != app.lead_department_id:
        return "该办件不由本部门牵头办理"
    return None


def has_pending_opinion(app: Application, principal: Principal) -> str | None:
    """A co-department answers once, while its opinion is awaited (并联待办)."""
    from smartgov.services.models import Opinion

    found = object_session(app).scalar(
        select(Opinion.id).where(
            Opinion.application_id == app.id,
            Opinion.status == "pending",
            Opinion.department_id == principal.department_id,
        )
    )
    return None if found else "本部门没有待提出的并联审查意见"


def opinions_in(app: Application, principal: Principal) -> str | None:
    """The lead assembles the opinions once every co-department has answered (汇总意见)."""
    from smartgov.services.models import Opinion

    waiting = object_session(app).scalar(
        select(Opinion.id).where(Opinion.application_id == app.id, Opinion.status == "pending").limit(1)
    )
    return "仍有联办部门未提出审查意见" if waiting else None


def supplement_asker(app: Application, principal: Principal) -> str | None:
    """Before acceptance the window asks for 补正; during review the lead or a co-department."""
    if app.status == Status.SUBMITTED:
        return None if principal.has_any(Role.WINDOW_CLERK) else "受理前的补正由窗口一次性告知"
    if not principal.has_any(Role.APPROVER):
        return "审查中的补正由审批人员提出"
    if of_lead(app, principal) is None or has_pending_opinion(app, principal) is None:
        return None
    return "该办件不由本部门办理"


def good_credit(app: Application, principal: Principal) -> str | None:
    """容缺受理 is not offered to applicants flagged with bad credit (失信)."""
    from smartgov.services.models import Applicant

    applicant = object_session(app).get(Applicant, app.applicant_id)
    return "申请人有失信记录，不能容缺受理" if applicant is not None and applicant.bad_credit else None


def other_signer(app: Application, principal: Principal) -> str | None:
    """The second sign-off is by another person than the first (两级审签)."""
    return "复核须由另一名审批人员进行" if app.decided_by_id == principal.user_id else None


def promise_broken(app: Application, principal: Principal) -> str | None:
    """容缺 ends the application only when the promised materials did not come by the date."""
    from smartgov.db import now

    if app.acceptance_kind != "tolerant" or not app.promised_materials:
        return "该办件没有未兑现的容缺承诺"
    if app.promise_due is None or app.promise_due >= now().date():
        return "容缺承诺期限未到"
    return None


def promise_open(app: Application, principal: Principal) -> str | None:
    if app.acceptance_kind != "tolerant" or not app.promised_materials:
        return "该办件没有待补交的容缺材料"
    return None


def by_commitment(app: Application, principal: Principal) -> str | None:
    """Only a decision made on a promise (告知承诺) is revoked for a false promise."""
    return None if app.acceptance_kind == "commitment" else "只有告知承诺办理的办件可以撤销"


def extension_asked(app: Application, principal: Principal) -> str | None:
    """An extension is decided only while one was asked for (延期审批)."""
    from smartgov.workflow import requests

    request = requests.pending(object_session(app), "svc_application", app.id)
    return None if request is not None and request.kind == "extend" else "没有待审批的延期申请"


def may_extend(app: Application, principal: Principal) -> str | None:
    return "该办件已延期过一次" if app.extended else None


VERDICTS = (("agree", "同意"), ("disagree", "不同意"))
DECISIONS = (("approve", "准予许可"), ("refuse", "不予许可"))
YES_NO = (("yes", "同意"), ("no", "不同意"))
_TOLERANT_FIELDS = (
    Field("promise_due", "承诺补齐日期", kind="date", required=True),
    Field("materials", "容缺材料（编码，逗号分隔）", required=True),
)

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("submit", "提交申请", _s(Status.DRAFT), APPLICANT | CLERK, Status.SUBMITTED, (own_or_clerk,)),
        Action("accept", "受理", _s(Status.SUBMITTED), CLERK, Status.REVIEWING),
        Action(
            "accept_tolerant",
            "容缺受理",
            _s(Status.SUBMITTED),
            CLERK,
            Status.REVIEWING,
            (good_credit,),
            fields=_TOLERANT_FIELDS,
        ),
        Action(
            "accept_commitment",
            "告知承诺受理",
            _s(Status.SUBMITTED),
            CLERK,
            Status.REVIEWING,
            fields=(Field("commitment", "承诺书内容", required=True),),
        ),
        Action(
            "refuse_acceptance",
            "不予受理",
            _s(Status.SUBMITTED),
            CLERK,
            Status.REFUSED,
            needs_note=True,
            style="danger",
        ),
        Action(
            "request_supplement",
            "一次性告知补正",
            _s(Status.SUBMITTED, Status.REVIEWING),
            CLERK | APPROVER,
            Status.SUPPLEMENT,
            (supplement_asker,),
            needs_note=True,
            fields=(Field("materials", "需补正的材料（编码，逗号分隔）", required=True),),
        ),
        Action("supply", "提交补正材料", _s(Status.SUPPLEMENT), APPLICANT | CLERK, None, (own_or_clerk,)),
        Action(
            "opinion",
            "提出并联审查意见",
            _s(Status.REVIEWING),
            APPROVER,
            None,
            (has_pending_opinion,),
            fields=(Field("verdict", "意见", kind="choice", choices=VERDICTS, required=True),),
        ),
        Action(
            "start_special",
            "启动特别程序",
            _s(Status.REVIEWING),
            APPROVER,
            Status.SPECIAL,
            (of_lead,),
            needs_note=True,
            fields=(Field("kind", "程序", kind="choice", required=True),),
        ),
        Action("end_special", "结束特别程序", _s(Status.SPECIAL), APPROVER, Status.REVIEWING, (of_lead,)),
        Action("review", "审查完毕", _s(Status.REVIEWING), APPROVER, Status.DECIDING, (of_lead, opinions_in)),
        Action(
            "decide",
            "作出决定",
            _s(Status.DECIDING),
            APPROVER,
            None,
            (of_lead,),
            fields=(Field("decision", "决定", kind="choice", choices=DECISIONS, required=True),),
        ),
        Action(
            "sign_off",
            "复核签发",
            _s(Status.SIGNING),
            APPROVER,
            None,
            (of_lead, other_signer),
            fields=(Field("decision", "复核意见", kind="choice", choices=YES_NO, required=True),),
        ),
        Action("issue", "制证送达", _s(Status.ISSUING), APPROVER | CLERK, Status.COMPLETED),
        Action(
            "supply_promised",
            "补交容缺材料",
            _s(*ACCEPTED_STATES),
            APPLICANT | CLERK,
            None,
            (own_or_clerk, promise_open),
        ),
        Action(
            "terminate",
            "终止办理（容缺承诺未兑现）",
            _s(*ACCEPTED_STATES),
            CLERK,
            Status.TERMINATED,
            (promise_broken,),
            style="danger",
        ),
        Action(
            "revoke",
            "撤销决定（承诺不实）",
            _s(Status.COMPLETED),
            APPROVER,
            Status.REVOKED,
            (of_lead, by_commitment),
            needs_note=True,
            style="danger",
        ),
        Action(
            "request_extension",
            "申请延期",
            _s(Status.REVIEWING, Status.SPECIAL, Status.DECIDING),
            APPROVER,
            None,
            (of_lead, may_extend),
            needs_note=True,
        ),
        Action(
            "decide_extension",
            "审批延期",
            _s(Status.REVIEWING, Status.SPECIAL, Status.DECIDING),
            _r(Role.LEADER, Role.SUPERVISOR),
            None,
            (extension_asked,),
            needs_request="extend",
            fields=(Field("decision", "审批意见", kind="choice", choices=YES_NO, required=True),),
        ),
        Action("supervise", "督办", _s(*OPEN_STATES), _r(Role.SUPERVISOR), None, needs_note=True),
    )
}

MACHINE = Machine(
    subject_type="svc_application",
    subject_label="办件",
    states={str(s): s.label for s in Status},
    stages={},  # the service runs several timers per application itself (并联)
    actions=ACTIONS,
    stage_labels=STAGE_LABELS,
    step_labels={
        "deemed_accepted": "逾期视为受理",
        "deemed_consent": "逾期视为同意",
        "create": "创建申请",
        "certificate": "证照签发",
        "paid": "缴费到账",
    },
)
