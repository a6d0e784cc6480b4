"""The SLA sweep: warnings and overdue marks with reminders; one sweeper at a time on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from sqlalchemy import select

from smartgov.cases.models import Case
from smartgov.cases.sweeper import sweep
from smartgov.db import now
from smartgov.inbox.models import Notification
from tests.cases.conftest import World
from tests.conftest import REPO_ROOT, TEST_DATABASE_URL
from tests.factories import report


def test_sweep_marks_overdue_once_and_tells_the_department(world: World) -> None:
    case = report(world, "stall")
    assert case.warning_level == 0
    result = sweep(world.session, at=now() + timedelta(days=30))
    assert result.ran and result.raised >= 1
    world.session.expire_all()
    assert world.session.get(Case, case.id).warning_level == 3
    notes = world.session.scalars(select(Notification).where(Notification.kind == "overdue")).all()
    assert len(notes) == 1 and notes[0].department_id == world.depts["CG"].id
    assert sweep(world.session, at=now() + timedelta(days=31)).raised == 0  # no repeat


def test_sweep_warns_before_overdue(world: World) -> None:
    case = report(world, "stall")  # 1wd handling limit
    due = case.due_at
    # just before the due time more than 80 % of the working day has gone
    sweep(world.session, at=due - timedelta(minutes=10))
    world.session.expire_all()
    assert world.session.get(Case, case.id).warning_level == 2


def test_sweep_queue_lists_overdue(world: World) -> None:
    from smartgov.cases.queries import CaseFilter, find_cases

    report(world, "stall")
    sweep(world.session, at=now() + timedelta(days=30))
    rows, total = find_cases(world.session, world.p("chief"), CaseFilter(queue="overdue"))
    assert total == 1


def test_app_process_sweeps_periodically(world: World, engine, monkeypatch) -> None:
    """create_app runs the jobs in-process, the sweep among them; an overdue case is marked
    without anyone asking."""
    import time

    from fastapi.testclient import TestClient

    from smartgov.app import create_app
    from smartgov.config import get_settings

    case = report(world, "stall")
    monkeypatch.setattr(get_settings(), "jobs_inline", False)
    monkeypatch.setattr(get_settings(), "inprocess_worker", True)
    monkeypatch.setattr("smartgov.workclock.sweeper.now", lambda: now() + timedelta(days=30))
    with TestClient(create_app(engine)):
        for _ in range(50):
            time.sleep(0.1)
            world.session.expire_all()
            if world.session.get(Case, case.id).warning_level == 3:
                break
    assert world.session.get(Case, case.id).warning_level == 3


SWEEPER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {src!r})
    from smartgov.db import make_engine, set_engine, session_factory
    from smartgov.cases.sweeper import sweep
    set_engine(make_engine({url!r}))
    import time
    with session_factory()() as session:
        commit = session.commit
        session.commit = lambda: (time.sleep(3), commit())  # hold the lock while the other tries
        print("ran" if sweep(session).ran else "skipped", flush=True)
""")


@pytest.mark.skipif(
    not TEST_DATABASE_URL,
    reason="single-sweeper lock needs PostgreSQL (set SMARTGOV_TEST_DATABASE_URL)",
)
def test_only_one_process_sweeps_at_a_time(world: World) -> None:
    script = SWEEPER.format(src=str(REPO_ROOT / "src"), url=TEST_DATABASE_URL)
    procs = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = sorted(p.communicate(timeout=60)[0].strip() for p in procs)
    assert outputs == ["ran", "skipped"]


def test_sweep_leaves_the_case_version_alone(world: World) -> None:
    """A person who opened the case before the sweep can still act on it (no spurious 409)."""
    from smartgov.cases import service
    from smartgov.cases.schemas import ActionInput

    case = report(world, "stall")
    version = case.version
    assert sweep(world.session, at=case.due_at + timedelta(minutes=1)).raised == 1
    world.session.expire_all()
    swept = world.session.get(Case, case.id)
    assert swept.warning_level == 3 and swept.version == version
    done = service.act(world.session, case.id, "report_back",
                       ActionInput(note="已处置", version=version), principal=world.p("handler_cg"))
    assert done.status == "pending_recheck" and done.warning_level == 0


