"""The demo district `make run` starts with: a living history consistent with every platform table,
accounts for every department, and a dispatch model trained on the history."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from rich.console import Console
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from smartgov.auth.models import User, UserRole
from smartgov.auth.roles import Role
from smartgov.cases.models import Case, CaseReporter, Category, Supervision
from smartgov.cases.workflow import OPEN_STATES, Status
from smartgov.db import now
from smartgov.org.models import Department
from smartgov.workclock.models import WorkTimer
from smartgov.workflow.models import PendingRequest, TimelineEvent
from tests.conftest import REPO_ROOT, migrated_engine

DEMO_CASES = 300


@pytest.fixture(scope="module")
def demo(_template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One demo district with 300 cases and its trained model, in a var/ of its own (the model
    must not reach other tests)."""
    from smartgov.config import reset_settings
    from smartgov.demo import load_demo

    var_dir = tmp_path_factory.mktemp("demo-var")
    with pytest.MonkeyPatch.context() as patch, migrated_engine(_template_db, var_dir) as engine:
        patch.setenv("SMARTGOV_VAR_DIR", str(var_dir))
        reset_settings()
        assert load_demo(cases=DEMO_CASES, train=True, console=Console(quiet=True)) is True
        yield engine
    reset_settings()


@pytest.fixture()
def db(demo: Engine) -> Iterator[Session]:
    with Session(demo) as session:
        yield session


def _open_timers(db: Session) -> dict[int, list[WorkTimer]]:
    found: dict[int, list[WorkTimer]] = {}
    for timer in db.scalars(select(WorkTimer).where(WorkTimer.subject_type == "case",
                                                   WorkTimer.ended_at.is_(None))):
        found.setdefault(timer.subject_id, []).append(timer)
    return found


def test_every_state_appears(db: Session) -> None:
    statuses = set(db.scalars(select(Case.status).distinct()))
    assert statuses == {str(s) for s in Status}
    assert db.scalar(select(func.count()).select_from(Case)) == DEMO_CASES


def test_open_cases_run_one_timer_and_closed_ones_none(db: Session) -> None:
    running = _open_timers(db)
    cases = db.execute(select(Case.id, Case.status)).all()
    for case_id, status in cases:
        expected = 1 if Status(status) in OPEN_STATES else 0
        assert len(running.get(case_id, [])) == expected, (case_id, status)


def test_due_times_and_warning_levels_mirror_the_timers(db: Session) -> None:
    running = _open_timers(db)
    at = now()
    levels = Counter()
    for case in db.scalars(select(Case).where(Case.status.in_([str(s) for s in OPEN_STATES]))):
        [timer] = running[case.id]
        assert case.warning_level == timer.warning_level
        if case.status == Status.PARKED:
            assert timer.paused and case.due_at is None
            continue
        assert not timer.paused and case.due_at == timer.due_at
        if case.warning_level == 3:
            assert timer.due_at < at  # 已超期
        if timer.due_at < at - timedelta(minutes=1):
            assert case.warning_level == 3
        levels[case.warning_level] += 1
    assert set(levels) == {0, 1, 2, 3}  # on time, 黄牌, 橙牌 and overdue all shown


def test_closed_cases_ended_every_timer_with_on_time_recorded(db: Session) -> None:
    ended = db.scalars(select(WorkTimer).where(WorkTimer.ended_at.is_not(None))).all()
    assert ended
    assert all(t.on_time == (t.ended_at <= t.due_at) for t in ended)
    assert {t.on_time for t in ended} == {True, False}
    # whoever ended a stage acted at that very moment (how the performance page attributes work)
    moments = set(db.execute(select(TimelineEvent.subject_id, TimelineEvent.at)).all())
    assert all((t.subject_id, t.ended_at) in moments for t in ended)


def test_dispatched_cases_went_to_the_catalogue_department(db: Session) -> None:
    from smartgov.cases.catalogue import directory

    catalogue = directory.current(db)
    dispatched = db.scalars(select(Case).where(Case.dispatched_at.is_not(None))).all()
    assert dispatched
    for case in dispatched:
        areas = {case.grid_id, case.community_id, case.street_id}
        assert case.lead_department_id == catalogue.dispatch_department(case.category_id, areas)


def test_timeline_starts_with_the_intake_and_every_case_has_its_reporter(db: Session) -> None:
    first = {}
    for subject_id, action in db.execute(select(TimelineEvent.subject_id, TimelineEvent.action)
                                          .where(TimelineEvent.subject_type == "case")
                                          .order_by(TimelineEvent.at, TimelineEvent.id)):
        first.setdefault(subject_id, action)
    ids = set(db.scalars(select(Case.id)))
    assert set(first) == ids and set(first.values()) == {"collect"}
    assert set(db.scalars(select(CaseReporter.case_id))) == ids


