"""Cases per second end to end (intake and every follow-up job finished), against the raw insert
rate of the same rows.

Each case goes the whole way a real report goes: grid lookup (STRtree), classification, stage
clocks on the working calendar, audit, the duplicate check and the routing job queued in the
report's own transaction; the clock stops when the last queued job (直派 by the catalogue) has
run on the job engine. The raw figure inserts the same rows (case, reporter, event, clock,
audit, and the routing's event/clock/notification) with plain INSERTs and two commits per case,
so the ratio shows what the platform's logic costs.

    python benchmarks/case_intake.py [--n 2000] [--database-url postgresql://...]
Last line: cases_per_s=N raw_insert_per_s=N ratio=0.xx
"""

from __future__ import annotations

import argparse
import random
import time

from _common import fresh_database, load_demo
from sqlalchemy import insert, select


def run(n: int, url: str | None) -> tuple[float, float]:
    engine = fresh_database(url)
    load_demo()
    from smartgov import jobs
    from smartgov.auth.principal import ANONYMOUS
    from smartgov.cases import service
    from smartgov.cases.duplicates import find_duplicates
    from smartgov.cases.models import Case, Category
    from smartgov.cases.schemas import CaseIntake, Source
    from smartgov.db import session_factory
    from smartgov.domains import JOB_MODULES
    from smartgov.org.models import Area

    jobs.load_task_modules(JOB_MODULES)
    factory = session_factory()
    rng = random.Random(7)
    with factory() as session:
        codes = [code for code, attributes in session.execute(
            select(Category.code, Category.attributes).where(Category.level == "minor"))
            if not any(a.get("required") for a in attributes or [])]  # no 附加信息 to fill in
        grids = session.execute(
            select(Area.center_lon, Area.center_lat).where(Area.level == "grid")
        ).all()
    payloads = [
        CaseIntake(
            source=Source.PORTAL,
            category_code=rng.choice(codes),
            description=f"第{i}号反映：小区门口垃圾堆放多日无人清理，散发臭味",
            lon=g[0] + rng.uniform(-0.0003, 0.0003),
            lat=g[1] + rng.uniform(-0.0003, 0.0003),
            reporter_phone="13900000000",
        )
        for i, g in enumerate(rng.choice(grids) for _ in range(n))
    ]

    # warm-up: locator, calendar caches, imports
    for data in payloads[:20]:
        with factory() as session:
            service.intake(session, data, principal=ANONYMOUS)
    jobs.run_pending()
    start = time.perf_counter()
    for data in payloads:
        with factory() as session:
            case = service.intake(session, data, principal=ANONYMOUS, client_addr="127.0.0.1")
            find_duplicates(session, case)
    queued = time.perf_counter() - start
    ran = jobs.run_pending()
    intake_s = time.perf_counter() - start
    with factory() as session:
        left = jobs.status_counts(session)
    print(f"intake_s={queued:.2f} jobs_s={intake_s - queued:.2f} jobs_run={ran} "
          f"queued_left={left['queued']} failed={left['failed']}")

    # the same rows through plain INSERTs, with the same two commits per case
    from smartgov.auth.models import AuditEntry
    from smartgov.cases.models import CaseReporter
    from smartgov.inbox.models import Notification
    from smartgov.workclock.models import WorkTimer
    from smartgov.workflow.models import TimelineEvent

    with factory() as session:
        sample = session.scalars(select(Case).order_by(Case.id.desc()).limit(1)).one()
        columns = {c.key: getattr(sample, c.key) for c in Case.__table__.columns if c.key != "id"}
        next_id = sample.id + 1
    rows_per_case = []
    for i in range(n):
        row = dict(
            columns, id=next_id + i, case_no=f"R{next_id + i}", tracking_code=f"R{next_id + i}"
        )
        rows_per_case.append(row)
    clock_state = {"segments": []}
    start = time.perf_counter()
    with engine.connect() as conn:
        for row in rows_per_case:
            with conn.begin():
                conn.execute(insert(Case), row)
                conn.execute(
                    insert(CaseReporter),
                    {"case_id": row["id"], "source": "portal", "reported_at": row["reported_at"]},
                )
                conn.execute(
                    insert(TimelineEvent),
                    {
                        "subject_type": "case",
                        "subject_id": row["id"],
                        "actor_name": "x",
                        "action": "collect",
                        "at": row["reported_at"],
                    },
                )
                conn.execute(
                    insert(WorkTimer),
                    {
                        "subject_type": "case",
                        "subject_id": row["id"],
                        "stage": "verify",
                        "limit_text": "1wh",
                        "state": clock_state,
                        "started_at": row["reported_at"],
                    },
                )
                conn.execute(
                    insert(AuditEntry),
                    {"action": "case.intake", "actor_name": "x", "at": row["reported_at"]},
                )
            with conn.begin():
                conn.execute(
                    insert(TimelineEvent),
                    {
                        "subject_type": "case",
                        "subject_id": row["id"],
                        "actor_name": "x",
                        "action": "auto_dispatch",
                        "at": row["reported_at"],
                    },
                )
                conn.execute(
                    insert(WorkTimer),
                    {
                        "subject_type": "case",
                        "subject_id": row["id"],
                        "stage": "handle",
                        "limit_text": "1wd",
                        "state": clock_state,
                        "started_at": row["reported_at"],
                    },
                )
                conn.execute(
                    insert(Notification),
                    {
                        "subject_type": "case",
                        "subject_id": row["id"],
                        "kind": "dispatched",
                        "message": "x",
                        "created_at": row["reported_at"],
                    },
                )
    raw_s = time.perf_counter() - start
    engine.dispose()
    return n / intake_s, n / raw_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL URL (its public schema is dropped and rebuilt!)",
    )
    args = parser.parse_args()
    backend = "postgresql" if args.database_url else "sqlite"
    cases_per_s, raw_per_s = run(args.n, args.database_url)
    print(f"backend={backend} cases={args.n}")
    print(
        f"cases_per_s={cases_per_s:.0f} raw_insert_per_s={raw_per_s:.0f} "
        f"ratio={cases_per_s / raw_per_s:.2f}"
    )


if __name__ == "__main__":
    main()
