"""The seven-step case flow written as data (七步闭环): states, actions, roles and guards.

Pages and the API read the allowed actions from here; the service refuses anything else
with 409 (wrong state) or 403 (wrong role or scope). Nothing in views decides this.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from smartgov.auth.roles import Role
from smartgov.workflow.machine import Action, Field, Machine

if TYPE_CHECKING:
    from smartgov.auth.principal import Principal
    from smartgov.cases.models import Case


class Status(StrEnum):
    REPORTED = "reported"  # 待核实
    PENDING_FILE = "pending_file"  # 待立案
    VOID = "void"  # 已作废
    PENDING_DISPATCH = "pending_dispatch"  # 待派遣
    HANDLING = "handling"  # 待处置 / 处置中
    PARKED = "parked"  # 挂账
    PENDING_RECHECK = "pending_recheck"  # 待核查
    PENDING_CLOSE = "pending_close"  # 待结案
    PENDING_CALLBACK = "pending_callback"  # 待回访
    CLOSED = "closed"  # 已结案
    MERGED = "merged"  # 已并单

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (Status.VOID, Status.CLOSED, Status.MERGED)


STATUS_LABELS: dict[Status, str] = {
    Status.REPORTED: "待核实",
    Status.PENDING_FILE: "待立案",
    Status.VOID: "已作废",
    Status.PENDING_DISPATCH: "待派遣",
    Status.HANDLING: "处置中",
    Status.PARKED: "挂账",
    Status.PENDING_RECHECK: "待核查",
    Status.PENDING_CLOSE: "待结案",
    Status.PENDING_CALLBACK: "待回访",
    Status.CLOSED: "已结案",
    Status.MERGED: "已并单",
}

# Public status for citizens and Open311: open or closed, with a plain Chinese label.
PUBLIC_LABELS: dict[Status, str] = {
    Status.REPORTED: "已受理，待核实",
    Status.PENDING_FILE: "已受理，待立案",
    Status.VOID: "不予立案",
    Status.PENDING_DISPATCH: "已立案，待派遣",
    Status.HANDLING: "处理中",
    Status.PARKED: "暂缓处理",
    Status.PENDING_RECHECK: "已处理，待核查",
    Status.PENDING_CLOSE: "已处理，待结案",
    Status.PENDING_CALLBACK: "已办结，待回访",
    Status.CLOSED: "已办结",
    Status.MERGED: "已并入同一问题的案件",
}

OPEN_STATES = frozenset(s for s in Status if s.is_open)

STAGE_LABELS = {
    "verify": "核实",
    "file": "立案",
    "dispatch": "派遣",
    "handle": "处置",
    "recheck": "核查",
    "close": "结案",
    "callback": "回访",
}

def _states(*states: Status) -> frozenset[str]:
    return frozenset(str(s) for s in states)


def _roles(*roles: Role) -> frozenset[str]:
    return frozenset(str(r) for r in roles)


# --- guards: return None when allowed, else the reason in Chinese -----------------------------


def in_grid_scope(case: Case, principal: Principal) -> str | None:
    """An inspector acts only in the grids they patrol (责任网格); other roles pass."""
    if not principal.has_any(Role.INSPECTOR) or principal.has_any(Role.DUTY_CHIEF):
        return None
    return None if principal.in_area(case.grid_id) else "该案件不在您负责的网格内"


def of_lead_department(case: Case, principal: Principal) -> str | None:
    """Only the lead department (主办单位) handles, reports back and asks for exceptions; a street
    office sees every case of its street (属地) but acts only on those dispatched to it."""
    if principal.department_id is None or principal.department_id != case.lead_department_id:
        return "该案件不是派给本部门的"
    return None


def dissatisfied(case: Case, principal: Principal) -> str | None:
    if case.satisfaction != DISSATISFIED:
        return "只有回访不满意的案件可以重办"
    return None


def not_overdue(case: Case, principal: Principal) -> str | None:
    """An extension must be asked before the deadline (延期须在时限内申请)."""
    from smartgov.db import now

    if case.due_at is not None and case.due_at <= now():
        return "已超过处置时限，不能再申请延期"
    return None


def not_supervised_already(case: Case, principal: Principal) -> str | None:
    if case.is_supervised:
        return "该案件已在督办中"
    return None


SATISFACTION_LEVELS = ("满意", "基本满意", "不满意")
DISSATISFIED = "不满意"

# 群众评价: the states in which the reporter may confirm the fix and rate it, and the state each
# moves to — the reporter's own rating answers the 12345 callback (回访), so 待回访 ends.
CITIZEN_FEEDBACK_MOVES: dict[Status, Status] = {
    Status.PENDING_CALLBACK: Status.CLOSED,
    Status.CLOSED: Status.CLOSED,
}
AFTER_PHOTO = Field("photo", "现场照片（可选）", "photo", default="after")

OPEN_WORK = _states(
    Status.REPORTED,
    Status.PENDING_FILE,
    Status.PENDING_DISPATCH,
    Status.HANDLING,
    Status.PARKED,
    Status.PENDING_RECHECK,
    Status.PENDING_CLOSE,
)
CHIEFS = (Role.DUTY_CHIEF,)
DISPATCHERS = (Role.DISPATCHER, Role.DUTY_CHIEF)

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action(
            "verify",
            "核实属实",
            _states(Status.REPORTED),
            _roles(Role.INSPECTOR, *CHIEFS),
            Status.PENDING_FILE,
            (in_grid_scope,),
        ),
        Action(
            "verify_false",
            "核实不属实",
            _states(Status.REPORTED),
            _roles(Role.INSPECTOR, *CHIEFS),
            Status.VOID,
            (in_grid_scope,),
            needs_note=True,
            style="danger",
        ),
        Action(
            "file",
            "立案",
            _states(Status.PENDING_FILE, Status.REPORTED),
            _roles(*CHIEFS),
            Status.PENDING_DISPATCH,
            fields=(Field("category_code", "案件类别", "category"),),
        ),
        Action(
            "void",
            "作废",
            _states(Status.PENDING_FILE, Status.REPORTED),
            _roles(*CHIEFS),
            Status.VOID,
            needs_note=True,
            style="danger",
        ),
        Action(
            "dispatch",
            "派遣",
            _states(Status.PENDING_DISPATCH),
            _roles(*DISPATCHERS),
            Status.HANDLING,
            fields=(
                Field("department_code", "主办部门", "department", required=True),
                Field("helper_codes", "协办部门（可多选）", "departments"),
            ),
        ),
        Action(
            "report_back",
            "处置反馈",
            _states(Status.HANDLING),
            _roles(Role.HANDLER),
            None,
            (of_lead_department,),
            needs_note=True,
            fields=(AFTER_PHOTO,),
        ),
        Action(
            "request_return",
            "申请回退",
            _states(Status.HANDLING),
            _roles(Role.HANDLER),
            None,
            (of_lead_department,),
            needs_note=True,
        ),
        Action(
            "request_extension",
            "申请延期",
            _states(Status.HANDLING),
            _roles(Role.HANDLER),
            None,
            (of_lead_department, not_overdue),
            needs_note=True,
            fields=(Field("extension", "延期时长", "limit", default="2wd",
                          placeholder="例如 2wd（2个工作日）、4wh（4个工作小时）", required=True),),
        ),
        Action(
            "request_park",
            "申请挂账",
            _states(Status.HANDLING),
            _roles(Role.HANDLER),
            None,
            (of_lead_department,),
            needs_note=True,
        ),
        Action(
            "object",
            "派单异议",
            _states(Status.HANDLING),
            _roles(Role.HANDLER),
            None,
            (of_lead_department,),
            needs_note=True,
        ),
        Action(
            "decide_exception",
            "审核申请",
            _states(Status.HANDLING, Status.PARKED),
            _roles(*DISPATCHERS),
            None,
            fields=(Field("approve", "审核意见", "choice", choices=(("yes", "同意"), ("no", "不同意"))),),
            needs_request="*",
        ),
        Action("unpark", "恢复处置", _states(Status.PARKED), _roles(*DISPATCHERS), Status.HANDLING),
        Action(
            "recheck_pass",
            "核查通过",
            _states(Status.PENDING_RECHECK),
            _roles(Role.INSPECTOR, *CHIEFS),
            Status.PENDING_CLOSE,
            (in_grid_scope,),
            fields=(AFTER_PHOTO,),
        ),
        Action(
            "recheck_fail",
            "核查不通过(返工)",
            _states(Status.PENDING_RECHECK),
            _roles(Role.INSPECTOR, *CHIEFS),
            Status.HANDLING,
            (in_grid_scope,),
            needs_note=True,
            style="danger",
            fields=(AFTER_PHOTO,),
        ),
        Action("close", "结案", _states(Status.PENDING_CLOSE), _roles(*CHIEFS), None),
        Action(
            "callback",
            "回访",
            _states(Status.PENDING_CALLBACK),
            _roles(Role.HOTLINE_OPERATOR, *CHIEFS),
            Status.CLOSED,
            fields=(Field("satisfaction", "回访结果", "choice",
                          choices=tuple((x, x) for x in SATISFACTION_LEVELS), required=True),),
        ),
        Action(
            "reopen",
            "重办",
            _states(Status.CLOSED),
            _roles(Role.DUTY_CHIEF, Role.SUPERVISOR),
            Status.HANDLING,
            (dissatisfied,),
            needs_note=True,
        ),
        Action(
            "supervise",
            "督办",
            OPEN_WORK,
            _roles(Role.SUPERVISOR),
            None,
            (not_supervised_already,),
            needs_note=True,
        ),
        Action("remind", "催办", OPEN_WORK, _roles(Role.SUPERVISOR), None, needs_note=True),
        Action(
            "merge",
            "并单",
            _states(Status.REPORTED, Status.PENDING_FILE, Status.PENDING_DISPATCH),
            _roles(Role.DUTY_CHIEF, Role.DISPATCHER, Role.HOTLINE_OPERATOR),
            Status.MERGED,
            fields=(Field("master_case_no", "并入主案件编号", "case_no", required=True,
                          placeholder="填写主案件的案件编号，或点选下方疑似重复案件"),),
        ),
    )
}


# Which timer stage runs in each state (挂账 keeps the handling timer, paused).
STAGES: dict[str, str | None] = {
    Status.REPORTED: "verify",
    Status.PENDING_FILE: "file",
    Status.PENDING_DISPATCH: "dispatch",
    Status.HANDLING: "handle",
    Status.PARKED: "handle",
    Status.PENDING_RECHECK: "recheck",
    Status.PENDING_CLOSE: "close",
    Status.PENDING_CALLBACK: "callback",
}

CASE_FLOW = Machine(
    subject_type="case",
    subject_label="案件",
    states={str(k): v for k, v in STATUS_LABELS.items()},
    stages={str(k): v for k, v in STAGES.items()},
    actions=ACTIONS,
    stage_labels=STAGE_LABELS,
    step_labels={
        "collect": "受理登记",
        "auto_file": "自动立案",
        "auto_dispatch": "自动派遣",
        "self_handle": "自行处置",
        "answer_close": "直接答复办结",
        "merged_in": "并入案件",
        "withdraw_exception": "撤回申请",
        "attach": "上传照片",
        "citizen_feedback": "群众评价",
        "sensor_update": "感知告警更新",  # 物联感知: a repeated trigger or a clearing of the alarm
    },
)


def action(name: str) -> Action:
    """The case action called ``name`` (404 when there is none)."""
    return CASE_FLOW.action(name)


def why_not(act: Action, case: Case, principal: Principal) -> tuple[int, str] | None:
    """Why ``principal`` may not do ``act`` on ``case`` now: (HTTP status, message), or None."""
    return CASE_FLOW.why_not(act, case, principal)


def allowed_actions(case: Case, principal: Principal) -> list[Action]:
    """The actions this person may take on this case now (the buttons on the case page)."""
    return CASE_FLOW.allowed(case, principal)


# Labels of every step recorded in a case's timeline (actions and automatic steps).
ACTION_LABELS: dict[str, str] = CASE_FLOW.labels()
