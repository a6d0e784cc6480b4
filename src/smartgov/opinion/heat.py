"""热度 and 传播评价: volume, reposts, comments and likes with a recency decay; the spread index.

Weights are data (``opinion_setting`` rows ``heat`` and ``spread``); these are the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime

HEAT_WEIGHTS: dict[str, float] = {
    "volume": 1.0,
    "reposts": 2.0,
    "comments": 1.5,
    "likes": 0.5,
    "half_life_hours": 24.0,
}
SPREAD_WEIGHTS: dict[str, float] = {
    "channel": 0.2,
    "region": 0.1,
    "sensitivity": 0.3,
    "speed": 0.25,
    "reach": 0.15,
}
# 媒体渠道 weight in the spread index: how far a channel carries (0-1).
CHANNEL_REACH: dict[str, float] = {
    "news": 1.0,
    "weibo": 0.9,
    "wechat": 0.8,
    "video": 0.8,
    "forum": 0.6,
    "government": 0.5,
    "platform": 0.4,
    "other": 0.3,
}
CHANNEL_LABELS: dict[str, str] = {
    "news": "新闻网站",
    "weibo": "微博",
    "wechat": "微信",
    "video": "短视频",
    "forum": "论坛",
    "government": "政务平台",
    "platform": "本平台渠道",
    "other": "其他",
}


def decay(published_at: datetime, at: datetime, half_life_hours: float) -> float:
    """时间衰减: 1 when new, halved every ``half_life_hours`` (never above 1 for a future time)."""
    age = max(0.0, (at - published_at).total_seconds() / 3600.0)
    return 0.5 ** (age / half_life_hours) if half_life_hours > 0 else 1.0


def item_heat(
    *,
    volume: int,
    reposts: int,
    comments: int,
    likes: int,
    published_at: datetime,
    at: datetime,
    weights: Mapping[str, float] = HEAT_WEIGHTS,
) -> float:
    """热度 of an item: weighted log-counts (volume = copies of it seen) times the recency decay."""
    w = {**HEAT_WEIGHTS, **weights}
    raw = (
        w["volume"] * math.log1p(max(volume, 0))
        + w["reposts"] * math.log1p(max(reposts, 0))
        + w["comments"] * math.log1p(max(comments, 0))
        + w["likes"] * math.log1p(max(likes, 0))
    )
    return round(raw * decay(published_at, at, w["half_life_hours"]), 4)


def spread_index(
    *,
    channel: str,
    located: bool,
    sensitivity: int,
    per_hour: float,
    growth: float,
    reach: int,
    weights: Mapping[str, float] = SPREAD_WEIGHTS,
) -> dict[str, float]:
    """传播指数 0-100 and its parts (each 0-1): channel reach, region found, sensitivity, speed of spread
    (items per hour times its growth over the hour before; 100 an hour is full speed), reach (reposts,
    comments and likes)."""
    w = {**SPREAD_WEIGHTS, **weights}
    parts = {
        "channel": CHANNEL_REACH.get(channel, CHANNEL_REACH["other"]),
        "region": 1.0 if located else 0.0,
        "sensitivity": min(max(sensitivity, 0), 100) / 100.0,
        "speed": min(1.0, math.log1p(max(per_hour, 0.0) * max(growth, 1.0)) / math.log1p(100)),
        "reach": min(1.0, math.log1p(max(reach, 0)) / math.log1p(100_000)),
    }
    total = sum(w[k] for k in parts) or 1.0
    index = 100.0 * sum(w[k] * parts[k] for k in parts) / total
    return {"index": round(index, 1), **{k: round(v, 3) for k, v in parts.items()}}
