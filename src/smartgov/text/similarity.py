"""Near-duplicate texts (近似重复): character bigrams, SimHash fingerprints and their distances.

SimHash of short Chinese texts moves several bits per added bigram, so it only pre-selects
(Hamming distance ≤ ``SIMHASH_PREFILTER`` of 64); the bigram sets' Jaccard similarity decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Set
from functools import lru_cache

import numpy as np

SIMHASH_BITS = 64
SIMHASH_PREFILTER = 16
NEAR_IDENTICAL_JACCARD = 0.6
# Left out of shingles: whitespace and these punctuation marks (Chinese and ASCII).
SHINGLE_SKIP = "，。！？、；：,.!?;:\"'“”‘’（）()"

_MASK64 = (1 << SIMHASH_BITS) - 1


@lru_cache(maxsize=200_000)
def token_hash(token: str) -> int:
    """64-bit hash of a token (词元哈希): BLAKE2b with an 8-byte digest, read big-endian."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")


def shingles(text: str) -> list[str]:
    """字符二元组: overlapping character bigrams without whitespace and punctuation; a text of
    one character is that character, an empty one none."""
    chars = [c for c in text if not c.isspace() and c not in SHINGLE_SKIP]
    return ["".join(chars[i : i + 2]) for i in range(len(chars) - 1)] or chars


def signed64(value: int) -> int:
    """An unsigned 64-bit value in the signed form a BIGINT column stores (有符号存储)."""
    return value - (1 << SIMHASH_BITS) if value >= (1 << (SIMHASH_BITS - 1)) else value


def simhash(text: str, hash_token: Callable[[str], int] = token_hash) -> int:
    """SimHash 指纹 of a text over its character bigrams (no segmentation needed), signed 64-bit:
    a bit is set when more than half of the bigrams' hashes have it set; 0 for an empty text."""
    tokens = shingles(text)
    if not tokens:
        return 0
    hashes = np.array([hash_token(t) for t in tokens], dtype=">u8")
    bits = np.unpackbits(hashes.view(np.uint8)).reshape(len(tokens), SIMHASH_BITS)
    keep = bits.sum(axis=0) * 2 > len(tokens)  # most significant bit first
    return signed64(int.from_bytes(np.packbits(keep).tobytes(), "big"))


def hamming(a: int, b: int) -> int:
    """汉明距离: how many of the 64 bits differ between two fingerprints, signed or not."""
    return ((a ^ b) & _MASK64).bit_count()


def _bigram_set(text: str | Set[str]) -> Set[str]:
    return set(shingles(text)) if isinstance(text, str) else text


def jaccard(a: str | Set[str], b: str | Set[str]) -> float:
    """Jaccard 相似度 of two texts' character bigrams (either may be given as its bigram set,
    when one text is compared with many); 0 when neither has any."""
    sa, sb = _bigram_set(a), _bigram_set(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


def near_duplicate(hash_a: int, hash_b: int, a: str | Set[str], b: str | Set[str], *,
                   max_distance: int = SIMHASH_PREFILTER,
                   min_jaccard: float = NEAR_IDENTICAL_JACCARD) -> bool:
    """近似重复: fingerprints within ``max_distance`` bits and then, checked only for those,
    bigram Jaccard of the texts at least ``min_jaccard``."""
    return hamming(hash_a, hash_b) <= max_distance and jaccard(a, b) >= min_jaccard
