"""绩效评价 (performance evaluation) of 一网统管: formulas, settings and grouped queries.

The module has three layers, so each can be checked on its own:

1. **Pure formulas**: one ``*_figures`` function per subject turns plain counts into rates and
   score parts with ``smartgov.scoring`` (``rate``, ``band_score``, ``weighted_score``,
   ``grade_of``, re-exported here). They never touch the database and are easy to verify by hand.
2. **Settings** (``KpiConfig``, a ``scoring.ScoreConfig``): weights, volume bands, grade lines and
   whether parked cases (挂账/缓办) leave the 按期 denominator — stored in one ``kpi_setting`` row,
   defaults in code.
3. **Counts** (``*_counts`` functions): a few ``GROUP BY`` queries per subject over
   ``case_record`` (filtered by the indexed ``reported_at``), ``case_clock`` and ``case_event``;
   no case is ever loaded into Python.

Definitions shared by every subject (DOMAIN §2.3–2.4 made precise on the recorded data):

- **Period (考核期)**: the cases *reported* (受理) in ``[start, end)``. Every figure of a period is
  about that cohort of cases, whatever happened to them later.
- **立案 (filed)**: a case that entered disposal — its status is one of ``FILED_STATES``
  (待派遣 … 已结案), which also counts inspector self-handled (自行处置) reports and hotline
  questions answered at once (直接答复): both are filed and closed in one step.
- **应结案数 (should be closed)**: the filed cases. **结案数**: those closed (待回访 or 已结案).
- **按期 (on time)** of a stage: its clock (``case_clock``) stopped with ``on_time`` true. A stage
  still open after its due time (and not paused by 挂账) counts as late; an open stage that is
  not yet due is not counted at all (it is neither on time nor late yet).
- **按期结案 / 按期处置**: a closed (region) or reported-back (department) case none of whose
  handling clocks (处置环节, including every rework round) ran late.
- **返工数**: filed cases with at least one failed re-check (``rework_count`` > 0), so the
  返工率 never exceeds 100 %.
- **Who did a stage**: the person whose case event was recorded at the very moment the stage's
  clock stopped (the service writes both with one timestamp). Stages still open are attributed
  to nobody; they show in the department and region figures.
- **A rate with an empty denominator** is ``None`` (shown "—"); its component is left out of the
  score and the remaining weights are scaled up to 100 %. No component at all: no score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, and_, case, delete, exists, false, func, insert, or_, select, true
from sqlalchemy.orm import Session

from smartgov.auth.models import User, UserArea, UserRole
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.cases import schemas
from smartgov.cases.kpi.models import KpiDailyCount, KpiRollupDay, KpiRollupMark, KpiSetting
from smartgov.cases.models import Case
from smartgov.cases.workflow import Status
from smartgov.config import get_settings
from smartgov.db import is_subject, now
from smartgov.errors import Forbidden, ValidationFailed
from smartgov.org.models import Area, Department
from smartgov.scoring import ScoreConfig, Weights, band_score, inverse, pct, rate
from smartgov.scoring import grade_of as grade_of
from smartgov.scoring import parse_bands as parse_bands
from smartgov.scoring import parse_grades as parse_grades
from smartgov.scoring import weighted_score as weighted_score
from smartgov.web.exports import csv_text, xlsx_bytes
from smartgov.workclock.models import WorkTimer
from smartgov.workclock.service import day_bound
from smartgov.workflow.models import PendingRequest, TimelineEvent

# --- status groups -----------------------------------------------------------------------------

FILED_STATES = tuple(str(s) for s in (
    Status.PENDING_DISPATCH, Status.HANDLING, Status.PARKED, Status.PENDING_RECHECK,
    Status.PENDING_CLOSE, Status.PENDING_CALLBACK, Status.CLOSED))
HANDLED_STATES = tuple(str(s) for s in (
    Status.PENDING_RECHECK, Status.PENDING_CLOSE, Status.PENDING_CALLBACK, Status.CLOSED))
CLOSED_STATES = (str(Status.PENDING_CALLBACK), str(Status.CLOSED))
UNDECIDED_STATES = (str(Status.REPORTED), str(Status.PENDING_FILE))
# Public channels: a problem they bring in from an inspector's grid is a 漏报 of that inspector,
# and the orders they bring in are the 12345 work orders (诉求工单) of the 三率.
PUBLIC_SOURCES = tuple(sorted(str(s) for s in schemas.PUBLIC_SOURCES))  # 群众诉求 channels (12345 三率)
# What a department does on an order that counts as its response (响应).
RESPONSE_ACTIONS = ("report_back", "request_return", "request_extension", "request_park", "object")
SATISFIED = ("满意", "基本满意")
KPI_SETTING_KEY = "default"


# --- subjects ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a KPI table: a count (件), a rate (0–1, shown as %) or a score."""

    key: str
    label: str
    kind: str  # count | rate


@dataclass(frozen=True)
class Subject:
    """A thing that is evaluated (考核对象): its counts, rates and the weighted components."""

    key: str
    label: str
    unit: str  # the name column's header
    counts: tuple[Column, ...]
    rates: tuple[Column, ...]
    components: tuple[tuple[str, str], ...]  # (key, label) of the weighted parts of the score
    has_total: bool = False


def _of_case(model: Any, case_id: Any) -> Any:
    """A timeline, timer or request row of the case ``case_id`` (a value or a column)."""
    return is_subject(model, "case", case_id)


def _c(key: str, label: str) -> Column:
    return Column(key, label, "count")


def _r(key: str, label: str) -> Column:
    return Column(key, label, "rate")


_REGION_COUNTS = (_c("reported", "上报数"), _c("due", "应结案数"), _c("closed", "结案数"),
                  _c("on_time", "按期结案数"), _c("parked", "缓办数"), _c("rework", "返工数"))
_REGION_RATES = (_r("close_rate", "结案率"), _r("on_time_rate", "按期结案率"),
                 _r("rework_rate", "返工率"))
_REGION_COMPONENTS = (("close", "结案率"), ("on_time", "按期结案率"), ("no_rework", "1 − 返工率"))

