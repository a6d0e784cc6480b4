"""话题发现与追踪: incremental single-pass clustering over TF-IDF vectors of jieba words.

Each item's vector is term frequency × jieba's bundled IDF table (L2-normalised). An item joins the
most similar active topic when the cosine reaches ``join_at``, else it starts a topic; topics whose
centroids come within ``merge_at`` merge (the smaller into the larger), and a topic with nothing new
for ``cold_hours`` goes cold. A topic is labelled by its top keywords.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import islice

JOIN_AT = 0.35
MERGE_AT = 0.6
COLD_HOURS = 48.0
CENTROID_TERMS = 40  # a centroid keeps its strongest terms only
LABEL_TERMS = 3
VECTOR_TERMS = 20  # an item is represented by its strongest terms
INDEX_TERMS = 8  # a topic is found through its strongest terms …
QUERY_TERMS = 4  # … by an item's strongest terms
POSTINGS_SCANNED = 32  # of a common term, only the most recently active topics are compared
# Words that say nothing about a topic (虚词 and the platform's everyday words).
_STOPWORD_TEXT = """
的 了 在 是 我 有 和 就 不 人 都 一 一个 上 也 很 到 说 要 去 你 会
着 没有 看 好 自己 这 那 他 她 它 们 我们 你们 他们 什么 怎么 为什么 还
又 被 把 让 给 对 从 以 及 与 或 等 但 而 因为 所以 如果 已经 可以 没
吗 呢 吧 啊 请问 您好 你好 希望 问题 情况 反映 相关 有关 部门 领导 市民
现在 目前 这个 那个 一些 这样 非常 进行 能否 是否 关于 以及 其中
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=1)
def idf_table() -> tuple[dict[str, float], float]:
    """jieba's bundled IDF (逆文档频率) table and its median for unknown words."""
    import jieba.analyse

    tfidf = jieba.analyse.TFIDF()
    return tfidf.idf_freq, tfidf.median_idf


def is_keyword(word: str) -> bool:
    """A word that can name a topic: two characters or more, not a number, not a stop word."""
    return (
        len(word) >= 2
        and not word.replace(".", "").isdigit()
        and word not in STOPWORDS
        and any(ch.isalpha() for ch in word)
    )


def vectorise(words: Iterable[str]) -> dict[str, float]:
    """TF-IDF 向量 of a text's words (its ``VECTOR_TERMS`` strongest), L2-normalised (empty when no
    word qualifies)."""
    idf, median = idf_table()
    counts = Counter(w for w in words if is_keyword(w))
    vec = {w: n * idf.get(w, median) for w, n in counts.items()}
    if len(vec) > VECTOR_TERMS:
        vec = {w: vec[w] for w in top_terms(vec, VECTOR_TERMS)}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {w: v / norm for w, v in vec.items()} if norm else {}


def top_terms(vector: dict[str, float], n: int) -> list[str]:
    return [w for w, _ in sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]


@dataclass
class TopicState:
    """A topic in memory: summed vector (its centroid's direction), size and last activity."""

    id: int
    centroid: dict[str, float]
    count: int
    last_at: datetime | None = None
    first_at: datetime | None = None
    negative: int = 0
    merged_into: int | None = None
    touched: bool = False
    norm: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.norm = math.sqrt(sum(v * v for v in self.centroid.values()))

    def add(self, vector: dict[str, float]) -> None:
        for w, v in vector.items():
            self.centroid[w] = self.centroid.get(w, 0.0) + v
        if len(self.centroid) > CENTROID_TERMS * 2:
            keep = top_terms(self.centroid, CENTROID_TERMS)
            self.centroid = {w: self.centroid[w] for w in keep}
        self.norm = math.sqrt(sum(v * v for v in self.centroid.values()))
        self.count += 1

    @property
    def label(self) -> str:
        return " ".join(top_terms(self.centroid, LABEL_TERMS))

    def cosine(self, vector: dict[str, float]) -> float:
        if not self.norm:
            return 0.0
        get = self.centroid.get
        return sum([get(w, 0.0) * v for w, v in vector.items()]) / self.norm