def test_stage_warnings_without_a_department_reach_the_people_responsible(world: World) -> None:
    from tests.cases.test_workflow import do

    to_verify = report(world, "garbage", grid=0)  # 核实: the inspector of grid 0
    unpatrolled = report(world, "garbage", grid=3)  # no inspector: the duty chief
    to_file = report(world, "garbage", grid=2)
    do(world, to_file, "verify", "inspector2")  # 立案: the duty chief
    to_dispatch = report(world, "garbage", grid=1)
    do(world, to_dispatch, "verify", "inspector")
    do(world, to_dispatch, "file", "chief")  # 派遣: the dispatcher
    sweep(world.session, at=now() + timedelta(days=30))
    world.session.expire_all()

    def told(case: Case) -> set[int | None]:
        rows = world.session.scalars(
            select(Notification).where(Notification.subject_id == case.id,
                                       Notification.kind == "overdue")
        ).all()
        assert rows and all(n.department_id is None for n in rows)
        return {n.user_id for n in rows}

    ids = {name: u.id for name, u in world.users.items()}
    assert told(to_verify) == {ids["inspector"]}
    assert told(unpatrolled) == {ids["chief"]}
    assert told(to_file) == {ids["chief"]}
    assert told(to_dispatch) == {ids["dispatcher"]}


def test_sweep_during_an_action_leaves_no_stale_warning(world: World, monkeypatch) -> None:
    """A sweep commits while a person's action is in flight: the new stage starts at level 0,
    though the person's session loaded 0 before the sweep raised it."""
    from smartgov.cases import service
    from smartgov.cases.clocks import open_clock
    from smartgov.db import session_factory
    from tests.cases.test_workflow import do

    case = report(world, "garbage")  # 待核实, verify clock running
    real = service.HANDLERS["verify"]

    def with_sweep(session, c, data, p, at):  # type: ignore[no-untyped-def]
        with session_factory()() as other:
            assert sweep(other, at=now() + timedelta(days=30)).raised == 1
        real(session, c, data, p, at)

    monkeypatch.setitem(service.HANDLERS, "verify", with_sweep)
    do(world, case, "verify", "inspector")
    world.session.expire_all()
    case = world.session.get(Case, case.id)
    assert open_clock(world.session, case).stage == "file" and case.warning_level == 0


def test_sweep_and_an_action_on_the_same_case_wait_for_each_other(world: World, monkeypatch) -> None:
    """The person's action has written the case row when the sweep reaches the same case: the
    sweep waits for it (case row first, as every action writes) instead of deadlocking."""
    import threading
    import time

    from smartgov.cases import clocks
    from smartgov.db import session_factory
    from tests.cases.test_workflow import do

    case = report(world, "garbage")
    real = clocks.clock_values
    outcome: dict = {}

    def sweeper() -> None:
        try:
            with session_factory()() as other:
                outcome["sweep"] = sweep(other, at=now() + timedelta(days=30)).ran
        except Exception as exc:  # noqa: BLE001 — recorded and asserted below
            outcome["sweep"] = repr(exc)

    def slow_clock(session, c, stage, at):  # type: ignore[no-untyped-def]
        outcome["thread"] = threading.Thread(target=sweeper)
        outcome["thread"].start()
        time.sleep(0.5)  # the sweep now waits on the case row this action has written
        return real(session, c, stage, at)

    monkeypatch.setattr(clocks, "clock_values", slow_clock)
    do(world, case, "verify", "inspector")
    outcome["thread"].join(20)
    assert outcome["sweep"] is True, outcome["sweep"]
    world.session.expire_all()
    case = world.session.get(Case, case.id)
    assert case.status == "pending_file" and case.warning_level == 0  # the old clock had ended
