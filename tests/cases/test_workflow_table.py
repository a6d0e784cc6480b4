"""The workflow table itself (cases/workflow.py): for every action, every state it may not start
from answers 409, every role it does not list answers 403, and every guard refuses with its
reason. The journeys through the service are in test_workflow.py."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.cases import workflow
from smartgov.cases.workflow import ACTIONS, Status, why_not
from smartgov.db import now

DEPT, GRID = 7, 42


def principal(
    *roles: Role, department_id: int | None = DEPT, areas: frozenset[int] = frozenset()
) -> Principal:
    return Principal(user=None, roles=frozenset(str(r) for r in roles), department_id=department_id,
                     area_ids=areas)


def case_in(status: Status, **fields: object) -> SimpleNamespace:
    """A case as the guards read it: in ``status``, dispatched to DEPT, in GRID, not supervised."""
    values = dict(status=str(status), lead_department_id=DEPT, grid_id=GRID, satisfaction="不满意",
                  due_at=now() + timedelta(days=1), is_supervised=False)
    return SimpleNamespace(**(values | fields))


def able(action: workflow.Action) -> Principal:
    """Someone the action's roles allow, in the case's department and grid (the duty chief, whom
    the grid scope does not bind, only when no other role may act)."""
    roles = sorted(action.roles, key=lambda r: (r == Role.DUTY_CHIEF, r))
    return principal(Role(roles[0]), areas=frozenset({GRID}))


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_allowed_from_each_of_its_states(name: str) -> None:
    action = ACTIONS[name]
    for status in action.sources:
        assert why_not(action, case_in(status), able(action)) is None, (name, status)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_refused_from_every_other_state_with_409(name: str) -> None:
    action = ACTIONS[name]
    for status in set(Status) - set(action.sources):
        refused = why_not(action, case_in(status), able(action))
        assert refused is not None and refused[0] == 409, (name, status)
        assert Status(status).label in refused[1] and action.label in refused[1]


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_action_refused_to_every_other_role_with_403(name: str) -> None:
    action = ACTIONS[name]
    source = sorted(action.sources)[0]
    for role in set(Role) - {Role(r) for r in action.roles}:
        refused = why_not(action, case_in(source), principal(role, areas=frozenset({GRID})))
        assert refused is not None and refused[0] == 403, (name, role)


GUARD_CASES = {
    # guard: (a case or principal that breaks it, the reason's words)
    workflow.in_grid_scope: (case_in(Status.REPORTED, grid_id=GRID + 1), "网格"),
    workflow.of_lead_department: (case_in(Status.HANDLING, lead_department_id=DEPT + 1), "本部门"),
    workflow.dissatisfied: (case_in(Status.CLOSED, satisfaction="满意"), "不满意"),
    workflow.not_overdue: (case_in(Status.HANDLING, due_at=now() - timedelta(minutes=1)), "时限"),
    workflow.not_supervised_already: (case_in(Status.HANDLING, is_supervised=True), "督办"),
}


def test_every_guard_is_listed_here() -> None:
    used = {guard for action in ACTIONS.values() for guard in action.guards}
    assert used == set(GUARD_CASES)


@pytest.mark.parametrize("name", sorted(n for n, a in ACTIONS.items() if a.guards))
def test_each_guard_refuses_with_its_reason(name: str) -> None:
    action = ACTIONS[name]
    for guard in action.guards:
        broken, words = GUARD_CASES[guard]
        broken = SimpleNamespace(**(vars(broken) | {"status": str(sorted(action.sources)[0])}))
        refused = why_not(action, broken, able(action))
        assert refused is not None and refused[0] == 403 and words in refused[1], (name, guard)


def test_grid_scope_binds_inspectors_not_duty_chiefs() -> None:
    elsewhere = case_in(Status.REPORTED, grid_id=GRID + 1)
    inspector = principal(Role.INSPECTOR, areas=frozenset({GRID}))
    chief = principal(Role.DUTY_CHIEF)
    assert workflow.in_grid_scope(elsewhere, inspector) is not None
    assert workflow.in_grid_scope(elsewhere, chief) is None


def test_a_handler_without_department_acts_on_nothing() -> None:
    handler = principal(Role.HANDLER, department_id=None)
    assert workflow.of_lead_department(case_in(Status.HANDLING), handler) is not None
