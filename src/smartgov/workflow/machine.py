"""A state machine written as data (流程定义): states, actions, roles, guards, stages and forms.

Pages and the API read what a person may do from here; the engine refuses anything else with
409 (wrong state) or 403 (wrong role or scope) and a Chinese message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from smartgov.errors import NotFound


class Subject(Protocol):
    """Anything a machine runs on: it has an id, a state and a version."""

    id: int
    status: str
    version: int


class Actor(Protocol):
    """Who acts: the auth principal (roles and scopes)."""

    def has_any(self, *roles: Any) -> bool: ...


Guard = Callable[[Any, Any], "str | None"]
Effect = Callable[..., None]


@dataclass(frozen=True)
class Field:
    """One input an action's form asks for (表单项); ``kind`` tells the page how to draw it."""

    name: str
    label: str
    kind: str = "text"  # text, choice, limit, number, category, department, departments, photo
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    default: str = ""
    placeholder: str = ""
    required: bool = False


@dataclass(frozen=True)
class Action:
    """One thing a person may do to a subject: from which states, by which roles, to which state."""

    name: str
    label: str
    sources: frozenset[str]
    roles: frozenset[str]
    target: str | None = None  # None: the effect decides, or the state does not change
    guards: tuple[Guard, ...] = ()
    needs_note: bool = False
    style: str = ""  # "danger" for destructive-looking buttons
    fields: tuple[Field, ...] = ()
    needs_request: str | None = None  # only while a request of this kind (or "*") waits


@dataclass
class Machine:
    """A workflow: states with labels, the timer stage each state runs, and the actions."""

    subject_type: str
    subject_label: str  # 案件, 办件 … as a person says it
    states: Mapping[str, str]  # state → label
    stages: Mapping[str, str | None]  # state → the timer stage that runs in it
    actions: dict[str, Action]
    stage_labels: Mapping[str, str] = field(default_factory=dict)
    step_labels: Mapping[str, str] = field(default_factory=dict)  # automatic steps on the timeline
    effects: Mapping[str, Effect] = field(default_factory=dict)

    def action(self, name: str) -> Action:
        """The action called ``name``, or 404 with a Chinese message."""
        try:
            return self.actions[name]
        except KeyError:
            raise NotFound(f"未知的操作: {name}", code="unknown_action") from None

    def bind_effects(self, effects: Mapping[str, Effect]) -> None:
        """Attach the domain's table of effects, one per action (the service owns them, the data
        names them); the table is kept, not copied."""
        missing = set(self.actions) - set(effects)
        if missing:
            raise ValueError(f"{self.subject_type}: actions without an effect: {sorted(missing)}")
        self.effects = effects

    def state_label(self, state: str) -> str:
        return self.states.get(state, state)

    def stage_of(self, state: str) -> str | None:
        """The timer stage that runs while a subject is in ``state`` (None: no timer)."""
        return self.stages.get(state)

    def why_not(self, action: Action, subject: Any, principal: Any) -> tuple[int, str] | None:
        """Why ``principal`` may not do ``action`` on ``subject`` now: (HTTP status, message), or None."""
        if subject.status not in action.sources:
            return 409, (
                f"{self.subject_label}当前状态为「{self.state_label(subject.status)}」，"
                f"不能执行「{action.label}」 (action '{action.name}' not allowed in state '{subject.status}')"
            )
        if not principal.has_any(*action.roles):
            return 403, f"您的角色不能执行「{action.label}」"
        for guard in action.guards:
            reason = guard(subject, principal)
            if reason:
                return 403, reason
        return None

    def allowed(
        self, subject: Any, principal: Any, *, waiting: Iterable[str] | None = None
    ) -> list[Action]:
        """The actions this person may take now (the buttons on the page); with ``waiting`` (kinds
        of requests awaiting a decision) an action that decides a request shows only then."""
        kinds = set(waiting) if waiting is not None else None
        return [
            a for a in self.actions.values()
            if self.why_not(a, subject, principal) is None
            and (kinds is None or a.needs_request is None
                 or (kinds and (a.needs_request == "*" or a.needs_request in kinds)))
        ]

    def step_label(self, name: str) -> str:
        """The label of a step on the timeline: an action's or an automatic step's."""
        if name in self.actions:
            return self.actions[name].label
        return self.step_labels.get(name, name)

    def labels(self) -> dict[str, str]:
        """Every step label, for the timeline (actions and automatic steps)."""
        return {**{n: a.label for n, a in self.actions.items()}, **self.step_labels}