SUBJECTS: dict[str, Subject] = {s.key: s for s in (
    Subject("department", "部门", "部门",
            (_c("filed", "立案数"), _c("due", "应结案数"), _c("closed", "结案数"),
             _c("on_time", "按期处置数"), _c("parked", "挂账数"), _c("rework", "返工数")),
            (_r("close_rate", "结案率"), _r("on_time_rate", "按期处置率"),
             _r("rework_rate", "返工率")),
            (("volume", "立案数分值"), ("close", "结案率"), ("on_time", "按期处置率"),
             ("no_rework", "1 − 返工率")), has_total=True),
    Subject("inspector", "监督员", "监督员",
            (_c("reports", "上报数"), _c("decided", "已判定数"), _c("valid", "有效上报数"),
             _c("grid_filed", "责任网格立案数"), _c("missed", "漏报数"),
             _c("verify_due", "应核实数"), _c("verify_on_time", "按时核实数"),
             _c("recheck_due", "应核查数"), _c("recheck_on_time", "按时核查数")),
            (_r("valid_rate", "有效上报率"), _r("missed_rate", "漏报率"),
             _r("verify_rate", "按时核实率"), _r("recheck_rate", "按时核查率")),
            (("valid", "有效上报率"), ("no_missed", "1 − 漏报率"), ("verify", "按时核实率"),
             ("recheck", "按时核查率"))),
    Subject("operator", "话务员", "话务员",
            (_c("accepted", "受理数"), _c("verify_due", "应派发核实数"),
             _c("verify_on_time", "核实按时派发数"), _c("callback_due", "回访核查数"),
             _c("callback_on_time", "按时回访核查数")),
            (_r("verify_dispatch_rate", "核实按时派发率"),
             _r("recheck_dispatch_rate", "核查按时派发率")),
            (("volume", "受理数分值"), ("verify_dispatch", "核实按时派发率"),
             ("recheck_dispatch", "核查按时派发率"))),
    Subject("duty_chief", "值班长", "值班长",
            (_c("file_due", "立案判定数"), _c("file_on_time", "按时立案数"),
             _c("filed", "立案数"), _c("accurate", "准确立案数"),
             _c("close_due", "结案数"), _c("close_on_time", "按时结案数")),
            (_r("file_rate", "按时立案率"), _r("accurate_rate", "准确立案率"),
             _r("close_rate", "按时结案率")),
            (("file_on_time", "按时立案率"), ("accurate", "准确立案率"),
             ("close_on_time", "按时结案率"))),
    Subject("dispatcher", "派遣员", "派遣员",
            (_c("dispatched", "派遣数"), _c("dispatch_on_time", "按时派遣数"),
             _c("returned", "回退数")),
            (_r("on_time_rate", "按时派遣率"), _r("accurate_rate", "准确派遣率")),
            (("volume", "派遣数分值"), ("on_time", "按时派遣率"), ("accurate", "准确派遣率"))),
    Subject("street", "街道", "街道", _REGION_COUNTS, _REGION_RATES, _REGION_COMPONENTS,
            has_total=True),
    Subject("grid", "网格", "网格", _REGION_COUNTS, _REGION_RATES, _REGION_COMPONENTS,
            has_total=True),
    Subject("hotline", "12345三率", "承办单位",
            (_c("orders", "派单数"), _c("responded", "按时响应数"), _c("resolved", "解决数"),
             _c("rated", "回访数"), _c("satisfied", "满意数")),
            (_r("response_rate", "响应率"), _r("resolution_rate", "解决率"),
             _r("satisfaction_rate", "满意率")),
            (("response", "响应率"), ("resolution", "解决率"), ("satisfaction", "满意率")),
            has_total=True),
)}


def subject(key: str) -> Subject:
    try:
        return SUBJECTS[key]
    except KeyError:
        known = "、".join(f"{s.key}（{s.label}）" for s in SUBJECTS.values())
        raise ValidationFailed(f"未知的考核对象：{key}；可选 {known}",
                               code="unknown_subject") from None


# --- settings ----------------------------------------------------------------------------------

DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "department": {"volume": 10, "close": 30, "on_time": 30, "no_rework": 30},
    "inspector": {"valid": 40, "no_missed": 20, "verify": 20, "recheck": 20},
    "operator": {"volume": 25, "verify_dispatch": 40, "recheck_dispatch": 35},
    "duty_chief": {"file_on_time": 25, "accurate": 40, "close_on_time": 35},
    "dispatcher": {"volume": 20, "on_time": 40, "accurate": 40},
    # No published weighting for regions: the project's default, change it on /kpi/config.
    "street": {"close": 35, "on_time": 35, "no_rework": 30},
    "grid": {"close": 35, "on_time": 35, "no_rework": 30},
    "hotline": {"response": 30, "resolution": 35, "satisfaction": 35},
}


@dataclass(frozen=True)
class KpiConfig(ScoreConfig):
    """Weights (percent per component), volume bands, grade lines and the parked-case option."""

    default_weights: ClassVar[Weights] = DEFAULT_WEIGHTS
    labels: ClassVar[Mapping[str, str]] = {s.key: s.label for s in SUBJECTS.values()}

    weights: Weights = field(default_factory=lambda: DEFAULT_WEIGHTS)
    exclude_parked: bool = False  # 按期结案率 = 按期结案数 / (应结案数 − 缓办数)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "exclude_parked": self.exclude_parked}

    @classmethod
    def fields_from(cls, data: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().fields_from(data), "exclude_parked": bool(data.get("exclude_parked", False))}


def load_config(session: Session) -> KpiConfig:
    """The stored settings, or the defaults when nobody changed them."""
    row = session.get(KpiSetting, KPI_SETTING_KEY)
    return KpiConfig.from_dict(row.data if row else None)


def save_config(session: Session, config: KpiConfig, *, actor: User | None) -> None:
    """Store the settings (checked first); the caller commits with its audit line."""
    config.validate()
    row = session.get(KpiSetting, KPI_SETTING_KEY)
    if row is None:
        row = KpiSetting(key=KPI_SETTING_KEY, data={})
        session.add(row)
    row.data = config.to_dict()
    row.updated_at = now()
    row.updated_by_id = actor.id if actor else None


# --- pure formulas -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """Rates (0–1) and score parts (0–100) of one row, from its counts."""

    rates: dict[str, float | None]
    components: dict[str, float | None]


def _on_time_denominator(due: int, parked: int, config: KpiConfig) -> int:
    return due - parked if config.exclude_parked else due


