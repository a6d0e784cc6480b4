"""一网通办 throughput and queue latency: full lifecycles per second on one core, then queue and
search p95 at 1,000,000 applications.

A lifecycle: create → submit → accept (promise, statute and three co-department timers start) →
three parallel opinions → review → decide → issue (certificate identifier, Ed25519 signature).
The plain baseline beside it: the same lifecycle without the parallel opinions (one department).

    python benchmarks/service_applications.py [--lifecycles 300] [--applications 1000000] [--runs 40]
                                              [--database-url postgresql://...]
Last line: lifecycles_per_s=N queue_p95_ms=N search_p95_ms=N
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta

from _common import ROOT, fresh_database  # noqa: F401  (puts src/ on the path)
from sqlalchemy import insert, select


def world(session):  # type: ignore[no-untyped-def]
    """Departments, staff, an enterprise and two items (joint and single), as plain rows."""
    from smartgov.auth.service import create_user, principal_for
    from smartgov.org.models import Department
    from smartgov.services.models import ServiceItem

    depts = {}
    for code in ("zhengwu", "lead", "tax", "police", "social", *(f"d{i}" for i in range(16))):
        depts[code] = Department(code=code, name=f"部门{code}")
        session.add(depts[code])
    session.flush()
    users = {}
    for name, role, dept in (
        ("clerk", "window_clerk", "zhengwu"),
        ("lead", "approver", "lead"),
        ("tax", "approver", "tax"),
        ("police", "approver", "police"),
        ("social", "approver", "social"),
    ):
        users[name] = create_user(
            session,
            username=name,
            password="Bench@2026sg",
            display_name=name,
            roles=[role],
            department_id=depts[dept].id,
        )
    users["company"] = create_user(
        session,
        username="company",
        password="Bench@2026sg",
        display_name="企业",
        roles=["enterprise"],
        is_staff=False,
        id_number="91330100MA2H7K8Q1X",
    )
    common = {
        "item_type": "行政许可",
        "department_id": depts["lead"].id,
        "audience": "both",
        "status": "published",
        "statutory_days": 20,
        "promised_days": 5,
        "materials": [],
        "form_fields": [],
        "certificate_type": {"code": "11100000000013338W001", "name": "许可证", "years": 5},
    }
    joint = ServiceItem(
        base_code="1",
        impl_code="JOINT",
        name="企业开办",
        version=1,
        **common,
        joint_departments=[{"code": c, "days": 3} for c in ("tax", "police", "social")],
    )
    single = ServiceItem(base_code="2", impl_code="SINGLE", name="个体工商户登记", version=1, **common)
    session.add_all([joint, single])
    session.commit()
    return (
        {k: principal_for(u, None, "bench", session=session) for k, u in users.items()},
        joint,
        single,
        depts,
    )


def lifecycles(session, p, item, n: int, joint: bool) -> float:  # type: ignore[no-untyped-def]
    """Run ``n`` lifecycles; the rate per second."""
    from smartgov.services import service
    from smartgov.services.schemas import ActionIn, ApplicationIn

    start = time.perf_counter()
    for _ in range(n):
        app = service.create(session, ApplicationIn(item_id=item.id), principal=p["company"])
        session.commit()
        for name, who, data in (("submit", "company", {}), ("accept", "clerk", {})):
            service.act(session, app, name, ActionIn(**data), principal=p[who])
        if joint:
            for who in ("tax", "police", "social"):
                service.act(session, app, "opinion", ActionIn(verdict="agree"), principal=p[who])
        service.act(session, app, "review", ActionIn(), principal=p["lead"])
        service.act(session, app, "decide", ActionIn(decision="approve"), principal=p["lead"])
        service.act(session, app, "issue", ActionIn(), principal=p["lead"])
        assert app.status == "completed"
    return n / (time.perf_counter() - start)


def fill(engine, depts, item_ids, total: int) -> None:  # type: ignore[no-untyped-def]
    """``total`` applications in every state over 20 departments, 100,000 applicants, by bulk insert."""
    from smartgov.db import now
    from smartgov.services.models import Applicant, Application, Opinion

    rng = random.Random(7)
    statuses = [
        "submitted",
        "supplement",
        "reviewing",
        "reviewing",
        "deciding",
        "issuing",
        "completed",
        "completed",
        "completed",
        "completed",
        "refused",
        "disapproved",
    ]
    dept_ids = [d.id for d in depts.values()]
    at = now()
    with engine.begin() as conn:
        conn.execute(
            insert(Applicant),
            [
                {
                    "kind": "person",
                    "name": f"{rng.choice('张王李赵刘陈杨黄周吴')}{i:06d}",
                    "id_type": "111",
                    "id_number": f"330102{i:012d}",
                }
                for i in range(100_000)
            ],
        )
        first_applicant = conn.execute(select(Applicant.id).order_by(Applicant.id).limit(1)).scalar_one()
        batch, opinions = [], []
        for i in range(total):
            batch.append(
                {
                    "number": f"2026{i:012d}",
                    "item_id": rng.choice(item_ids),
                    "applicant_id": first_applicant + rng.randrange(100_000),
                    "lead_department_id": rng.choice(dept_ids),
                    "channel": "online",
                    "status": rng.choice(statuses),
                    "form_data": {},
                    "materials": [],
                    "supplement_list": [],
                    "promised_materials": [],
                    "warning_level": rng.choice([0, 0, 0, 0, 1, 2, 3]),
                    "extended": False,
                    "search_text": "",
                    "created_at": at - timedelta(minutes=i),
                    "updated_at": at,
                    "version": 1,
                }
            )
            if len(batch) == 20_000:
                conn.execute(insert(Application), batch)
                batch = []
        if batch:
            conn.execute(insert(Application), batch)
        ids = conn.execute(select(Application.id).where(Application.status == "reviewing")).scalars().all()
        for app_id in ids[: len(ids) // 2]:
            opinions.append(
                {
                    "application_id": app_id,
                    "department_id": rng.choice(dept_ids),
                    "status": "pending",
                    "limit_days": 3,
                }
            )
        for start in range(0, len(opinions), 20_000):
            conn.execute(insert(Opinion), opinions[start : start + 20_000])


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=300)
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    engine = fresh_database(args.database_url)
    from smartgov.db import session_factory
    from smartgov.services import service

    session = session_factory()()
    p, joint, single, depts = world(session)
    lifecycles(session, p, joint, 10, True)  # warm-up
    rate = lifecycles(session, p, joint, args.lifecycles, True)
    baseline = lifecycles(session, p, single, args.lifecycles, False)
    print(
        f"lifecycles: {rate:.0f}/s with three parallel reviews; baseline {baseline:.0f}/s single department"
    )

    start = time.perf_counter()
    fill(engine, depts, [joint.id, single.id], args.applications)
    print(f"filled {args.applications} applications in {time.perf_counter() - start:.0f} s")
    session.expire_all()
    from smartgov.auth.service import principal_for
    from smartgov.org.models import Department

    d0 = session.scalar(select(Department).where(Department.code == "d0"))
    approver = principal_for(p["lead"].user, None, "bench", session=session)
    approver = type(approver)(**{**approver.__dict__, "department_id": d0.id})
    rng = random.Random(3)
    queue_ms, search_ms = [], []
    per: dict[str, list[float]] = {}
    for _ in range(args.runs):
        for who, queue in (
            (p["clerk"], "pending_accept"),
            (approver, "reviewing"),
            (approver, "parallel"),
            (p["clerk"], "overdue"),
            (approver, "deciding"),
        ):
            t = time.perf_counter()
            service.find(session, who, queue, None, 1, 20)
            queue_ms.append((time.perf_counter() - t) * 1000)
            per.setdefault(queue, []).append(queue_ms[-1])
        for kind, q in (
            ("number", f"2026{rng.randrange(args.applications):012d}"),
            ("id_number", f"330102{rng.randrange(100_000):012d}"),
            ("name", f"{rng.choice('张王李')}{rng.randrange(100_000):06d}"),
            ("item", "个体工商户登记"),
        ):
            t = time.perf_counter()
            service.find(session, p["clerk"], "all", q, 1, 20)
            search_ms.append((time.perf_counter() - t) * 1000)
            per.setdefault(f"search:{kind}", []).append(search_ms[-1])
    for name, samples in per.items():
        print(f"  {name}: p95 {p95(samples):.1f} ms")
    print(f"queue p95 {p95(queue_ms):.1f} ms, search p95 {p95(search_ms):.1f} ms over {args.runs} runs")
    print(
        f"lifecycles_per_s={rate:.0f} baseline_single_department_per_s={baseline:.0f} "
        f"queue_p95_ms={p95(queue_ms):.1f} search_p95_ms={p95(search_ms):.1f}"
    )


if __name__ == "__main__":
    main()
