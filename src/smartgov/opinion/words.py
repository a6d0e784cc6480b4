"""敏感词匹配: one Aho-Corasick automaton over every term and its variants (繁体, 全角, 夹杂符号, 拼音).

A text is first normalised (全角 → 半角, upper → lower, 繁体 → 简体 character by character, and every
character that is not a letter, digit or 汉字 dropped, so 「贪.污」「貪污」「ｔａｎ污」 read as written);
the automaton then finds each term, its full pinyin and its pinyin initials (``tw`` for 贪污) in one
pass. A pinyin variant only counts as a whole Latin word, so ``tw`` never fires inside ``twitter``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

# The four categories of the seed (维稳, 群体性事件, 贪污腐败, 社会治安); custom ones use their own name.
CATEGORY_LABELS: dict[str, str] = {
    "stability": "维稳",
    "mass_incident": "群体性事件",
    "corruption": "贪污腐败",
    "public_security": "社会治安",
}
MIN_PINYIN_INITIALS = 2  # shorter initials would match ordinary abbreviations


def category_label(code: str) -> str:
    """The Chinese name of a category (a custom category is named by itself)."""
    return CATEGORY_LABELS.get(code, code)


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """繁体 → 简体 for single characters, from zhconv's zh-cn dictionary (one table, built once)."""
    import zhconv

    mapping = zhconv.zhconv.getdict("zh-cn")
    return {ord(k): v for k, v in mapping.items() if len(k) == 1 and len(v) == 1 and k != v}


_DROP = re.compile(r"[\W_]+")  # what is not a letter, digit or 汉字


def normalise(text: str) -> str:
    """规范化: NFKC (全角 → 半角), lower case, 繁体 → 简体, only letters, digits and 汉字 kept."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_t2s_table())
    return _DROP.sub("", text)


def _pinyin_variants(term: str) -> list[str]:
    """Full pinyin (``tanwu``) and initials (``tw``) of a term written in 汉字 only."""
    if not term or not all("\u4e00" <= ch <= "\u9fff" for ch in term):
        return []
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(term))
    initials = "".join(p[0] for p in lazy_pinyin(term, style=Style.FIRST_LETTER) if p)
    out = [full]
    if len(initials) >= MIN_PINYIN_INITIALS and initials != full:
        out.append(initials)
    return out


@dataclass(frozen=True)
class Hit:
    """命中: the term of a category found, and the variant text that matched it."""

    term: str
    category: str
    weight: int
    matched: str
    variant: str  # exact | pinyin

    def as_dict(self) -> dict[str, object]:
        return {
            "term": self.term,
            "category": self.category,
            "weight": self.weight,
            "matched": self.matched,
            "variant": self.variant,
        }


class SensitiveMatcher:
    """An automaton over (term, category, weight) rows and their variants."""

    def __init__(self, terms: Iterable[tuple[str, str, int]]) -> None:
        self._auto = ahocorasick.Automaton()
        entries: dict[str, list[tuple[str, str, int, str]]] = {}
        for term, category, weight in terms:
            key = normalise(term)
            if not key:
                continue
            entries.setdefault(key, []).append((term, category, weight, "exact"))
            for variant in _pinyin_variants(key):
                entries.setdefault(variant, []).append((term, category, weight, "pinyin"))
        for key, rows in entries.items():
            self._auto.add_word(key, (key, tuple(rows)))
        self.size = len(entries)
        if entries:
            self._auto.make_automaton()

    def find(self, text: str) -> list[Hit]:
        """Every term of every category in ``text`` (once per term and category)."""
        if not self.size or not text:
            return []
        norm = normalise(text)
        seen: set[tuple[str, str]] = set()
        hits: list[Hit] = []
        for end, (key, rows) in self._auto.iter(norm):
            if key.isascii():
                start = end - len(key) + 1
                before = norm[start - 1] if start > 0 else ""
                after = norm[end + 1] if end + 1 < len(norm) else ""
                if (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha()):
                    continue  # a pinyin variant counts only as a whole Latin word
            for term, category, weight, variant in rows:
                if (term, category) in seen:
                    continue
                seen.add((term, category))
                hits.append(Hit(term, category, weight, key, variant))
        return hits


def sensitivity(hits: Iterable[Hit]) -> int:
    """敏感度 0-100: the strongest match plus a tenth of the others, capped at 100."""
    weights = sorted((h.weight for h in hits), reverse=True)
    if not weights:
        return 0
    return min(100, weights[0] + sum(weights[1:]) // 10)