def department_figures(c: Mapping[str, int], config: KpiConfig) -> Figures:
    """部门: 立案数分值×10% + 结案率×30% + 按期处置率×30% + (1 − 返工率)×30%.

    结案率 = 结案数 / 应结案数; 按期处置率 = 按期处置数 / 应结案数 (− 挂账数 when configured);
    返工率 = 返工数 / 应结案数. 立案数 = cases dispatched to the department (its 应结案数).
    """
    close = rate(c["closed"], c["due"])
    on_time = rate(c["on_time"], _on_time_denominator(c["due"], c["parked"], config))
    rework = rate(c["rework"], c["due"])
    return Figures({"close_rate": close, "on_time_rate": on_time, "rework_rate": rework},
                   {"volume": band_score(c["filed"], config.bands), "close": pct(close),
                    "on_time": pct(on_time), "no_rework": inverse(rework)})


def region_figures(c: Mapping[str, int], config: KpiConfig) -> Figures:
    """街道 / 网格: 结案率 = 结案数 / 应结案数; 按期结案率 = 按期结案数 / 应结案数
    (or / (应结案数 − 缓办数) when configured); 返工率 = 返工数 / 应结案数."""
    close = rate(c["closed"], c["due"])
    on_time = rate(c["on_time"], _on_time_denominator(c["due"], c["parked"], config))
    rework = rate(c["rework"], c["due"])
    return Figures({"close_rate": close, "on_time_rate": on_time, "rework_rate": rework},
                   {"close": pct(close), "on_time": pct(on_time), "no_rework": inverse(rework)})


def inspector_figures(c: Mapping[str, int], config: KpiConfig) -> Figures:
    """监督员: 有效上报率×40% + (1 − 漏报率)×20% + 按时核实率×20% + 按时核查率×20%.

    有效上报率 = 有效上报数 / 已判定的上报数; 漏报率 = 漏报数 / 责任网格立案数;
    按时核实率 = 按时核实数 / 应核实数; 按时核查率 = 按时核查数 / 应核查数.
    """
    valid = rate(c["valid"], c["decided"])
    missed = rate(c["missed"], c["grid_filed"])
    verify = rate(c["verify_on_time"], c["verify_due"])
    recheck = rate(c["recheck_on_time"], c["recheck_due"])
    return Figures({"valid_rate": valid, "missed_rate": missed, "verify_rate": verify,
                    "recheck_rate": recheck},
                   {"valid": pct(valid), "no_missed": inverse(missed), "verify": pct(verify),
                    "recheck": pct(recheck)})


def operator_figures(c: Mapping[str, int], config: KpiConfig) -> Figures:
    """话务员: 受理数分值×25% + 核实按时派发率×40% + 核查按时派发率×35%."""
    verify = rate(c["verify_on_time"], c["verify_due"])
    recheck = rate(c["callback_on_time"], c["callback_due"])
    return Figures({"verify_dispatch_rate": verify, "recheck_dispatch_rate": recheck},
                   {"volume": band_score(c["accepted"], config.bands),
                    "verify_dispatch": pct(verify), "recheck_dispatch": pct(recheck)})


def duty_chief_figures(c: Mapping[str, int], config: KpiConfig) -> Figures:
    """值班长: 按时立案率×25% + 准确立案率×40% + 按时结案率×35%."""
    file_rate = rate(c["file_on_time"], c["file_due"])
    accurate = rate(c["accurate"], c["filed"])
    close = rate(c["close_on_time"], c["close_due"])
    return Figures({"file_rate": file_rate, "accurate_rate": accurate, "close_rate": close},
                   {"file_on_time": pct(file_rate), "accurate": pct(accurate),
                    "close_on_time": pct(close)})


def dispatcher_figures(c: Mapping[str, int], config: KpiConfig) -> Figures:
    """派遣员: 派遣数分值×20% + 按时派遣率×40% + 准确派遣率×40%.

    准确派遣率 = (派遣数 − 回退数) / 派遣数.
    """
    on_time = rate(c["dispatch_on_time"], c["dispatched"])
    accurate = rate(max(0, c["dispatched"] - c["returned"]), c["dispatched"])
    return Figures({"on_time_rate": on_time, "accurate_rate": accurate},
                   {"volume": band_score(c["dispatched"], config.bands), "on_time": pct(on_time),
                    "accurate": pct(accurate)})


def hotline_figures(c: Mapping[str, int], config: KpiConfig) -> Figures:
    """12345 三率: 响应率×30% + 解决率×35% + 满意率×35%.

    响应率 = 按时响应数 / 派单数; 解决率 = 解决数 / 派单数; 满意率 = (满意 + 基本满意) / 回访数.
    """
    response = rate(c["responded"], c["orders"])
    resolution = rate(c["resolved"], c["orders"])
    satisfaction = rate(c["satisfied"], c["rated"])
    return Figures({"response_rate": response, "resolution_rate": resolution,
                    "satisfaction_rate": satisfaction},
                   {"response": pct(response), "resolution": pct(resolution),
                    "satisfaction": pct(satisfaction)})


FORMULAS = {"department": department_figures, "inspector": inspector_figures,
            "operator": operator_figures, "duty_chief": duty_chief_figures,
            "dispatcher": dispatcher_figures, "street": region_figures, "grid": region_figures,
            "hotline": hotline_figures}


@dataclass
class KpiRow:
    """One evaluated department, person or area."""

    id: int | None
    name: str
    code: str | None
    counts: dict[str, int]
    rates: dict[str, float | None]
    score: float | None
    grade: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "code": self.code, **self.counts,
                **{k: None if v is None else round(v, 4) for k, v in self.rates.items()},
                "score": self.score, "grade": self.grade}


def evaluate(subject_key: str, counts: Mapping[str, int], config: KpiConfig, *,
             id: int | None = None, name: str = "", code: str | None = None) -> KpiRow:
    """Counts → rates, score and grade of one row (pure)."""
    subj = SUBJECTS[subject_key]
    full = {col.key: int(counts.get(col.key, 0) or 0) for col in subj.counts}
    figures = FORMULAS[subject_key](full, config)
    score, grade = config.graded(subject_key, figures.components)
    return KpiRow(id, name, code, full, figures.rates, score, grade)


