"""Topic tracking over a stream: a topic forms, grows, merges with a close one, and goes cold."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from smartgov.opinion.topics import TopicState, TopicTracker, cluster, vectorise

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def v(*words: str) -> dict[str, float]:
    return vectorise(words)


def test_a_topic_forms_and_grows_and_a_different_one_starts_apart() -> None:
    tracker = TopicTracker(join_at=0.35)
    first = tracker.assign(v("地铁", "施工", "噪音", "扰民"), T0)
    second = tracker.assign(v("地铁", "施工", "噪音", "夜间"), T0 + timedelta(minutes=5))
    other = tracker.assign(v("学校", "食堂", "价格", "学生"), T0 + timedelta(minutes=6))
    assert first is second and first.count == 2
    assert other is not first
    assert first.last_at == T0 + timedelta(minutes=5) and first.first_at == T0
    assert first.label.split()[0] in {"地铁", "施工", "噪音"}


def test_two_topics_that_come_close_merge_into_the_larger() -> None:
    big = TopicState(1, dict(v("地铁", "施工", "噪音")), 5, T0, T0)
    small = TopicState(2, dict(v("地铁", "施工", "噪音", "工地")), 2, T0, T0)
    tracker = TopicTracker([big, small], merge_at=0.6)
    small.touched = True
    assert tracker.merge_close() == [(2, 1)]
    assert tracker.resolve(2) == 1 and set(tracker.topics) == {1}
    assert tracker.topics[1].count == 7


def test_a_topic_with_nothing_new_goes_cold_and_the_next_item_starts_a_new_one() -> None:
    tracker = TopicTracker(cold_hours=48)
    topic = tracker.assign(v("暴雨", "积水", "道路"), T0)
    assert tracker.cool(T0 + timedelta(hours=47)) == []
    assert tracker.cool(T0 + timedelta(hours=48)) == [topic.id]
    again = tracker.assign(v("暴雨", "积水", "道路"), T0 + timedelta(hours=49))
    assert again is not topic


def test_cluster_separates_two_subjects_without_labels() -> None:
    words = [
        ["地铁", "施工", "噪音"],
        ["地铁", "施工", "夜间", "噪音"],
        ["学校", "食堂", "价格"],
        ["学校", "食堂", "学生", "价格"],
        [],
    ]
    ids = cluster(words)
    assert ids[0] == ids[1] and ids[2] == ids[3] and ids[0] != ids[2] and ids[4] == 0
