"""p95 latency of the workbench queues, text search and the performance page at 1,000,000 cases.

Builds (or reuses, with --db) a SQLite file holding the demo district and N generated historical
cases, then times the same service calls the pages make, for a district-wide duty chief, a
department handler and a grid inspector. With --database-url the same runs on PostgreSQL (the
database is rebuilt when it holds fewer cases: its public schema is dropped!).

    python benchmarks/case_queries.py [--cases 1000000] [--db /tmp/smartgov-1m.db] [--runs 30]
                                      [--database-url postgresql://...]
Last line: queue_p95_ms=N search_p95_ms=N kpi_ms=N
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

from _common import ROOT  # noqa: F401  (puts src/ on the path)
from sqlalchemy import func, select, text


def build(url: str, cases: int) -> None:
    from _common import empty_database, load_demo

    empty_database(url)
    load_demo()
    from rich.console import Console

    from smartgov.cases.demo import generate_cases

    start = time.perf_counter()
    generate_cases(cases, seed=11, console=Console(stderr=True))
    print(f"generated {cases} cases in {time.perf_counter() - start:.0f} s")


def cases_held(url: str) -> int:
    """How many cases the database holds (0 when it has no schema yet)."""
    from smartgov.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM case_record")).scalar_one()
    except Exception:  # no table yet
        return 0
    finally:
        engine.dispose()


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/smartgov-bench-queries.db"))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (rebuilt if short of cases)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{args.db}"
    os.environ.setdefault("SMARTGOV_VAR_DIR", str(args.db.parent / "smartgov-bench-var"))
    from smartgov.config import reset_settings

    reset_settings()
    from smartgov.cases.models import Case
    from smartgov.db import make_engine, session_factory, set_engine

    if cases_held(url) < args.cases:
        build(url, args.cases)
    set_engine(make_engine(url))

    from smartgov.auth.models import User
    from smartgov.auth.service import principal_for
    from smartgov.cases.queries import CaseFilter, find_cases, queue_counts

    rng = random.Random(5)
    with session_factory()() as session:
        total = session.scalar(select(func.count()).select_from(Case))
        principals = [
            principal_for(session.scalar(select(User).where(User.username == name)), session=session)
            for name in ("chief", "handler", "inspector")
        ]
        queue_ms: list[float] = []
        for _ in range(args.runs):
            for principal in principals:
                for queue in ("handle", "verify", "file", "dispatch", "warning", "overdue", "all"):
                    start = time.perf_counter()
                    find_cases(session, principal, CaseFilter(queue=queue))
                    queue_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                queue_counts(session, principal)
                queue_ms.append((time.perf_counter() - start) * 1000)
        search_ms: list[float] = []
        words = ["垃圾", "路灯不亮", "占道经营", "井盖", "噪音", "消防通道", "渣土", "小广告", "人行道"]
        for _ in range(args.runs):
            for principal in principals:
                q = rng.choice(words)
                start = time.perf_counter()
                find_cases(session, principal, CaseFilter(queue="all", q=q))
                search_ms.append((time.perf_counter() - start) * 1000)
        kpi_ms = measure_kpi(session)
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"backend={backend} cases={total} queue_samples={len(queue_ms)} search_samples={len(search_ms)}")
    print(f"queue_p95_ms={p95(queue_ms):.0f} search_p95_ms={p95(search_ms):.0f} kpi_ms={kpi_ms:.0f}")


def measure_kpi(session) -> float:  # type: ignore[no-untyped-def]
    """The performance page as it opens (this month so far), every tab; prints each and the year.

    Returns the slowest tab of the default page, in ms."""
    from datetime import timedelta

    from smartgov.cases.kpi import service as kpi
    from smartgov.db import now

    month = kpi.parse_period(None, None)
    timings = {}
    subjects = ("department", "inspector", "operator", "duty_chief", "dispatcher", "street", "grid",
                "hotline")
    for key in subjects:
        start = time.perf_counter()
        kpi.build_report(session, key, month)
        timings[key] = (time.perf_counter() - start) * 1000
    year = kpi.Period(now() - timedelta(days=365), now())
    start = time.perf_counter()
    kpi.build_report(session, "department", year)
    year_ms = (time.perf_counter() - start) * 1000
    print("kpi this month: " + " ".join(f"{k}={v:.0f}ms" for k, v in timings.items()))
    print(f"kpi department over a whole year: {year_ms:.0f}ms")
    return max(timings.values())


if __name__ == "__main__":
    main()
