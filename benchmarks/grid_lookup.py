"""Point → unit grid lookups per second on the real Hangzhou 下城区 grids (one core).

Imports street/community/grid GeoJSON from ../shared/data/geo/hangzhou-xiacheng into a
temporary SQLite database through the same import code as ``smartgov geo import``, builds the
GridLocator from it and times random points inside the district outline:
the vectorised bulk path (STRtree.query on a points array) and single-point ``locate``.
The last line is ``lookups_per_s=N`` (bulk).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import contextlib  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import shapely  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT.parent / "shared" / "data" / "geo" / "hangzhou-xiacheng"
BULK_POINTS = 1_000_000
SINGLE_POINTS = 50_000
RUNS = 5


def random_points_inside(outline: shapely.Geometry, n: int, seed: int = 42) -> tuple[np.ndarray,
                                                                                       np.ndarray]:
    """``n`` uniformly random (lon, lat) inside ``outline`` (rejection sampling, vectorised)."""
    rng = np.random.default_rng(seed)
    min_x, min_y, max_x, max_y = outline.bounds
    shapely.prepare(outline)
    lons, lats = np.empty(0), np.empty(0)
    while len(lons) < n:
        x = rng.uniform(min_x, max_x, n)
        y = rng.uniform(min_y, max_y, n)
        keep = shapely.contains_xy(outline, x, y)
        lons, lats = np.concatenate([lons, x[keep]]), np.concatenate([lats, y[keep]])
    return lons[:n], lats[:n]


def main() -> int:
    if not (DATA / "grid.geojson").exists():
        print(f"skipped: shared data not found at {DATA} (the benchmark needs ../shared/data)")
        return 0
    sys.path.insert(0, str(REPO_ROOT / "src"))
    from sqlalchemy.orm import Session

    from smartgov.db import make_engine
    from smartgov.models import metadata
    from smartgov.org.geo import GridLocator, OutsideJurisdiction, parse_geometry
    from smartgov.org.service import import_geojson, load_feature_collection

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        metadata.create_all(engine)
        started = time.perf_counter()
        with Session(engine) as session:
            for level in ("street", "community", "grid"):
                import_geojson(session, DATA / f"{level}.geojson", level)
            session.commit()
            imported = time.perf_counter() - started
            started = time.perf_counter()
            locator = GridLocator.from_session(session)
            built = time.perf_counter() - started
        engine.dispose()

    boundary, _ = load_feature_collection(DATA / "boundary.geojson")
    outline = parse_geometry(boundary[0]["geometry"])
    lons, lats = random_points_inside(outline, BULK_POINTS)
    print(f"grids={len(locator)} import_s={imported:.2f} build_s={built:.3f} "
          f"fallback_m={locator.fallback_m:.0f}")

    locator.locate_many(lons[:10_000], lats[:10_000])  # warm-up
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = locator.locate_many(lons, lats)
        timings.append(time.perf_counter() - started)
    bulk_rate = BULK_POINTS / statistics.median(timings)
    inside = float((result.found & ~result.snapped).mean())
    snapped = float(result.snapped.mean())
    print(f"bulk: points={BULK_POINTS} runs={RUNS} median_s={statistics.median(timings):.3f} "
          f"in_grid={inside:.1%} snapped={snapped:.1%} outside={1 - inside - snapped:.1%}")

    started = time.perf_counter()
    for lon, lat in zip(lons[:SINGLE_POINTS].tolist(), lats[:SINGLE_POINTS].tolist(), strict=True):
        with contextlib.suppress(OutsideJurisdiction):
            locator.locate(lon, lat)
    single_rate = SINGLE_POINTS / (time.perf_counter() - started)
    print(f"single: points={SINGLE_POINTS} lookups_per_s={single_rate:,.0f}")
    print(f"lookups_per_s={bulk_rate:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
