"""The job engine on the test database (SQLite, or PostgreSQL when configured): same transaction,
runs, retries with back-off, failures kept, counts, the administrator's retry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartgov import jobs
from smartgov.auth.models import AuditEntry
from tests.auth.conftest import csrf_from, web_login
from tests.factories import UserFactory
from tests.jobs.conftest import jobs_of, make_due

EMPTY = {"queued": 0, "running": 0, "done": 0, "failed": 0}


def test_a_rolled_back_transaction_leaves_no_job(session: Session, engine: Engine, toy, no_inline) -> None:
    jobs.enqueue(session, "toy.record", value="lost")
    assert jobs.status_counts(session)["queued"] == 1  # visible inside the transaction
    session.rollback()
    assert jobs.status_counts(session) == EMPTY
    assert jobs.run_pending() == 0
    assert toy.CALLS == []


def test_a_committed_job_runs_after_the_commit_inline(session: Session, engine: Engine, toy) -> None:
    jobs.enqueue(session, "toy.record", value="routed")
    assert toy.CALLS == []  # nothing runs before the commit
    session.commit()
    assert toy.CALLS == ["routed"]
    assert jobs.status_counts(session) == {**EMPTY, "done": 1}
    assert [j.status for j in jobs_of(engine)] == ["succeeded"]


def test_a_committed_job_waits_in_the_record_until_a_runner_takes_it(
        session: Session, engine: Engine, toy, no_inline) -> None:
    jobs.enqueue(session, "toy.record", value=1)
    jobs.enqueue(session, "toy.record", value=2)
    session.commit()
    assert toy.CALLS == []
    assert jobs.status_counts(session) == {**EMPTY, "queued": 2}
    assert jobs.run_pending(limit=1) == 1
    assert jobs.run_pending() == 1
    assert jobs.run_pending() == 0
    assert toy.CALLS == [1, 2]
    assert jobs.status_counts(session) == {**EMPTY, "done": 2}


def test_a_job_enqueued_by_a_job_runs_too(session: Session, engine: Engine, toy) -> None:
    jobs.enqueue(session, "toy.enqueue_more", value=40)
    session.commit()
    assert toy.CALLS == [41]
    assert jobs.status_counts(session) == {**EMPTY, "done": 2}


def test_a_failing_job_is_retried_with_back_off_then_failed_with_its_error(
        session: Session, engine: Engine, toy, no_inline) -> None:
    jobs.enqueue(session, "toy.fail", value=7)
    session.commit()
    waits = []
    for expected_attempts in (1, 2):
        before = datetime.now(UTC)
        assert jobs.run_pending() == 1
        [job] = jobs_of(engine)
        assert (job.status, job.attempts) == ("todo", expected_attempts)
        assert job.scheduled_at is not None
        waits.append((job.scheduled_at - before).total_seconds())
        assert jobs.run_pending() == 0  # not due before its back-off ends
        make_due(engine)
    # retries=2 → three runs; back-off 2 s then 4 s (base 2)
    assert waits[0] == pytest.approx(2, abs=1.0)
    assert waits[1] == pytest.approx(4, abs=1.0)
    assert jobs.run_pending() == 1
    [job] = jobs_of(engine)
    assert (job.status, job.attempts) == ("failed", 3)
    assert jobs.run_pending() == 0
    assert jobs.status_counts(session) == {**EMPTY, "failed": 1}

    from smartgov.jobs.service import failed_jobs

    [failed] = failed_jobs(session)
    assert failed.task_name == "toy.fail" and failed.label == "总是失败"
    assert failed.args == {"value": 7} and failed.attempts == 3
    assert failed.error_line == "RuntimeError: boom 7"
    if engine.dialect.name == "postgresql":
        errors = session.execute(text("SELECT attempt, error FROM job_failure ORDER BY id")).all()
        assert [a for a, _ in errors] == [1, 2, 3]
        assert all(e.startswith("RuntimeError: boom 7") for _, e in errors)


def test_an_unregistered_task_fails_with_a_message(session: Session, engine: Engine, no_inline) -> None:
    jobs.enqueue(session, "toy.nobody_knows_me")
    session.commit()
    from smartgov.jobs.service import failed_jobs

    for _ in range(6):
        jobs.run_pending()
        make_due(engine)
    [failed] = failed_jobs(session)
    assert "未登记的任务" in failed.error


def test_arguments_must_be_json(session: Session, engine: Engine, toy) -> None:
    with pytest.raises(TypeError):
        jobs.enqueue(session, "toy.record", value=object())


def test_status_counts_and_the_command(session: Session, engine: Engine, toy, no_inline) -> None:
    jobs.enqueue(session, "toy.record", value="a")
    session.commit()
    assert jobs.run_pending() == 1  # one done
    jobs.enqueue(session, "toy.flaky", value=1)
    session.commit()
    assert jobs.run_pending() == 1  # retries=0: failed at once
    jobs.enqueue(session, "toy.record", value="b")
    jobs.enqueue(session, "toy.record", value="c")
    session.commit()  # two queued
    expected = {"queued": 2, "running": 0, "done": 1, "failed": 1}
    assert jobs.status_counts(session) == expected

    from smartgov.cli import app as cli

    result = CliRunner().invoke(cli, ["jobs", "status", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected
    table = CliRunner().invoke(cli, ["jobs", "status"])
    assert table.exit_code == 0
    for label in ("排队中", "执行中", "已完成", "失败"):
        assert label in table.output


def test_the_command_retries_a_failed_job(session: Session, engine: Engine, toy) -> None:
    jobs.enqueue(session, "toy.flaky", value=5)
    session.commit()
    [job] = jobs_of(engine)
    assert job.status == "failed"
    toy.FLAKY["fail"] = False
    from smartgov.cli import app as cli

    result = CliRunner().invoke(cli, ["jobs", "retry", str(job.id)])
    assert result.exit_code == 0, result.output
    assert toy.CALLS == [5]  # inline: ran again after the retry's commit
    assert jobs.status_counts(session) == {**EMPTY, "done": 1}
    again = CliRunner().invoke(cli, ["jobs", "retry", str(job.id)])
    assert again.exit_code == 1 and "只能重试失败的任务" in again.output
    missing = CliRunner().invoke(cli, ["jobs", "retry", "987654"])
    assert missing.exit_code == 1 and "任务不存在" in missing.output


def test_the_system_administrator_retries_a_failed_job(
        client: TestClient, session: Session, engine: Engine, toy) -> None:
    admin = UserFactory(roles=["system_admin"])
    jobs.enqueue(session, "toy.flaky", value=9)
    session.commit()
    [job] = jobs_of(engine)
    assert job.status == "failed"

    web_login(client, admin.username)
    page = client.get("/admin/jobs")
    assert page.status_code == 200
    for text_shown in ("后台任务", "时好时坏", "toy.flaky", "ValueError: not yet 9", "重试",
                       "排队中", "执行中", "已完成", "失败", "&#34;value&#34;: 9"):
        assert text_shown in page.text, text_shown
    assert 'href="/admin/jobs"' in page.text  # in the administrator's menu

    toy.FLAKY["fail"] = False
    done = client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": csrf_from(page.text)},
                       follow_redirects=False)
    assert done.status_code == 303
    assert toy.CALLS == [9]
    assert jobs.status_counts(session) == {**EMPTY, "done": 1}
    session.expire_all()
    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "jobs.retry")).all()
    assert (entry.actor_name, entry.object_id) == (admin.username, str(job.id))

    page = client.get("/admin/jobs")
    assert "没有失败的任务" in page.text
    token = csrf_from(page.text)
    assert client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": token},
                       follow_redirects=True).status_code == 200  # not failed: a message, no change
    for bad in ("abc", "0", "99999999999999999999999", "424242"):
        missing = client.post(f"/admin/jobs/{bad}/retry", data={"csrf_token": token},
                              follow_redirects=False)
        assert missing.status_code == 404 and "任务不存在" in missing.text
    assert client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": "wrong"}).status_code == 403


@pytest.mark.parametrize("role", ["handler", "security_admin", "audit_admin", "leader"])
def test_other_roles_may_not_see_or_retry_jobs(
        client: TestClient, session: Session, engine: Engine, toy, role: str) -> None:
    user = UserFactory(roles=[role])
    jobs.enqueue(session, "toy.flaky", value=3)
    session.commit()
    [job] = jobs_of(engine)
    _, _, token = web_login(client, user.username)
    assert client.get("/admin/jobs").status_code == 403
    refused = client.post(f"/admin/jobs/{job.id}/retry", data={"csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 403
    assert [j.status for j in jobs_of(engine)] == ["failed"]
    assert 'href="/admin/jobs"' not in client.get("/account").text
