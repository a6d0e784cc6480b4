"""分析流水线: clean → segment → sensitive words → sentiment → near-duplicates → topic → heat → region →
专题 → alert rules, for a batch of items in one transaction (run by the job ``opinion.process``)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smartgov.db import now
from smartgov.opinion import alerts, heat, sentiment, subjects, topics
from smartgov.opinion.models import (
    OpinionItem,
    OpinionSetting,
    OpinionSubject,
    OpinionTopic,
    SensitiveTerm,
    SubjectItem,
)
from smartgov.opinion.region import Gazetteer
from smartgov.opinion.words import SensitiveMatcher, sensitivity
from smartgov.org.models import Area, Department
from smartgov.text import add_words, near_duplicate, segment, shingles, simhash

BATCH = 500
RECENT_FOR_DUPLICATES = 3000  # recent items a new one is compared with (近似重复)
DUPLICATE_WINDOW_HOURS = 72
KEYWORDS_PER_ITEM = 8
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """清洗: HTML tags and entities out, whitespace collapsed."""
    if not text:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def setting(session: Session, key: str, default: dict) -> dict:
    """A configurable parameter group (with its defaults filled in)."""
    row = session.get(OpinionSetting, key)
    return {**default, **(row.value if row else {})}


@dataclass
class Resources:
    """What the pipeline reads once and reuses: the automaton, the gazetteer, their signatures."""

    matcher: SensitiveMatcher
    gazetteer: Gazetteer
    words_sig: tuple
    areas_sig: tuple


_cache: dict[str, Resources] = {}


def resources(session: Session) -> Resources:
    """The sensitive-word automaton and gazetteer, rebuilt only when the terms or areas changed."""
    words_sig = tuple(
        session.execute(
            select(
                func.count(SensitiveTerm.id), func.max(SensitiveTerm.id), func.sum(SensitiveTerm.weight)
            ).where(SensitiveTerm.is_active.is_(True))
        ).one()
    )
    areas_sig = tuple(
        session.execute(select(func.count(Area.id), func.max(Area.id), func.sum(Area.revision))).one()
    )
    key = str(session.get_bind().url)
    cached = _cache.get(key)
    if cached and cached.words_sig == words_sig and cached.areas_sig == areas_sig:
        return cached
    if cached and cached.words_sig == words_sig:
        matcher = cached.matcher
    else:
        rows = session.execute(
            select(SensitiveTerm.term, SensitiveTerm.category, SensitiveTerm.weight).where(
                SensitiveTerm.is_active.is_(True)
            )
        ).all()
        matcher = SensitiveMatcher(rows)
    gazetteer = Gazetteer.from_session(session)
    add_words(gazetteer.words)  # 用户词典: place and department names stay whole
    add_words(session.scalars(select(Department.name)).all())
    res = Resources(matcher, gazetteer, words_sig, areas_sig)
    _cache[key] = res
    return res


_trackers: dict[str, tuple[tuple, dict, topics.TopicTracker]] = {}


def _topics_signature(session: Session) -> tuple:
    """What changes when anyone writes active topics (count, newest id, latest activity, sizes)."""
    row = session.execute(
        select(
            func.count(OpinionTopic.id),
            func.max(OpinionTopic.id),
            func.max(OpinionTopic.last_at),
            func.sum(OpinionTopic.item_count),
        ).where(OpinionTopic.status == "active")
    ).one()
    return tuple(row)


def _load_tracker(session: Session, cfg: dict) -> topics.TopicTracker:
    """The live topics: kept in memory between batches of this process while nobody else wrote
    topics (the signature tells), else read from the database."""
    key = str(session.get_bind().url)
    cached = _trackers.pop(key, None)  # taken: a failed batch never leaves a half-updated tracker
    if cached is not None and cached[1] == cfg and cached[0] == _topics_signature(session):
        return cached[2]
    rows = session.execute(
        select(
            OpinionTopic.id,
            OpinionTopic.centroid,
            OpinionTopic.item_count,
            OpinionTopic.last_at,
            OpinionTopic.first_at,
            OpinionTopic.negative_count,
        ).where(OpinionTopic.status == "active")
    ).all()
    states = [topics.TopicState(r[0], dict(r[1] or {}), r[2], r[3], r[4], r[5]) for r in rows]
    return topics.TopicTracker(
        states, join_at=cfg["join_at"], merge_at=cfg["merge_at"], cold_hours=cfg["cold_hours"]
    )


def _keep_tracker(session: Session, cfg: dict, tracker: topics.TopicTracker) -> None:
    for topic in tracker.topics.values():
        topic.touched = False
    tracker.merged.clear()
    session.flush()
    _trackers[str(session.get_bind().url)] = (_topics_signature(session), dict(cfg), tracker)


TOPIC_DEFAULTS = {"join_at": topics.JOIN_AT, "merge_at": topics.MERGE_AT, "cold_hours": topics.COLD_HOURS}


def _recent(session: Session, at: datetime, exclude: set[int]) -> list[tuple[int, int, str, int | None]]:
    rows = session.execute(
        select(
            OpinionItem.id,
            OpinionItem.simhash,
            OpinionItem.title,
            OpinionItem.content,
            OpinionItem.duplicate_of_id,
        )
        .where(
            OpinionItem.processed_at.is_not(None),
            OpinionItem.simhash.is_not(None),
            OpinionItem.published_at >= at - timedelta(hours=DUPLICATE_WINDOW_HOURS),
        )
        .order_by(OpinionItem.id.desc())
        .limit(RECENT_FOR_DUPLICATES)
    ).all()
    return [(r[0], r[1], f"{r[2] or ''} {r[3]}", r[4]) for r in rows if r[0] not in exclude]


class DuplicateIndex:
    """近似重复 lookup: SimHash bands (16 bits each) pre-select, the kernel's near_duplicate decides."""

    def __init__(self) -> None:
        self._bands: dict[tuple[int, int], list[int]] = {}
        self._items: dict[int, tuple[int, str, int | None]] = {}
        self._grams: dict[int, set[str]] = {}  # bigrams, made only for items a band pre-selects

    @staticmethod
    def _keys(h: int) -> list[tuple[int, int]]:
        u = h & ((1 << 64) - 1)
        return [(b, (u >> (16 * b)) & 0xFFFF) for b in range(4)]

    def add(self, item_id: int, h: int, text: str, original: int | None) -> None:
        self._items[item_id] = (h, text, original)
        for key in self._keys(h):
            self._bands.setdefault(key, []).append(item_id)

    def original_of(self, h: int, text: str) -> int | None:
        """The original (first seen) item this text repeats, or None."""
        grams = None
        for key in self._keys(h):
            for other in self._bands.get(key, ()):
                oh, otext, original = self._items[other]
                grams = grams if grams is not None else set(shingles(text))
                ograms = self._grams.get(other)
                if ograms is None:
                    ograms = self._grams[other] = set(shingles(otext))
                if near_duplicate(h, oh, grams, ograms):
                    return original or other
        return None