def test_waiting_requests_and_parked_cases(db: Session) -> None:
    pending = db.scalars(select(PendingRequest).where(PendingRequest.status == "pending")).all()
    assert pending
    for request in pending:
        assert db.get(Case, request.subject_id).status == Status.HANDLING
    parked = db.scalars(select(Case.id).where(Case.status == Status.PARKED)).all()
    approved = set(db.scalars(select(PendingRequest.subject_id).where(
        PendingRequest.kind == "park", PendingRequest.status == "approved")))
    assert parked and set(parked) <= approved
    supervised = db.scalars(select(Case).where(Case.is_supervised.is_(True))).all()
    assert supervised and all(c.warning_level == 3 for c in supervised)
    assert db.scalar(select(func.count()).select_from(Supervision)) == len(supervised)


def test_callbacks_record_every_satisfaction_level(db: Session) -> None:
    answers = set(db.scalars(select(Case.satisfaction).where(Case.status == Status.CLOSED)))
    assert {"满意", "基本满意", "不满意"} <= answers
    called = db.scalars(select(Case).where(Case.satisfaction.is_not(None))).all()
    assert all(c.needs_callback and c.status == Status.CLOSED for c in called)


def test_every_channel_appears(db: Session) -> None:
    sources = set(db.scalars(select(Case.source).distinct()))
    assert sources >= {"portal", "hotline", "inspector", "superior", "sensor", "opinion", "open311"}


def _principal(db: Session, username: str):  # type: ignore[no-untyped-def]
    from smartgov.auth.service import principal_for

    user = db.scalar(select(User).where(User.username == username))
    return principal_for(user, "127.0.0.1", session=db)


@pytest.mark.parametrize("username", ["operator", "inspector", "chief", "dispatcher", "handler",
                                      "supervisor", "leader", "street"])
def test_each_role_finds_work_in_its_queues(db: Session, username: str) -> None:
    from smartgov.cases.queries import default_queue, queue_counts

    principal = _principal(db, username)
    counts = queue_counts(db, principal)
    assert counts[default_queue(principal)] > 0
    assert counts["overdue"] > 0


def test_chief_sees_every_queue_filled(db: Session) -> None:
    from smartgov.cases.queries import queue_counts

    counts = queue_counts(db, _principal(db, "chief"))
    assert all(n > 0 for n in counts.values()), counts


def test_search_index_holds_the_history(db: Session) -> None:
    from smartgov.cases.queries import CaseFilter, find_cases

    case = db.scalar(select(Case).where(Case.status == Status.CLOSED).limit(1))
    word = re.findall(r"[\u4e00-\u9fff]{4}", case.description)[0]
    found, total = find_cases(db, _principal(db, "chief"), CaseFilter(q=word, page_size=100))
    assert total > 0 and all(word in f"{c.title}{c.description}" for c in found)
    found, _ = find_cases(db, _principal(db, "chief"), CaseFilter(q=case.case_no))
    assert [c.id for c in found] == [case.id]


def test_dispatch_model_suggests_a_department_for_unclassified_text(demo: Engine, db: Session) -> None:
    from smartgov.cases.classifier import model_files
    from smartgov.cases.routing import current_suggester

    assert model_files(None)[0].exists()
    suggester = current_suggester()
    assert suggester is not None
    codes = set(db.scalars(select(Department.code)))
    [best] = suggester.suggest("小区门口人行道上的井盖破了一个洞，晚上很危险", k=1)
    assert best.label in codes
    assert best.label == "shizheng"  # the class's department (区市政设施管理中心)


def test_a_second_setup_loads_nothing_again(demo: Engine, db: Session) -> None:
    from smartgov.cases.classifier import model_files
    from smartgov.demo import load_demo

    model = model_files(None)[0]
    before = model.stat().st_mtime_ns
    assert load_demo(cases=DEMO_CASES, train=True, only_if_empty=True, console=Console(quiet=True)) is False
    assert db.scalar(select(func.count()).select_from(Case)) == DEMO_CASES
    assert db.scalar(select(func.count()).select_from(User).where(User.username == "chief")) == 1
    assert model.stat().st_mtime_ns == before  # not trained again


def test_every_department_cases_go_to_has_a_handler(db: Session) -> None:
    handled = set(db.scalars(select(Category.default_department_id).where(Category.level == "minor")))
    handled |= set(db.scalars(select(Department.id).where(Department.area_id.is_not(None))))
    with_handler = set(db.scalars(select(User.department_id).join(UserRole, UserRole.user_id == User.id)
                                  .where(UserRole.role == Role.HANDLER)))
    assert handled and handled <= with_handler


def test_readme_lists_the_accounts_setup_prints() -> None:
    from smartgov.demo import ACCOUNT_COLUMNS, account_rows

    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    header = "| " + " | ".join(ACCOUNT_COLUMNS) + " |"
    assert header in readme
    table = readme[readme.index(header):].split("\n\n")[0].splitlines()[2:]
    rows = [tuple(cell.strip().strip("`") for cell in line.strip("|").split("|")) for line in table]
    assert rows == account_rows()
