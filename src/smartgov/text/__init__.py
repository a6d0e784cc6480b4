"""中文文本 helpers shared by every domain: jieba segmentation, SimHash and near-duplicate tests."""

from smartgov.text.similarity import (
    NEAR_IDENTICAL_JACCARD,
    SHINGLE_SKIP,
    SIMHASH_BITS,
    SIMHASH_PREFILTER,
    hamming,
    jaccard,
    near_duplicate,
    shingles,
    signed64,
    simhash,
    token_hash,
)
from smartgov.text.tokens import (
    SUMMARY_MAX_CHARS,
    TITLE_MAX_CHARS,
    add_words,
    join_fields,
    segment,
    summary_of,
    title_of,
)

__all__ = [
    "NEAR_IDENTICAL_JACCARD", "SHINGLE_SKIP", "SIMHASH_BITS", "SIMHASH_PREFILTER", "SUMMARY_MAX_CHARS",
    "TITLE_MAX_CHARS",
    "add_words", "hamming", "jaccard", "join_fields", "near_duplicate", "segment", "shingles", "signed64",
    "simhash", "summary_of", "title_of", "token_hash",
]
