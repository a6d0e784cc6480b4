"""Collection from a local HTTP server: an RSS feed and a list page with item pages, robots.txt obeyed,
one request per host per interval, conditional GET, each URL stored once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.opinion.collect import Fetcher, collect_source
from smartgov.opinion.models import OpinionItem, OpinionSource
from tests.opinion.conftest import OpinionWorld

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>示范区新闻</title>
<item><title>东湖街道道路改造完工</title><link>{base}/news/1</link><guid>n1</guid>
<pubDate>Mon, 30 Nov 2026 08:00:00 +0800</pubDate>
<description>东湖街道主干道改造完工，通行顺畅。</description></item>
<item><title>翠苑社区居民聚集反映停车难</title><link>{base}/news/2</link><guid>n2</guid>
<pubDate>Mon, 30 Nov 2026 09:00:00 +0800</pubDate>
<description>数十名居民聚集在社区门口反映停车难。</description></item>
</channel></rss>"""
LIST = """<html><body><a href="/post/1">帖子一</a><a href="/post/2">帖子二</a><a href="/secret/3">内部</a>
<a href="/about">关于</a></body></html>"""
POST = """<html><head><title>论坛</title>
<meta property="article:published_time" content="2026-11-30T10:00:00+08:00"></head>
<body><h1>帖子{n}</h1><p>翠苑社区第{n}条讨论，路灯坏了。</p></body></html>"""
ROBOTS = "User-agent: *\nDisallow: /secret/\n"


class Site:
    def __init__(self) -> None:
        self.hits: list[tuple[float, str, dict[str, str]]] = []
        self.feed_etag = '"v1"'


@pytest.fixture()
def site() -> Iterator[tuple[str, Site]]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            state.hits.append((time.monotonic(), self.path, dict(self.headers.items())))
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/robots.txt":
                body, ctype = ROBOTS, "text/plain"
            elif self.path == "/feed.xml":
                if self.headers.get("If-None-Match") == state.feed_etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                body, ctype = FEED.format(base=base), "application/rss+xml"
            elif self.path == "/list":
                body, ctype = LIST, "text/html"
            elif self.path.startswith("/post/"):
                body, ctype = POST.format(n=self.path.rsplit("/", 1)[1]), "text/html"
            else:
                self.send_response(404)
                self.end_headers()
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", f"{ctype}; charset=utf-8")
            self.send_header("ETag", state.feed_etag)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    server.server_close()


def test_rss_feed_is_collected_once_and_an_unchanged_feed_costs_a_304(
    world: OpinionWorld, session: Session, site: tuple[str, Site]
) -> None:
    base, state = site
    source = OpinionSource(code="rss1", name="示范区新闻", kind="rss", channel="news", url=f"{base}/feed.xml")
    session.add(source)
    session.commit()
    first = collect_source(session, source, Fetcher(min_interval=0))
    session.commit()
    assert (first.stored, first.duplicates) == (2, 0)
    items = session.scalars(select(OpinionItem).order_by(OpinionItem.id)).all()
    assert [i.url for i in items] == [f"{base}/news/1", f"{base}/news/2"]
    assert items[0].published_at.isoformat() == "2026-11-30T08:00:00+08:00"
    assert items[1].processed_at is not None and items[1].sensitive[0]["term"] == "聚集"
    again = collect_source(session, source, Fetcher(min_interval=0))
    session.commit()
    assert again.stored == 0
    assert state.hits[-1][2].get("If-None-Match") == '"v1"'
    state.feed_etag = '"v2"'
    third = collect_source(session, source, Fetcher(min_interval=0))
    session.commit()
    assert (third.stored, third.duplicates) == (0, 2)


def test_web_pages_obey_robots_and_the_per_host_interval(
    world: OpinionWorld, session: Session, site: tuple[str, Site]
) -> None:
    base, state = site
    source = OpinionSource(
        code="web1",
        name="本地论坛",
        kind="web",
        channel="forum",
        url=f"{base}/list",
        settings={"link_pattern": "/(post|secret)/"},
    )
    session.add(source)
    session.commit()
    result = collect_source(session, source, Fetcher(min_interval=0.3))
    session.commit()
    assert result.stored == 2
    paths = [p for _, p, _ in state.hits]
    assert "/secret/3" not in paths  # robots.txt forbids it
    assert paths == ["/robots.txt", "/list", "/post/1", "/post/2"]
    times = [t for t, _, _ in state.hits]
    assert all(b - a >= 0.29 for a, b in zip(times, times[1:], strict=False))
    titles = sorted(i.title for i in session.scalars(select(OpinionItem)))
    assert titles == ["帖子1", "帖子2"]
    assert (
        session.scalars(select(OpinionItem)).first().published_at.isoformat() == "2026-11-30T10:00:00+08:00"
    )


def test_an_unreachable_source_keeps_its_error(world: OpinionWorld, session: Session) -> None:
    source = OpinionSource(
        code="gone", name="失效源", kind="rss", channel="news", url="http://127.0.0.1:9/feed"
    )
    session.add(source)
    session.commit()
    assert collect_source(session, source, Fetcher(min_interval=0)).stored == 0
    assert "无法访问" in source.last_error