# --- period and scope --------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """考核期: cases reported in [start, end); first and last day for forms and file names."""

    start: datetime
    end: datetime

    @property
    def first_day(self) -> date:
        return self.start.astimezone(get_settings().tz).date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).astimezone(get_settings().tz).date()


def parse_period(start: str | None, end: str | None, *, today: date | None = None) -> Period:
    """The period from two dates (both days included) or ISO times; default: this month so far."""
    today = today or now().date()
    begin = day_bound(start, is_end=False) if start else datetime.combine(
        today.replace(day=1), time(), get_settings().tz)
    finish = day_bound(end, is_end=True) if end else datetime.combine(
        today + timedelta(days=1), time(), get_settings().tz)
    if finish <= begin:
        raise ValidationFailed("结束日期不能早于开始日期", code="bad_period")
    return Period(begin, finish)


# Roles that read every row; a handler (专业部门) reads only its own department's rows.
READER_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.DUTY_CHIEF, Role.SYSTEM_ADMIN)
HANDLER_SUBJECTS = ("department", "hotline")


@dataclass(frozen=True)
class Scope:
    """What a reader may see: one department's rows only, and/or the cases of some areas."""

    department_id: int | None = None
    area_ids: frozenset[int] = frozenset()


def subjects_for(principal: Principal) -> list[Subject]:
    """The figures this person may read: every subject for readers, their own department's and
    12345 figures for a handler (专业部门), none for others."""
    if principal.has_any(*READER_ROLES):
        return list(SUBJECTS.values())
    if principal.has_any(Role.HANDLER) and principal.department_id is not None:
        return [SUBJECTS[k] for k in HANDLER_SUBJECTS]
    return []


def scope_for(principal: Principal, subject_key: str) -> Scope:
    """The reader's scope for a subject; 401/403 when the figures are not for them."""
    principal.require_login()
    if subject_key not in {s.key for s in subjects_for(principal)}:
        raise Forbidden("当前账号无权查看该项绩效评价 (your role may not read these figures)")
    if principal.has_any(*READER_ROLES):
        return Scope(area_ids=principal.area_ids)
    return Scope(department_id=principal.department_id, area_ids=principal.area_ids)  # 本部门


# --- SQL: grouped counts -----------------------------------------------------------------------

def _n(condition: ColumnElement[bool]) -> Any:
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END), never NULL."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _cohort(period: Period, scope: Scope) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Case.reported_at >= period.start,
                                             Case.reported_at < period.end]
    if scope.area_ids:
        ids = sorted(scope.area_ids)
        conditions.append(or_(Case.grid_id.in_(ids), Case.community_id.in_(ids),
                              Case.street_id.in_(ids)))
    return conditions


def _late_handled(session: Session, period: Period, scope: Scope, column: Any,
                  states: Sequence[str], own_department: bool) -> dict[int, int]:
    """{group: cases in ``states`` with a handling clock that ran late} — a join, not a per-case
    subquery, so that the database can use one pass (hash or nested loop) over the cohort."""
    on = [_of_case(WorkTimer, Case.id), WorkTimer.stage == "handle",
          WorkTimer.on_time == false()]
    if own_department:
        on.append(WorkTimer.department_id == Case.lead_department_id)
    group = (column + 0).label("group_id")  # drive from the period's index (see region_counts)
    stmt = (select(group, func.count(func.distinct(Case.id)))
            .select_from(Case).join(WorkTimer, and_(*on))
            .where(*_cohort(period, scope), column.is_not(None), Case.status.in_(states))
            .group_by(group))
    if scope.department_id is not None:
        stmt = stmt.where(Case.lead_department_id == scope.department_id)
    return {key: int(n) for key, n in session.execute(stmt) if key is not None}


def _overdue_open(as_of: datetime) -> ColumnElement[bool]:
    return and_(WorkTimer.ended_at.is_(None), WorkTimer.paused == false(),
                WorkTimer.due_at < as_of)


def _rows(session: Session, stmt: Any, keys: Sequence[str]) -> dict[int, dict[str, int]]:
    """{group id: {count key: value}} from a statement selecting (group id, *counts)."""
    return {row[0]: {k: int(v or 0) for k, v in zip(keys, row[1:], strict=True)}
            for row in session.execute(stmt) if row[0] is not None}


def _merge(*parts: dict[int, dict[str, int]]) -> dict[int, dict[str, int]]:
    merged: dict[int, dict[str, int]] = {}
    for part in parts:
        for key, counts in part.items():
            merged.setdefault(key, {}).update(counts)
    return merged