def process(session: Session, item_ids: Sequence[int], at: datetime | None = None) -> list[int]:
    """Run the pipeline over the unprocessed items among ``item_ids``; returns the alert ids raised.

    The caller commits (the job does); everything found is written in its transaction.
    """
    at = at or now()
    items = session.scalars(
        select(OpinionItem)
        .where(OpinionItem.id.in_(list(item_ids)), OpinionItem.processed_at.is_(None))
        .order_by(OpinionItem.published_at, OpinionItem.id)
    ).all()
    if not items:
        return []
    res = resources(session)
    heat_w = setting(session, "heat", heat.HEAT_WEIGHTS)
    topic_cfg = setting(session, "topics", TOPIC_DEFAULTS)
    tracker = _load_tracker(session, topic_cfg)
    cold = tracker.cool(at)
    if cold:
        session.execute(update(OpinionTopic).where(OpinionTopic.id.in_(cold)).values(status="cold"))
    texts = [clean(f"{i.title or ''}\n{i.content}") for i in items]
    probabilities = sentiment.score(texts)
    dup = DuplicateIndex()
    batch_ids = {i.id for i in items}
    for rid, h, text, original in _recent(session, at, batch_ids):
        dup.add(rid, h, text, original)
    active_subjects = [
        (s.id, subjects.parse(s.expression))
        for s in session.scalars(select(OpinionSubject).where(OpinionSubject.is_active.is_(True))).all()
    ]
    volume_bumps: dict[int, int] = {}
    item_topic: dict[int, topics.TopicState] = {}
    for item, text, prob in zip(items, texts, probabilities, strict=True):
        words = segment(text)
        hits = res.matcher.find(text)
        item.sensitive = [h.as_dict() for h in hits] or None
        item.sensitivity = sensitivity(hits)
        item.sentiment = round(prob, 4)
        item.polarity = sentiment.polarity(prob)
        h = simhash(text)
        item.simhash = h
        original = dup.original_of(h, text)
        item.duplicate_of_id = original
        dup.add(item.id, h, text, original)
        vector = topics.vectorise(words)
        item.keywords = topics.top_terms(vector, KEYWORDS_PER_ITEM) or None
        topic = tracker.assign(vector, item.published_at, negative=item.polarity == "negative")
        if topic is not None:
            item_topic[item.id] = topic
        volume = 1
        if original is not None:
            volume_bumps[original] = volume_bumps.get(original, 0) + 1
        item.heat = heat.item_heat(
            volume=volume,
            reposts=item.reposts,
            comments=item.comments,
            likes=item.likes,
            published_at=item.published_at,
            at=at,
            weights=heat_w,
        )
        place = res.gazetteer.find(text, item.author_location)
        if place is not None:
            item.street_id, item.community_id, item.grid_id, item.place = (
                place.street_id,
                place.community_id,
                place.grid_id,
                place.name,
            )
        normalised = subjects.normalise(text)
        for subject_id, tree in active_subjects:
            if tree.matches(normalised):
                session.add(SubjectItem(subject_id=subject_id, item_id=item.id))
        item.processed_at = at
    merged = tracker.merge_close()
    wanted = [t.id for t in tracker.topics.values() if t.touched and t.id > 0] + [
        g for g, _ in merged if g > 0
    ]
    stored = (
        {t.id: t for t in session.scalars(select(OpinionTopic).where(OpinionTopic.id.in_(wanted)))}
        if wanted
        else {}
    )
    touched = _store_topics(session, tracker, stored, merged, item_topic, items, at)
    _bump_originals(session, volume_bumps, at, heat_w)
    session.flush()
    raised = alerts.check(session, items, touched, at)
    _keep_tracker(session, topic_cfg, tracker)
    return [a.id for a in raised]


