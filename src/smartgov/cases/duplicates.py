"""Duplicate reports (并单建议): same class nearby and recent, or near-identical text in the grid."""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from smartgov.auth.principal import Principal
from smartgov.cases.models import Case
from smartgov.cases.workflow import OPEN_STATES, Status, action
from smartgov.config import get_settings
from smartgov.org.geo import distance_m

SIMHASH_BITS = 64
# SimHash of short Chinese texts moves several bits per added bigram, so it only pre-selects
# (Hamming distance ≤ 16 of 64); the bigram sets' Jaccard similarity then decides.
SIMHASH_PREFILTER = 16
NEAR_IDENTICAL_JACCARD = 0.6


@lru_cache(maxsize=200_000)
def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")


def _shingles(text: str) -> list[str]:
    chars = [c for c in text if not c.isspace() and c not in "，。！？、；：,.!?;:\"'“”‘’（）()"]
    return ["".join(chars[i : i + 2]) for i in range(len(chars) - 1)] or chars


def simhash(text: str) -> int:
    """64-bit SimHash over character bigrams (robust for Chinese without segmentation), signed."""
    tokens = _shingles(text)
    if not tokens:
        return 0
    hashes = np.array([_token_hash(t) for t in tokens], dtype=">u8")
    bits = np.unpackbits(hashes.view(np.uint8)).reshape(len(tokens), SIMHASH_BITS)
    keep = bits.sum(axis=0) * 2 > len(tokens)  # most significant bit first
    value = int.from_bytes(np.packbits(keep).tobytes(), "big")
    return value - (1 << 64) if value >= (1 << 63) else value


def jaccard(a: str | set[str], b: str) -> float:
    """Similarity of two texts as the overlap of their character bigrams (``a`` may be given as
    its bigram set already, when one text is compared with many)."""
    sa = a if isinstance(a, set) else set(_shingles(a))
    sb = set(_shingles(b))
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


_OPEN = [str(s) for s in OPEN_STATES]
# Built once: the duplicate check runs on every report, and building a statement costs more than
# running it on its index.
_SHOWN = (Case.id, Case.case_no, Case.title, Case.status)  # what a suggestion shows
_NEARBY = (
    select(*_SHOWN, Case.lon, Case.lat)
    .where(
        Case.category_id == bindparam("category_id"),
        Case.id != bindparam("case_id"),
        Case.status.in_(_OPEN),
        Case.reported_at >= bindparam("since"),
        Case.lon.between(bindparam("lon_min"), bindparam("lon_max")),
        Case.lat.between(bindparam("lat_min"), bindparam("lat_max")),
    )
    .order_by(Case.id.desc())
    .limit(50)
)
_SAME_GRID = (
    select(*_SHOWN, Case.simhash, Case.description)
    .where(
        Case.grid_id == bindparam("grid_id"),
        Case.id != bindparam("case_id"),
        Case.status.in_(_OPEN),
        Case.reported_at >= bindparam("since"),
        Case.simhash.is_not(None),
    )
    .order_by(Case.id.desc())
    .limit(500)
)


def find_duplicates(session: Session, case: Case, limit: int = 5) -> list[tuple[Any, str]]:
    """Open cases that may be the same problem (rows of id, case_no, title, status), with the
    reason ("nearby" or "same_text")."""
    settings = get_settings()
    since = case.reported_at - timedelta(hours=settings.duplicate_window_hours)
    found: dict[int, tuple[Any, str]] = {}  # case id → (row, why it may be the same problem)
    if case.category_id and case.lon is not None and case.lat is not None:
        dlat = settings.duplicate_radius_m / 111_320
        dlon = dlat / max(math.cos(math.radians(case.lat)), 0.01)
        nearby = session.execute(
            _NEARBY,
            {
                "category_id": case.category_id,
                "case_id": case.id,
                "since": since,
                "lon_min": case.lon - dlon,
                "lon_max": case.lon + dlon,
                "lat_min": case.lat - dlat,
                "lat_max": case.lat + dlat,
            },
        )
        for row in nearby:
            if distance_m(case.lon, case.lat, row.lon, row.lat) <= settings.duplicate_radius_m:
                found.setdefault(row.id, (row, "nearby"))
    if case.grid_id and case.simhash is not None:
        same_grid = session.execute(
            _SAME_GRID, {"grid_id": case.grid_id, "case_id": case.id, "since": since}
        )
        bigrams = set(_shingles(case.description))
        for row in same_grid:
            if (
                row.id not in found
                and hamming(case.simhash, row.simhash) <= SIMHASH_PREFILTER
                and jaccard(bigrams, row.description) >= NEAR_IDENTICAL_JACCARD
            ):
                found[row.id] = (row, "same_text")
    return [found[other_id] for other_id in sorted(found)[:limit]]


DUPLICATE_REASONS = {"nearby": "同类问题、位置相近", "same_text": "同一网格内描述几乎相同"}


def duplicate_suggestions(session: Session, case: Case, principal: Principal) -> list[dict]:
    """并单建议 for an open case, shown to those who may merge (the 并单 action's roles) and only
    among the cases they may see; merging stays a person's decision."""
    if not Status(case.status).is_open or not principal.has_any(*action("merge").roles):
        return []
    found = find_duplicates(session, case)
    if not found:
        return []
    from smartgov.cases.service import visibility_clause

    visible = set(
        session.scalars(
            select(Case.id).where(Case.id.in_([other.id for other, _ in found]), visibility_clause(principal))
        )
    )
    return [
        {
            "id": other.id,
            "case_no": other.case_no,
            "title": other.title,
            "status": other.status,
            "reason": DUPLICATE_REASONS[why],
        }
        for other, why in found
        if other.id in visible
    ]