class TopicTracker:
    """Single-pass clustering (单遍聚类) over a stream, with merging and cooling."""

    def __init__(
        self,
        topics: Iterable[TopicState] = (),
        *,
        join_at: float = JOIN_AT,
        merge_at: float = MERGE_AT,
        cold_hours: float = COLD_HOURS,
    ) -> None:
        self.join_at, self.merge_at, self.cold_after = join_at, merge_at, timedelta(hours=cold_hours)
        self.topics: dict[int, TopicState] = {}
        self._index: dict[str, dict[int, None]] = {}  # term → topics, most recently active last
        self._indexed: dict[int, set[str]] = {}
        self._next_new = -1  # topics born here get negative ids until stored
        self.merged: dict[int, int] = {}  # absorbed topic → the topic that absorbed it
        for t in topics:
            self._put(t)

    def _put(self, topic: TopicState) -> None:
        self.topics[topic.id] = topic
        self._index_terms(topic)

    def _index_terms(self, topic: TopicState) -> None:
        """Index a topic under its strongest terms only, so a lookup meets few candidates."""
        keep = set(top_terms(topic.centroid, INDEX_TERMS))
        for w in self._indexed.get(topic.id, set()) - keep:
            ids = self._index.get(w)
            if ids:
                ids.pop(topic.id, None)
        for w in keep:
            postings = self._index.setdefault(w, {})
            postings.pop(topic.id, None)
            postings[topic.id] = None  # moved to the end: the most recently active
        self._indexed[topic.id] = keep

    def _drop(self, topic_id: int) -> None:
        self.topics.pop(topic_id)
        for w in self._indexed.pop(topic_id, set()):
            ids = self._index.get(w)
            if ids:
                ids.pop(topic_id, None)

    def _candidates(self, vector: dict[str, float]) -> set[int]:
        found: set[int] = set()
        for w in top_terms(vector, QUERY_TERMS):
            postings = self._index.get(w)
            if postings:
                found.update(islice(reversed(postings), POSTINGS_SCANNED))
        return found

    def best(self, vector: dict[str, float]) -> tuple[TopicState | None, float]:
        """The most similar live topic and its cosine."""
        candidates = self._candidates(vector)
        best, best_sim = None, 0.0
        for tid in candidates:
            topic = self.topics.get(tid)
            if topic is None:
                continue
            sim = topic.cosine(vector)
            if sim > best_sim or (sim == best_sim and best is not None and tid < best.id):
                best, best_sim = topic, sim
        return best, best_sim

    def assign(
        self, vector: dict[str, float], at: datetime | None = None, *, negative: bool = False
    ) -> TopicState | None:
        """The topic an item joins (a new one when none is close enough); None for an empty vector."""
        if not vector:
            return None
        topic, sim = self.best(vector)
        if topic is None or sim < self.join_at:
            topic = TopicState(self._next_new, {}, 0, first_at=at)
            self._next_new -= 1
            self.topics[topic.id] = topic
        topic.add(vector)
        self._index_terms(topic)
        topic.touched = True
        topic.negative += int(negative)
        if at is not None and (topic.last_at is None or at > topic.last_at):
            topic.last_at = at
        if topic.first_at is None or (at is not None and at < topic.first_at):
            topic.first_at = at
        return topic

    def merge_close(self) -> list[tuple[int, int]]:
        """合并: each touched topic whose centroid is within ``merge_at`` of another joins the larger;
        returns (absorbed id, kept id) pairs."""
        merged: list[tuple[int, int]] = []
        for tid in [t.id for t in self.topics.values() if t.touched]:
            topic = self.topics.get(tid)
            if topic is None or not topic.norm:
                continue
            unit = {w: v / topic.norm for w, v in topic.centroid.items()}
            other, sim = self._best_other(unit, tid)
            if other is None or sim < self.merge_at:
                continue
            keep, gone = (
                (other, topic) if (other.count, -other.id) >= (topic.count, -topic.id) else (topic, other)
            )
            for w, v in gone.centroid.items():
                keep.centroid[w] = keep.centroid.get(w, 0.0) + v
            keep.count += gone.count
            keep.negative += gone.negative
            keep.add({})
            keep.count -= 1  # add({}) only re-trims and re-norms
            keep.touched = True
            if gone.last_at and (keep.last_at is None or gone.last_at > keep.last_at):
                keep.last_at = gone.last_at
            if gone.first_at and (keep.first_at is None or gone.first_at < keep.first_at):
                keep.first_at = gone.first_at
            gone.merged_into = keep.id
            self.merged[gone.id] = keep.id
            self._drop(gone.id)
            self._index_terms(keep)
            merged.append((gone.id, keep.id))
        return merged

    def _best_other(self, unit: dict[str, float], exclude: int) -> tuple[TopicState | None, float]:
        candidates = self._candidates(unit)
        candidates.discard(exclude)
        best, best_sim = None, 0.0
        for tid in sorted(candidates):
            other = self.topics.get(tid)
            if other is None:
                continue
            sim = other.cosine(unit)
            if sim > best_sim:
                best, best_sim = other, sim
        return best, best_sim

    def rekey(self, old: int, new: int) -> None:
        """A topic born here (negative id) takes the id it was stored under."""
        topic = self.topics.pop(old)
        topic.id = new
        self.topics[new] = topic
        terms = self._indexed.pop(old, set())
        self._indexed[new] = terms
        for w in terms:
            postings = self._index.setdefault(w, {})
            postings.pop(old, None)
            postings[new] = None

    def resolve(self, topic_id: int) -> int:
        """The live topic an id stands for now (following merges)."""
        seen = 0
        while topic_id in self.merged and seen < 10_000:
            topic_id, seen = self.merged[topic_id], seen + 1
        return topic_id

    def cool(self, at: datetime) -> list[int]:
        """变冷: topics with nothing new for ``cold_hours`` leave the tracker; returns their ids."""
        cold = [
            t.id for t in self.topics.values() if t.last_at is not None and at - t.last_at >= self.cold_after
        ]
        for tid in cold:
            self._drop(tid)
        return cold


def cluster(
    word_lists: Sequence[Sequence[str]],
    *,
    join_at: float = JOIN_AT,
    merge_at: float = MERGE_AT,
    merge_every: int = 200,
) -> list[int]:
    """Cluster texts given as word lists, in order and without labels: one cluster id per text (0 for a
    text without a keyword), following merges to the topic that absorbed a cluster."""
    tracker = TopicTracker(join_at=join_at, merge_at=merge_at)
    raw: list[int] = []
    for n, words in enumerate(word_lists, 1):
        topic = tracker.assign(vectorise(words))
        raw.append(topic.id if topic else 0)
        if n % merge_every == 0:
            tracker.merge_close()
            for t in tracker.topics.values():
                t.touched = False
    tracker.merge_close()
    return [tracker.resolve(t) for t in raw]