def department_counts(session: Session, period: Period, scope: Scope,
                      as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per lead department (主办单位): its dispatched cases of the period and how they went."""
    stmt = (select(Case.lead_department_id, func.count(), _n(Case.status.in_(CLOSED_STATES)),
                   _n(Case.status.in_(HANDLED_STATES)), _n(Case.status == str(Status.PARKED)),
                   _n(Case.rework_count > 0))
            .where(*_cohort(period, scope), Case.lead_department_id.is_not(None),
                   Case.status.in_(FILED_STATES))
            .group_by(Case.lead_department_id))
    if scope.department_id is not None:
        stmt = stmt.where(Case.lead_department_id == scope.department_id)
    rows = _rows(session, stmt, ("due", "closed", "handled", "parked", "rework"))
    late = _late_handled(session, period, scope, Case.lead_department_id, HANDLED_STATES,
                         own_department=True)
    for key, counts in rows.items():
        counts["filed"] = counts["due"]
        counts["on_time"] = counts.pop("handled") - late.get(key, 0)
    return rows


def region_counts(session: Session, period: Period, scope: Scope, level: str,
                  as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per street (街道) or unit grid (网格): 上报, 应结案, 结案, 按期结案, 缓办, 返工."""
    column = Case.street_id if level == "street" else Case.grid_id
    filed = Case.status.in_(FILED_STATES)
    # "+ 0" keeps SQLite from walking the whole (grid_id, status) index to avoid a sort; the
    # period's rows come from the covering reported_at index instead.
    group = (column + 0).label("area_id")
    stmt = (select(group, func.count(), _n(filed), _n(Case.status.in_(CLOSED_STATES)),
                   _n(Case.status == str(Status.PARKED)), _n(and_(filed, Case.rework_count > 0)))
            .where(*_cohort(period, scope), column.is_not(None),
                   Case.status != str(Status.MERGED))
            .group_by(group))
    rows = _rows(session, stmt, ("reported", "due", "closed", "parked", "rework"))
    late = _late_handled(session, period, scope, column, CLOSED_STATES, own_department=False)
    for key, counts in rows.items():
        counts["on_time"] = counts["closed"] - late.get(key, 0)
    return rows


def _role_users(role: Role) -> Any:
    return select(UserRole.user_id).where(UserRole.role == str(role))


def _per_inspector(session: Session, by_grid: dict[int, dict[str, int]]) -> dict[int, dict[str, int]]:
    """Grid figures summed over each inspector's grids (责任网格, user_area rows)."""
    pairs = session.execute(select(UserArea.user_id, UserArea.area_id)
                            .where(UserArea.user_id.in_(_role_users(Role.INSPECTOR))))
    result: dict[int, dict[str, int]] = {}
    for user_id, grid_id in pairs:
        counts = result.setdefault(user_id, {})
        for key, value in by_grid.get(grid_id, {}).items():
            counts[key] = counts.get(key, 0) + value
    return result


def _grid_figures(session: Session, period: Period, scope: Scope,
                  as_of: datetime) -> dict[int, dict[str, int]]:
    """Per grid: filed cases, those brought in by the public, and verify/re-check clocks
    (due = ended or overdue; on time) — grouped by grid so that no case row is joined twice."""
    filed = Case.status.in_(FILED_STATES)
    by_grid = _rows(session, select(Case.grid_id, _n(filed),
                                    _n(and_(filed, Case.source.in_(PUBLIC_SOURCES))))
                    .where(*_cohort(period, scope)).group_by(Case.grid_id),
                    ("grid_filed", "missed"))
    ended = WorkTimer.ended_at.is_not(None)
    stmt = (select(Case.grid_id, WorkTimer.stage, _n(or_(ended, _overdue_open(as_of))),
                   _n(and_(ended, WorkTimer.on_time == true())))
            .select_from(Case).join(WorkTimer, _of_case(WorkTimer, Case.id))
            .where(*_cohort(period, scope), WorkTimer.stage.in_(("verify", "recheck")))
            .group_by(Case.grid_id, WorkTimer.stage))
    for grid_id, stage, due, on_time in session.execute(stmt):
        if grid_id is not None:
            by_grid.setdefault(grid_id, {}).update({f"{stage}_due": int(due),
                                                    f"{stage}_on_time": int(on_time)})
    return by_grid


def inspector_counts(session: Session, period: Period, scope: Scope,
                     as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per inspector (监督员).

    - 上报数: the inspector's own reports (source inspector, recorded by them);
      已判定数: those no longer awaiting verification or filing; 有效上报数: those filed
      (or self-handled) — not voided, not merged as a duplicate.
    - 责任网格立案数: filed cases in the grids assigned to the inspector (user_area rows);
      漏报数: of those, the ones brought in by the public (portal, 12345, API, Open311, 信访)
      instead of by an inspector — a problem the patrol missed.
    - 应核实数 / 应核查数: verify / re-check stages of cases in those grids that ended or are
      overdue; 按时 those that ended on time.
    """
    as_of = as_of or now()
    reports = _rows(session, select(
        Case.created_by_id, func.count(), _n(Case.status.not_in(UNDECIDED_STATES)),
        _n(Case.status.in_(FILED_STATES)))
        .where(*_cohort(period, scope), Case.source == "inspector",
               Case.created_by_id.in_(_role_users(Role.INSPECTOR)))
        .group_by(Case.created_by_id), ("reports", "decided", "valid"))
    grids = _per_inspector(session, _grid_figures(session, period, scope, as_of))
    return _merge(reports, grids)


def _ended_by(session: Session, period: Period, scope: Scope, role: Role,
              actions: Sequence[str]) -> dict[tuple[int, str], tuple[int, int]]:
    """{(actor, action): (stages ended, of which on time)} for stages the role's staff ended."""
    if session.get_bind().dialect.name == "postgresql":
        # PostgreSQL's planner reads the whole timeline for this join; a LATERAL lookup through
        # the subject index per case of the cohort reads only the period's rows.
        events = (select(TimelineEvent.actor_id, TimelineEvent.action, TimelineEvent.at)
                  .where(_of_case(TimelineEvent, Case.id), TimelineEvent.action.in_(actions),
                         TimelineEvent.actor_id.in_(_role_users(role)))
                  .lateral("ended"))
        per_case = (select(events.c.actor_id, events.c.action, func.count(),
                           _n(WorkTimer.on_time == true()))
                    .select_from(Case).join(events, true())
                    .outerjoin(WorkTimer, and_(_of_case(WorkTimer, Case.id),
                                                WorkTimer.ended_at == events.c.at))
                    .where(*_cohort(period, scope))
                    .group_by(events.c.actor_id, events.c.action))
        return {(actor, act): (int(n), int(on_time))
                for actor, act, n, on_time in session.execute(per_case)}
    stmt = (select(TimelineEvent.actor_id, TimelineEvent.action, func.count(),
                   _n(WorkTimer.on_time == true()))
            .select_from(TimelineEvent)
            .join(Case, _of_case(TimelineEvent, Case.id))
            .outerjoin(WorkTimer, and_(_of_case(WorkTimer, TimelineEvent.subject_id),
                                        WorkTimer.ended_at == TimelineEvent.at))
            .where(*_cohort(period, scope), TimelineEvent.action.in_(actions),
                   TimelineEvent.actor_id.in_(_role_users(role)))
            .group_by(TimelineEvent.actor_id, TimelineEvent.action))
    return {(actor, act): (int(n), int(on_time))
            for actor, act, n, on_time in session.execute(stmt)}


def _add(rows: dict[int, dict[str, int]], actor: int, due_key: str, on_time_key: str,
         values: tuple[int, int]) -> None:
    counts = rows.setdefault(actor, {})
    counts[due_key] = counts.get(due_key, 0) + values[0]
    counts[on_time_key] = counts.get(on_time_key, 0) + values[1]


def operator_counts(session: Session, period: Period, scope: Scope,
                    as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per hotline operator (话务员).

    - 受理数: cases the operator recorded (``created_by_id``).
    - 核实按时派发: intake hands every recorded case on at once to its first stage, 核实
      (verification) or, when the class needs none, 立案; the hand-off counts as on time when
      that first stage was then completed in time. 应派发核实数 = those first stages that ended
      or are overdue.
    - 核查按时派发: 回访核查 — the callbacks (回访) the operator made, on time when the callback
      stage ended within its limit.
    """
    as_of = as_of or now()
    operators = _role_users(Role.HOTLINE_OPERATOR)
    ended = WorkTimer.ended_at.is_not(None)
    rows = _merge(
        _rows(session, select(Case.created_by_id, func.count())
              .where(*_cohort(period, scope), Case.created_by_id.in_(operators))
              .group_by(Case.created_by_id), ("accepted",)),
        _rows(session, select(Case.created_by_id, _n(or_(ended, _overdue_open(as_of))),
                              _n(and_(ended, WorkTimer.on_time == true())))
              .select_from(Case)
              .join(WorkTimer, and_(_of_case(WorkTimer, Case.id),
                                     WorkTimer.started_at == Case.reported_at,
                                     WorkTimer.stage.in_(("verify", "file"))))
              .where(*_cohort(period, scope), Case.created_by_id.in_(operators))
              .group_by(Case.created_by_id), ("verify_due", "verify_on_time")))
    for (actor, _action), values in _ended_by(session, period, scope, Role.HOTLINE_OPERATOR,
                                              ("callback",)).items():
        _add(rows, actor, "callback_due", "callback_on_time", values)
    return rows


def duty_chief_counts(session: Session, period: Period, scope: Scope,
                      as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per duty chief (值班长).

    - 立案判定数 / 按时立案数: stages the chief ended by filing (立案) or voiding (作废), and how
      many of them within the limit.
    - 立案数 / 准确立案数: cases the chief filed; accurate unless later voided, merged as a
      duplicate (重复立案), or sent back by an upheld dispatch objection (派单异议成立: the class
      filed did not fit).
    - 结案数 / 按时结案数: close stages the chief ended by closing (结案), and how many on time.
    """
    rows: dict[int, dict[str, int]] = {}
    ended = _ended_by(session, period, scope, Role.DUTY_CHIEF, ("file", "void", "close"))
    for (actor, action_name), values in ended.items():
        if action_name == "close":
            _add(rows, actor, "close_due", "close_on_time", values)
        else:
            _add(rows, actor, "file_due", "file_on_time", values)
    upheld = select(PendingRequest.subject_id).where(PendingRequest.subject_type == "case",
                                                     PendingRequest.kind == "objection",
                                                    PendingRequest.status == "approved")
    wrong = or_(Case.status.in_((str(Status.VOID), str(Status.MERGED))), Case.id.in_(upheld))
    inaccurate = _rows(session, select(TimelineEvent.actor_id, func.count())
                       .select_from(Case)
                       .join(TimelineEvent, and_(_of_case(TimelineEvent, Case.id),
                                             TimelineEvent.action == "file"))
                       .where(*_cohort(period, scope), wrong,
                              TimelineEvent.actor_id.in_(_role_users(Role.DUTY_CHIEF)))
                       .group_by(TimelineEvent.actor_id), ("wrong",))
    filed = {actor: {"filed": n, "accurate": n - inaccurate.get(actor, {}).get("wrong", 0)}
             for (actor, action_name), (n, _) in ended.items() if action_name == "file"}
    return _merge(rows, filed)


def dispatcher_counts(session: Session, period: Period, scope: Scope,
                      as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    """Per dispatcher (派遣员).

    - 派遣数 / 按时派遣数: dispatches (派遣) the dispatcher made and how many ended the dispatch
      stage within its limit.
    - 回退数: approved returns (回退) and upheld objections (派单异议) whose case had last been
      dispatched by this dispatcher — the department was wrong. 准确派遣 = 派遣数 − 回退数.
    """
    rows: dict[int, dict[str, int]] = {}
    for (actor, _action), values in _ended_by(session, period, scope, Role.DISPATCHER,
                                              ("dispatch",)).items():
        _add(rows, actor, "dispatched", "dispatch_on_time", values)
    last_dispatcher = (select(TimelineEvent.actor_id)
                       .where(_of_case(TimelineEvent, PendingRequest.subject_id),
                              TimelineEvent.action == "dispatch",
                              TimelineEvent.at <= PendingRequest.requested_at)
                       .order_by(TimelineEvent.at.desc(), TimelineEvent.id.desc()).limit(1)
                       .scalar_subquery())
    returns = (select(last_dispatcher.label("actor_id"))
               .select_from(PendingRequest).join(Case, _of_case(PendingRequest, Case.id))
               .where(*_cohort(period, scope), PendingRequest.kind.in_(("return", "objection")),
                      PendingRequest.status == "approved")
               .subquery())
    returned = _rows(session, select(returns.c.actor_id, func.count())
                     .where(returns.c.actor_id.in_(_role_users(Role.DISPATCHER)))
                     .group_by(returns.c.actor_id), ("returned",))
    return _merge(rows, returned)


def hotline_counts(session: Session, period: Period, scope: Scope,
                   as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    """12345 三率 per handling department (承办单位), over the public work orders it holds.

    - 派单数: orders from public channels (12345, portal, API, Open311, 信访) dispatched to it.
    - 按时响应数: orders on which the department acted (处置反馈, or asked for 回退/延期/挂账/异议)
      after the dispatch and before the deadline of the handling stage that dispatch started.
    - 解决数: orders closed (结案) whose requester did not answer 不满意 at the callback.
    - 回访数 / 满意数: orders with a callback answer / answered 满意 or 基本满意.
    """
    first_due = (select(WorkTimer.due_at)
                 .where(_of_case(WorkTimer, Case.id), WorkTimer.stage == "handle",
                        WorkTimer.started_at == Case.dispatched_at)
                 .order_by(WorkTimer.id).limit(1).scalar_subquery())
    responded = exists().where(_of_case(TimelineEvent, Case.id),
                               TimelineEvent.action.in_(RESPONSE_ACTIONS),
                               TimelineEvent.at >= Case.dispatched_at,
                               TimelineEvent.at <= func.coalesce(first_due, TimelineEvent.at))
    resolved = and_(Case.status.in_(CLOSED_STATES),
                    or_(Case.satisfaction.is_(None), Case.satisfaction != "不满意"))
    stmt = (select(Case.lead_department_id, func.count(), _n(responded), _n(resolved),
                   _n(Case.satisfaction.is_not(None)), _n(Case.satisfaction.in_(SATISFIED)))
            .where(*_cohort(period, scope), Case.source.in_(PUBLIC_SOURCES),
                   Case.lead_department_id.is_not(None), Case.dispatched_at.is_not(None),
                   Case.status.in_(FILED_STATES))
            .group_by(Case.lead_department_id))
    if scope.department_id is not None:
        stmt = stmt.where(Case.lead_department_id == scope.department_id)
    return _rows(session, stmt, ("orders", "responded", "resolved", "rated", "satisfied"))


def _street_counts(session: Session, period: Period, scope: Scope,
                   as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    return region_counts(session, period, scope, "street", as_of)


def _grid_counts(session: Session, period: Period, scope: Scope,
                 as_of: datetime | None = None) -> dict[int, dict[str, int]]:
    return region_counts(session, period, scope, "grid", as_of)


COUNTERS = {"department": department_counts, "inspector": inspector_counts,
            "operator": operator_counts, "duty_chief": duty_chief_counts,
            "dispatcher": dispatcher_counts, "street": _street_counts, "grid": _grid_counts,
            "hotline": hotline_counts}


# --- roll-up (日汇总) ----------------------------------------------------------------------------
#
# Every count is a sum over the cohort's cases, so the figures of a period are the sums of the
# figures of its days. A periodic job (``cases.kpi.jobs``) stores each past day's counts per
# subject and group; a report adds up the stored days and computes the rest (today, days not
# rolled up yet, periods that do not start and end at midnight, area scopes) from the cases.
# A stored day is computed again when a case reported that day changes — every change writes a
# timeline row (流转记录) — or when a running clock of such a case falls due.

ROLLUP_MINUTES = 10  # how often the job runs (cron below): the figures are at most that old
ROLLUP_MARK = "default"


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), get_settings().tz)


def day_period(day: date) -> Period:
    """The cases reported on ``day`` (local calendar day)."""
    return Period(_day_start(day), _day_start(day + timedelta(days=1)))


def _whole_days(period: Period) -> list[date] | None:
    """The days of a period that starts and ends at midnight; None when it does not."""
    first, last = period.first_day, period.last_day
    if _day_start(first) != period.start or _day_start(last + timedelta(days=1)) != period.end:
        return None
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _add_counts(into: dict[int, dict[str, int]], part: Mapping[int, Mapping[str, int]]) -> None:
    for key, counts in part.items():
        target = into.setdefault(key, {})
        for name, value in counts.items():
            target[name] = target.get(name, 0) + int(value)


def gather_counts(session: Session, subject_key: str, period: Period, scope: Scope,
                  as_of: datetime) -> tuple[dict[int, dict[str, int]], datetime | None]:
    """{group: counts} of a subject over a period — stored days summed, the rest computed — and
    when the oldest stored day used was computed (None: nothing stored was used)."""
    counter = COUNTERS[subject_key]
    days = _whole_days(period)
    own_rows_only = scope.department_id is None or subject_key in HANDLER_SUBJECTS
    if days is None or scope.area_ids or not own_rows_only:
        return counter(session, period, scope, as_of), None
    rolled = dict(session.execute(select(KpiRollupDay.day, KpiRollupDay.refreshed_at)
                                  .where(KpiRollupDay.day >= days[0], KpiRollupDay.day <= days[-1])).all())
    grouped: dict[int, dict[str, int]] = {}
    if rolled:
        stored = select(KpiDailyCount.group_id, KpiDailyCount.counts).where(
            KpiDailyCount.subject == subject_key, KpiDailyCount.day.in_(list(rolled)))
        if scope.department_id is not None:
            stored = stored.where(KpiDailyCount.group_id == scope.department_id)
        for group_id, counts in session.execute(stored):
            _add_counts(grouped, {group_id: counts})
    run: list[date] = []
    for day in [*days, None]:  # each run of days not stored is computed as one period
        if day is not None and day not in rolled:
            run.append(day)
            continue
        if run:
            _add_counts(grouped, counter(session, Period(_day_start(run[0]),
                                                         _day_start(run[-1] + timedelta(days=1))),
                                         scope, as_of))
            run = []
    return grouped, min(rolled.values()) if rolled else None


def refresh_days(session: Session, days: Sequence[date], as_of: datetime) -> None:
    """Compute and store every subject's counts for each of ``days`` (replacing what was there)."""
    for day in sorted(set(days)):
        session.execute(delete(KpiDailyCount).where(KpiDailyCount.day == day))
        period = day_period(day)
        rows = [{"day": day, "subject": key, "group_id": group, "counts": counts}
                for key, counter in COUNTERS.items()
                for group, counts in counter(session, period, Scope(), as_of).items()]
        if rows:
            session.execute(insert(KpiDailyCount), rows)
        stored = session.get(KpiRollupDay, day)
        if stored is None:
            session.add(KpiRollupDay(day=day, refreshed_at=as_of))
        else:
            stored.refreshed_at = as_of
        session.flush()


def _local_days(times: Any) -> set[date]:
    tz = get_settings().tz
    return {t.astimezone(tz).date() for (t,) in times if t is not None}


def days_to_refresh(session: Session, as_of: datetime) -> tuple[set[date], int]:
    """Past days never rolled up, or whose cases changed or whose clocks fell due since the last
    run; and the newest timeline row now (the next run's mark)."""
    mark = session.get(KpiRollupMark, ROLLUP_MARK)
    today = as_of.astimezone(get_settings().tz).date()
    newest_event = session.scalar(select(func.max(TimelineEvent.id))) or 0
    first = session.scalar(select(func.min(Case.reported_at)))
    days: set[date] = set()
    if first is not None:
        first_day = first.astimezone(get_settings().tz).date()
        stored = set(session.scalars(select(KpiRollupDay.day).where(KpiRollupDay.day >= first_day)))
        days = {first_day + timedelta(days=i) for i in range((today - first_day).days)} - stored
    if mark is not None:
        # From the run before last's mark: a change committed late, after a row written later
        # was read, is still seen.
        touched = select(TimelineEvent.subject_id).where(TimelineEvent.subject_type == "case",
                                                         TimelineEvent.id > mark.prior_event_id)
        days |= _local_days(session.execute(select(Case.reported_at).where(Case.id.in_(touched))))
        fell_due = (select(Case.reported_at).select_from(WorkTimer)
                    .join(Case, _of_case(WorkTimer, Case.id))
                    .where(WorkTimer.ended_at.is_(None), WorkTimer.paused == false(),
                           WorkTimer.due_at >= mark.refreshed_at, WorkTimer.due_at < as_of))
        days |= _local_days(session.execute(fell_due))
    return {d for d in days if d < today}, newest_event


def refresh_rollup(session: Session, as_of: datetime | None = None) -> int:
    """One run of the roll-up (绩效日汇总); the caller commits. Returns how many days it computed."""
    as_of = as_of or now()
    days, newest_event = days_to_refresh(session, as_of)
    refresh_days(session, sorted(days), as_of)
    mark = session.get(KpiRollupMark, ROLLUP_MARK)
    if mark is None:
        session.add(KpiRollupMark(key=ROLLUP_MARK, event_id=newest_event, prior_event_id=newest_event,
                                  refreshed_at=as_of))
    else:
        mark.prior_event_id, mark.event_id, mark.refreshed_at = mark.event_id, newest_event, as_of
    session.flush()
    return len(days)


# --- report ------------------------------------------------------------------------------------

@dataclass
class KpiReport:
    """The figures of one subject over one period: rows best first, and the total if it adds up."""

    subject: Subject
    period: Period
    config: KpiConfig
    rows: list[KpiRow]
    total: KpiRow | None
    # 数据时点: when the oldest rolled-up day used was computed; None when all was computed now.
    rolled_at: datetime | None = None

    @property
    def freshness(self) -> str:
        """What the page says about how fresh the figures are (数据时点)."""
        if self.rolled_at is None:
            return "数据为实时统计"
        at = self.rolled_at.astimezone(get_settings().tz)
        return f"往日数据汇总于 {at:%Y-%m-%d %H:%M}（每 {ROLLUP_MINUTES} 分钟更新），当日数据为实时统计"

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject.key, "label": self.subject.label,
            "start": self.period.first_day.isoformat(), "end": self.period.last_day.isoformat(),
            "rolled_at": self.rolled_at.isoformat() if self.rolled_at else None,
            "columns": [{"key": c.key, "label": c.label, "kind": c.kind}
                        for c in (*self.subject.counts, *self.subject.rates)],
            "weights": dict(self.config.weights[self.subject.key]),
            "rows": [r.to_dict() for r in self.rows],
            "total": self.total.to_dict() if self.total else None,
        }


def _names(session: Session, subject_key: str,
           ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
    if not ids:
        return {}
    if subject_key in ("department", "hotline"):
        stmt = select(Department.id, Department.name, Department.code).where(Department.id.in_(ids))
    elif subject_key in ("street", "grid"):
        stmt = select(Area.id, Area.name, Area.code).where(Area.id.in_(ids))
    else:
        stmt = select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    return {row[0]: (row[1], row[2]) for row in session.execute(stmt)}


def _sort_key(row: KpiRow) -> tuple[bool, float, str]:
    return (row.score is None, -(row.score or 0), row.code or row.name)


def build_report(session: Session, subject_key: str, period: Period, scope: Scope | None = None,
                 *, config: KpiConfig | None = None, as_of: datetime | None = None,
                 rollup: bool = True) -> KpiReport:
    """Gather the counts of a subject and evaluate every row: the rolled-up days from
    ``kpi_daily_count`` (``rollup``), the others with grouped queries over the cases."""
    subj = subject(subject_key)
    scope = scope or Scope()
    config = config or load_config(session)
    if rollup:
        grouped, rolled_at = gather_counts(session, subj.key, period, scope, as_of or now())
    else:
        grouped, rolled_at = COUNTERS[subj.key](session, period, scope, as_of or now()), None
    names = _names(session, subj.key, list(grouped))
    rows = [evaluate(subj.key, counts, config, id=key,
                     name=names.get(key, (f"#{key}", None))[0], code=names.get(key, ("", None))[1])
            for key, counts in grouped.items()]
    rows.sort(key=_sort_key)
    total = None
    if subj.has_total and rows and scope.department_id is None:
        summed = {c.key: sum(r.counts[c.key] for r in rows) for c in subj.counts}
        total = evaluate(subj.key, summed, config, name="合计")
    return KpiReport(subj, period, config, rows, total, rolled_at)


def report_for(session: Session, principal: Principal, subject_key: str, period: Period,
               *, as_of: datetime | None = None) -> KpiReport:
    """The report as this principal may read it (403 when not at all)."""
    subj = subject(subject_key)
    return build_report(session, subj.key, period, scope_for(principal, subj.key), as_of=as_of)


# --- export ------------------------------------------------------------------------------------

def table(report: KpiReport) -> tuple[list[str], list[list[Any]]]:
    """Header and body rows for CSV/XLSX: counts as numbers, rates as percent with 2 decimals."""
    subj = report.subject
    header = [subj.unit, "编码", *(c.label for c in subj.counts),
              *(f"{c.label}(%)" for c in subj.rates), "得分", "等级"]
    body = []
    for row in [*report.rows, *([report.total] if report.total else [])]:
        body.append([row.name, row.code or "", *(row.counts[c.key] for c in subj.counts),
                     *("" if row.rates[c.key] is None else round(row.rates[c.key] * 100, 2)
                       for c in subj.rates),
                     "" if row.score is None else row.score, row.grade or ""])
    return header, body


def export_csv(report: KpiReport) -> bytes:
    """The report's table as CSV that Excel opens in Chinese."""
    header, body = table(report)
    return csv_text([header, *body]).encode("utf-8")


def export_xlsx(report: KpiReport) -> bytes:
    """The report's table as a workbook, under a title line with the subject and the period."""
    header, body = table(report)
    period = report.period
    title = [f"{report.subject.label}绩效评价 {period.first_day} 至 {period.last_day}"]
    return xlsx_bytes([title, header, *body], report.subject.label)


def export_filename(report: KpiReport, suffix: str) -> str:
    return f"kpi-{report.subject.key}-{report.period.first_day}-{report.period.last_day}.{suffix}"
