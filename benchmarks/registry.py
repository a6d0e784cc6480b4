"""Population registry import and lookup at district scale (基础库导入与查询).

Writes N synthetic persons (valid GB 11643 check digits, households at standard addresses) to a
CSV file (not timed), imports the file into a fresh migrated SQLite database through the same
``registry.service.import_rows`` as the upload page (timed: CSV parsing, validation, address
library, bulk writes, one transaction), then times single lookups by ID number and by address.

Baseline beside it: the plain way, one ORM object per row and a flush per row, on the first
``--baseline`` rows, extrapolated linearly to N (it only gets slower as the table grows).

    .venv/bin/python benchmarks/registry.py [--persons 2000000] [--baseline 20000]

The last line is ``import_s=N lookup_p95_ms=N``.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
LOOKUPS = 2000


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94] * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=2_000_000)
    parser.add_argument(
        "--baseline", type=int, default=20_000, help="rows for the per-row ORM baseline (0: none)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="smartgov-bench-registry-"))
    os.environ["SMARTGOV_VAR_DIR"] = str(folder)
    from smartgov.config import reset_settings

    reset_settings()
    from smartgov.db import make_engine, session_factory, set_engine
    from smartgov.migrate import upgrade
    from smartgov.registry import service, synthetic

    path = folder / "persons.csv"
    started = time.perf_counter()
    pool = synthetic.addresses(max(args.persons // 3, 1))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = None
        for row in synthetic.persons(args.persons, address_pool=pool):
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
    print(
        f"generated persons={args.persons} file_mb={path.stat().st_size / 2**20:.0f} "
        f"s={time.perf_counter() - started:.1f}",
        file=sys.stderr,
    )

    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
    set_engine(engine)
    with session_factory()() as session, path.open(encoding="utf-8", newline="") as src:
        started, cpu = time.perf_counter(), time.process_time()
        report = service.import_rows(
            session,
            "person",
            csv.DictReader(src),
            filename=path.name,
            department_id=None,
            actor_name="benchmark",
        )
        import_s, import_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    assert report.accepted and report.inserted == args.persons, report.errors[:5]
    print(
        f"imported rows={report.inserted} import_s={import_s:.1f} import_cpu_s={import_cpu_s:.1f} "
        f"rows_per_s={report.inserted / import_s:,.0f}",
        file=sys.stderr,
    )

    rng = random.Random(5)
    with path.open(encoding="utf-8", newline="") as src:
        sample = [
            row for i, row in enumerate(csv.DictReader(src)) if i % max(args.persons // LOOKUPS, 1) == 0
        ]
    by_id: list[float] = []
    by_address: list[float] = []
    with session_factory()() as session:
        for row in sample[:LOOKUPS]:
            started = time.perf_counter()
            found = service.lookup_person(session, row["公民身份号码"])
            by_id.append(time.perf_counter() - started)
            assert found is not None
            started = time.perf_counter()
            people = service.persons_at_address(session, rng.choice(sample)["现住址"])
            by_address.append(time.perf_counter() - started)
            assert people
    engine.dispose()
    print(
        f"lookups={len(by_id)} by_id_p95_ms={_p95(by_id):.2f} by_address_p95_ms={_p95(by_address):.2f}",
        file=sys.stderr,
    )

    baseline = ""
    if args.baseline:
        baseline_s = _baseline(folder, path, args.baseline)
        per_row = baseline_s / args.baseline
        baseline = (f" baseline_orm_rows={args.baseline}"
                    f" baseline_orm_import_s_extrapolated={per_row * args.persons:.0f}")
    print(
        f"persons={args.persons} by_id_p95_ms={_p95(by_id):.2f} by_address_p95_ms={_p95(by_address):.2f}"
        f"{baseline}",
        file=sys.stderr,
    )
    print(f"import_s={import_s:.1f} lookup_p95_ms={max(_p95(by_id), _p95(by_address)):.2f}")
    return 0


def _baseline(folder: Path, path: Path, rows: int) -> float:
    """The plain way: validate a row, add one ORM Person (and its address) and flush, row by row."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from smartgov.db import make_engine
    from smartgov.migrate import upgrade
    from smartgov.registry import service
    from smartgov.registry.models import Person, RegAddress

    engine = make_engine(f"sqlite:///{folder / 'baseline.db'}")
    upgrade(engine)
    with Session(engine) as session, path.open(encoding="utf-8", newline="") as src:
        started = time.perf_counter()
        for i, raw in enumerate(csv.DictReader(src)):
            if i >= rows:
                break
            values, problems = service.person_values(raw)
            assert not problems
            text = values.pop("current_address")
            address = session.scalars(select(RegAddress).where(RegAddress.full_text == text)).first()
            if address is None:
                parts = service.parse_address(text)
                address = RegAddress(
                    **{k: parts[k] for k in ("full_text", "road", "number", "building", "unit", "room")}
                )
                session.add(address)
                session.flush()
            session.add(Person(**values, current_address_id=address.id))
            session.flush()
        session.commit()
        elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


if __name__ == "__main__":
    raise SystemExit(main())
