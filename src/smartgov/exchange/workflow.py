"""The flow of a sharing request (共享申请流程) as data: 待答复 → 已同意 / 已拒绝 / 已撤回."""

from __future__ import annotations

from typing import Any

from smartgov.auth.roles import Role
from smartgov.workflow.machine import Action, Field, Machine

SUBJECT = "exchange_request"
PENDING, APPROVED, REFUSED, WITHDRAWN = "pending", "approved", "refused", "withdrawn"
STATUS_LABELS = {PENDING: "待答复", APPROVED: "已同意", REFUSED: "已拒绝", WITHDRAWN: "已撤回"}
SHARE_TYPES = {"unconditional": "无条件共享", "conditional": "有条件共享", "none": "不予共享"}
OPEN_TYPES = ("无条件开放", "有条件开放", "不予开放")
# Staff of the provider department answer; staff of the consumer department ask and withdraw.
DEPARTMENT_STAFF = frozenset({str(Role.HANDLER), str(Role.APPROVER), str(Role.WINDOW_CLERK)})


def _provider_only(subject: Any, principal: Any) -> str | None:
    if principal.department_id != subject.resource.provider_department_id:
        return "只有资源提供部门可以答复此申请"
    return None


def _consumer_only(subject: Any, principal: Any) -> str | None:
    if principal.department_id != subject.consumer_department_id:
        return "只有申请部门可以撤回此申请"
    return None


ACTIONS = {
    "approve": Action(
        "approve", "同意共享", frozenset({PENDING}), DEPARTMENT_STAFF, APPROVED, guards=(_provider_only,)
    ),
    "refuse": Action(
        "refuse",
        "不予共享",
        frozenset({PENDING}),
        DEPARTMENT_STAFF,
        REFUSED,
        guards=(_provider_only,),
        needs_note=True,
        style="danger",
        fields=(Field("note", "拒绝理由", required=True),),
    ),
    "withdraw": Action(
        "withdraw", "撤回申请", frozenset({PENDING}), DEPARTMENT_STAFF, WITHDRAWN, guards=(_consumer_only,)
    ),
}

REQUEST_FLOW = Machine(
    subject_type=SUBJECT,
    subject_label="共享申请",
    states=STATUS_LABELS,
    stages={PENDING: "answer"},
    actions=ACTIONS,
    stage_labels={"answer": "提供部门答复"},
    step_labels={"submit": "提交申请", "auto_grant": "无条件共享，自动授权"},
)
