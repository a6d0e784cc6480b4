"""Posts per second through the whole 舆情 pipeline on one core.

A fresh SQLite database with the demo district, over 5,000 sensitive terms (the built-in list plus
generated ones), a sentiment model trained on 3,000 ChnSentiCorp training reviews (the lexicon when
the shared data is absent), and posts made from the citizens' messages of
../shared/data/messages/messages_with_votes.csv (title and the first 140 characters of the text, a
微博-sized post; generated posts when absent). Stored first (not timed), then timed: clean, segment,
sensitive words, sentiment, SimHash near-duplicates, topic assignment, heat, region, 专题, alert rules
and the commit, in batches of 500 as the job runs them. Last line: ``posts_per_s=N``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ["SMARTGOV_JOBS_INLINE"] = "0"

import csv  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from _common import ROOT, fresh_database  # noqa: E402

POSTS = int(os.environ.get("OPINION_BENCH_POSTS", "6000"))
TERMS = 5_000
POST_CHARS = 140
DATA = ROOT.parent / "shared" / "data"


def posts(n: int) -> list[tuple[str, str]]:
    path = DATA / "messages" / "messages_with_votes.csv"
    rows: list[tuple[str, str]] = []
    if path.exists():
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                rows.append((row["留言主题"].strip(), " ".join(row["留言详情"].split())[:POST_CHARS]))
    if not rows:
        rng = random.Random(7)
        subjects = ["小区噪音扰民", "道路积水", "拖欠工资", "学校食堂价格", "地铁施工", "垃圾清运不及时"]
        rows = [
            (s, f"{s}，希望有关部门尽快处理，已经反映多次。")
            for s in (rng.choice(subjects) for _ in range(n))
        ]
    out = []
    for i in range(n):
        title, text = rows[i % len(rows)]
        out.append((title, text if i < len(rows) else f"{text}（{i}）"))
    return out


def main() -> None:
    fresh_database()
    from rich.console import Console

    from smartgov.db import now, session_scope
    from smartgov.demo import load_demo
    from smartgov.opinion import pipeline, sentiment
    from smartgov.opinion.models import OpinionSource, SensitiveTerm
    from smartgov.opinion.schemas import ItemIn
    from smartgov.opinion.service import ensure_defaults, store_items

    load_demo(console=Console(stderr=True, quiet=True))
    train_file = DATA / "sentiment" / "ChnSentiCorp_train.csv"
    if os.environ.get("OPINION_BENCH_TRAIN", "1") == "0":
        train_file = DATA / "missing"
    if train_file.exists():
        texts, labels = sentiment.read_labelled(train_file)
        model, _ = sentiment.train(texts[:3000], labels[:3000])
        sentiment.save(model)
    rng = random.Random(11)
    with session_scope() as session:
        ensure_defaults(session)
        have = session.query(SensitiveTerm).count()
        alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同"
        alphabet += "工也能下过子说产种面"
        made: set[str] = set()
        while len(made) < TERMS - have:
            made.add("".join(rng.choice(alphabet) for _ in range(rng.choice((3, 4)))) + "案")
        for term in made:
            session.add(SensitiveTerm(term=term, category="custom", weight=30))
        source = OpinionSource(code="bench", name="基准", kind="import", channel="weibo")
        session.add(source)
        session.flush()
        start = now() - timedelta(hours=2)
        items = [
            ItemIn(
                title=t,
                content=c,
                published_at=start + timedelta(seconds=i),
                reposts=i % 50,
                comments=i % 7,
                likes=i % 100,
            )
            for i, (t, c) in enumerate(posts(POSTS))
        ]
        store_items(session, source, items)
        terms = session.query(SensitiveTerm).count()
    from sqlalchemy import select

    from smartgov.opinion.models import OpinionItem

    with session_scope() as session:
        ids = list(session.scalars(select(OpinionItem.id).order_by(OpinionItem.id)))
        pipeline.resources(session)  # the automaton and gazetteer are built once, before timing
    began = time.perf_counter()
    for offset in range(0, len(ids), pipeline.BATCH):
        with session_scope() as session:
            pipeline.process(session, ids[offset : offset + pipeline.BATCH])
    elapsed = time.perf_counter() - began
    with session_scope() as session:
        from sqlalchemy import func

        done = session.scalar(
            select(func.count()).select_from(OpinionItem).where(OpinionItem.processed_at.is_not(None))
        )
        topics = session.scalar(select(func.count(func.distinct(OpinionItem.topic_id))))
    print(
        f"topics={topics} model={'trained' if train_file.exists() else 'lexicon'}",
        file=sys.stderr,
    )
    print(f"posts={done} terms={terms} seconds={elapsed:.2f} posts_per_s={done / elapsed:.0f}")


if __name__ == "__main__":
    main()
