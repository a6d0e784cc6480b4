"""地域识别: place names in a text (and the author's location) resolved to 街道, 社区 and 网格.

The gazetteer is built from the platform's own areas (org): each name and its short form without
the suffix (「东湖街道」 → 「东湖」) go into one Aho-Corasick automaton; the most specific place found
wins (网格 over 社区 over 街道), the longer name on a tie.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.org.models import Area

LEVEL_RANK = {"grid": 3, "community": 2, "street": 1, "district": 0}
SUFFIXES = ("街道办事处", "街道", "社区居委会", "社区", "网格", "区", "镇", "乡", "村")
MIN_SHORT_NAME = 2


@dataclass(frozen=True)
class Place:
    """A place found: the area and its ancestors (街道, 社区, 网格 ids) and the name read."""

    name: str
    level: str
    street_id: int | None
    community_id: int | None
    grid_id: int | None
    grid_code: str | None


def short_name(name: str) -> str:
    """The name without its administrative suffix (「东湖街道」 → 「东湖」), if two characters remain."""
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] if len(name) - len(suffix) >= MIN_SHORT_NAME else name
    return name


class Gazetteer:
    """地名库 over the areas of the platform."""

    def __init__(self, areas: list[tuple[int, str, str, int | None, str]]) -> None:
        """``areas``: (id, name, level, parent id, code) rows."""
        by_id = {a[0]: a for a in areas}
        self._auto = ahocorasick.Automaton()
        names: dict[str, Place] = {}
        for area_id, name, level, _parent, _code in areas:
            if level not in LEVEL_RANK or level == "district":
                continue
            chain: dict[str, tuple[int, str]] = {}
            current = by_id.get(area_id)
            hops = 0
            while current is not None and hops < 8:
                chain[current[2]] = (current[0], current[4])
                current = by_id.get(current[3]) if current[3] else None
                hops += 1
            place = Place(
                name,
                level,
                chain.get("street", (None, None))[0],
                chain.get("community", (None, None))[0],
                chain.get("grid", (None, None))[0],
                chain.get("grid", (None, None))[1],
            )
            for key in {name, short_name(name)}:
                known = names.get(key)
                if known is None or LEVEL_RANK[level] > LEVEL_RANK[known.level]:
                    names[key] = place
        for key, place in names.items():
            self._auto.add_word(key, (key, place))
        self.size = len(names)
        self.words = sorted(names)
        if names:
            self._auto.make_automaton()

    @classmethod
    def from_session(cls, session: Session) -> Gazetteer:
        rows = session.execute(select(Area.id, Area.name, Area.level, Area.parent_id, Area.code)).all()
        return cls([tuple(r) for r in rows])  # type: ignore[misc]

    def find(self, *texts: str | None) -> Place | None:
        """The most specific place named in the texts (the first text first on a tie)."""
        if not self.size:
            return None
        best: tuple[int, int, int] | None = None
        found: Place | None = None
        for order, text in enumerate(texts):
            if not text:
                continue
            for _end, (key, place) in self._auto.iter(text):
                rank = (LEVEL_RANK[place.level], len(key), -order)
                if best is None or rank > best:
                    best, found = rank, place
        return found