def _store_topics(
    session: Session,
    tracker: topics.TopicTracker,
    stored: dict[int, OpinionTopic],
    merged: list[tuple[int, int]],
    item_topic: dict[int, topics.TopicState],
    items: Sequence[OpinionItem],
    at: datetime,
) -> list[int]:
    """Write new and changed topics; items of a merged topic follow it to the one that absorbed it."""
    live = [t for t in tracker.topics.values() if t.touched]
    absorbed = [tid for tid, _ in merged]
    rows: dict[int, OpinionTopic] = {}
    for state in live:
        row = stored.get(state.id)
        if row is None:
            row = OpinionTopic(first_at=state.first_at or at, last_at=state.last_at or at, heat=0.0)
            session.add(row)
        row.centroid = {w: round(v, 5) for w, v in state.centroid.items()}
        row.keywords = topics.top_terms(state.centroid, 10)
        row.label = state.label or "未命名话题"
        row.item_count = state.count
        row.negative_count = state.negative
        row.last_at = state.last_at or at
        row.first_at = state.first_at or row.first_at
        row.status = "active"
        rows[state.id] = row
    session.flush()
    new_ids = {sid: row.id for sid, row in rows.items()}
    for gone, keep in merged:
        keep_id = new_ids.get(tracker.resolve(keep), tracker.resolve(keep))
        if gone in stored:
            stored[gone].status = "merged"
            stored[gone].merged_into_id = keep_id
            session.execute(update(OpinionItem).where(OpinionItem.topic_id == gone).values(topic_id=keep_id))
    for item in items:
        state = item_topic.get(item.id)
        if state is not None:
            tid = tracker.resolve(state.id)
            item.topic_id = new_ids.get(tid, tid if tid > 0 else None)
    gained: dict[int, float] = {}
    for item in items:
        if item.topic_id:
            gained[item.topic_id] = gained.get(item.topic_id, 0.0) + item.heat
    for gone, keep in merged:
        if gone in stored and tracker.resolve(keep) in rows:
            gained[rows[tracker.resolve(keep)].id] = gained.get(rows[tracker.resolve(keep)].id, 0.0) + (
                stored[gone].heat or 0.0
            )
    for row in rows.values():
        row.heat = round((row.heat or 0.0) + gained.get(row.id, 0.0), 4)  # 话题热度: its items' heat
    gone_ids = {stored[t].id for t in absorbed if t in stored}
    for sid, row in rows.items():
        if sid < 0:
            tracker.rekey(sid, row.id)
    return [row.id for row in rows.values() if row.id not in gone_ids]


def _bump_originals(session: Session, bumps: dict[int, int], at: datetime, weights: dict) -> None:
    """An original's heat grows with the copies (reposts) of it found (转载量)."""
    for original_id in bumps:
        item = session.get(OpinionItem, original_id)
        if item is None:
            continue
        copies = (
            session.scalar(
                select(func.count())
                .select_from(OpinionItem)
                .where(OpinionItem.duplicate_of_id == original_id)
            )
            or 0
        )
        item.heat = heat.item_heat(
            volume=1 + int(copies),
            reposts=item.reposts,
            comments=item.comments,
            likes=item.likes,
            published_at=item.published_at,
            at=at,
            weights=weights,
        )
