"""采集: RSS/Atom feeds and web pages (list page → item pages), politely.

Polite means: robots.txt is read and obeyed for our user agent, one request per host at most every
``min_interval`` seconds (a source's setting, default 1 s), and the feed or list page is fetched with
``If-None-Match`` / ``If-Modified-Since`` so an unchanged one costs a 304. Items are stored once per URL.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.db import now, session_scope
from smartgov.opinion.models import OpinionSource
from smartgov.opinion.schemas import ItemIn, PushResult
from smartgov.opinion.service import store_items

USER_AGENT = "smartgov-opinion/1.0"
TIMEOUT_S = 15
MAX_BYTES = 5_000_000
MAX_ITEMS_PER_POLL = 200


class CollectError(Exception):
    """A fetch that failed (kept as the source's last error)."""


@dataclass
class Fetcher:
    """HTTP GET with robots.txt and a per-host pause between requests (礼貌采集)."""

    min_interval: float = 1.0
    _robots: dict[str, urllib.robotparser.RobotFileParser | None] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)  # the URLs fetched, in order

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        host = f"{parts.scheme}://{parts.netloc}"
        if host not in self._robots:
            parser = urllib.robotparser.RobotFileParser(f"{host}/robots.txt")
            try:
                status, body, _ = self._get(f"{host}/robots.txt", {})
                parser.parse(body.decode("utf-8", "replace").splitlines() if status == 200 else [])
            except CollectError:
                parser.parse([])
            self._robots[host] = parser
        robots = self._robots[host]
        return robots is None or robots.can_fetch(USER_AGENT, url)

    def _wait(self, host: str) -> None:
        last = self._last.get(host)
        if last is not None:
            pause = self.min_interval - (time.monotonic() - last)
            if pause > 0:
                time.sleep(pause)
        self._last[host] = time.monotonic()

    def _get(self, url: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        self._wait(urlsplit(url).netloc)
        self.requests.append(url)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:  # noqa: S310 — http(s) only
                return response.status, response.read(MAX_BYTES), dict(response.headers.items())
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return 304, b"", dict(exc.headers.items())
            raise CollectError(f"HTTP {exc.code}: {url}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise CollectError(f"无法访问 {url}: {exc}") from exc

    def get(self, url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        if not url.startswith(("http://", "https://")):
            raise CollectError(f"只支持 http(s) 地址: {url}")
        if not self.allowed(url):
            raise CollectError(f"robots.txt 不允许采集: {url}")
        return self._get(url, headers or {})


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    return parsed if parsed.tzinfo else None


class _PageText(HTMLParser):
    """Title (h1, else <title>), paragraph text and links of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.h1 = ""
        self.paragraphs: list[str] = []
        self.links: list[str] = []
        self.time = ""
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "time" and values.get("datetime"):
            self.time = values["datetime"] or ""
        if tag == "meta" and values.get("property") == "article:published_time":
            self.time = values.get("content") or ""
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        text = data.strip()
        if not text or not self._in:
            return
        tag = self._in[-1]
        if tag == "title":
            self.title += text
        elif tag == "h1":
            self.h1 += text
        elif tag == "p":
            self.paragraphs.append(text)


def parse_page(body: bytes) -> _PageText:
    page = _PageText()
    page.feed(body.decode("utf-8", "replace"))
    return page


def _feed_items(body: bytes) -> list[ItemIn]:
    import feedparser

    parsed = feedparser.parse(body)
    items: list[ItemIn] = []
    for entry in parsed.entries[:MAX_ITEMS_PER_POLL]:
        content = entry.get("summary") or ""
        if entry.get("content"):
            content = entry["content"][0].get("value") or content
        title = entry.get("title")
        if not (content or title):
            continue
        stamp = entry.get("published") or entry.get("updated")
        items.append(
            ItemIn(
                url=entry.get("link"),
                external_id=entry.get("id"),
                title=(title or "")[:300] or None,
                content=(re.sub(r"<[^>]+>", " ", content).strip() or title or "")[:20_000],
                author=(entry.get("author") or None),
                published_at=_when(stamp),
            )
        )
    return items


def _web_items(fetcher: Fetcher, source: OpinionSource, body: bytes) -> list[ItemIn]:
    settings = source.settings or {}
    pattern = re.compile(settings.get("link_pattern") or ".")
    page = parse_page(body)
    urls: list[str] = []
    for href in page.links:
        url = urljoin(source.url or "", href)
        if pattern.search(url) and url not in urls and url.startswith(("http://", "https://")):
            urls.append(url)
    items: list[ItemIn] = []
    for url in urls[:MAX_ITEMS_PER_POLL]:
        try:
            status, item_body, _ = fetcher.get(url)
        except CollectError:
            continue
        if status != 200:
            continue
        item = parse_page(item_body)
        content = "\n".join(item.paragraphs).strip()
        if not content:
            continue
        items.append(
            ItemIn(
                url=url,
                title=(item.h1 or item.title)[:300] or None,
                content=content[:20_000],
                published_at=_when(item.time),
            )
        )
    return items


def collect_source(session: Session, source: OpinionSource, fetcher: Fetcher | None = None) -> PushResult:
    """采集一次: fetch a feed or list page (conditionally) and store its new items; the caller commits."""
    settings = source.settings or {}
    fetcher = fetcher or Fetcher(min_interval=float(settings.get("min_interval", 1.0)))
    headers = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    source.last_polled_at = now()
    try:
        status, body, response_headers = fetcher.get(source.url or "", headers)
    except CollectError as exc:
        source.last_error = str(exc)[:1000]
        return PushResult(received=0, stored=0, duplicates=0)
    source.last_error = None
    if status == 304:
        return PushResult(received=0, stored=0, duplicates=0)
    lower = {k.lower(): v for k, v in response_headers.items()}
    source.etag = lower.get("etag")
    source.last_modified = lower.get("last-modified")
    items = _feed_items(body) if source.kind == "rss" else _web_items(fetcher, source, body)
    return store_items(session, source, items)


def collect_due(at: datetime | None = None) -> int:
    """Poll every active feed and page whose interval has passed; returns the items stored."""
    at = at or now()
    stored = 0
    with session_scope() as session:
        ids = session.scalars(
            select(OpinionSource.id).where(
                OpinionSource.is_active.is_(True), OpinionSource.kind.in_(("rss", "web"))
            )
        ).all()
    for source_id in ids:
        with session_scope() as session:
            source = session.get(OpinionSource, source_id)
            if source is None:
                continue
            due = source.last_polled_at is None or at - source.last_polled_at >= timedelta(
                minutes=source.interval_minutes
            )
            if due:
                stored += collect_source(session, source).stored
    return stored
