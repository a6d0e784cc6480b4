"""绩效评分 shared by every domain: rates, volume bands, weighted totals, grades and their settings."""

from smartgov.scoring.config import ScoreConfig, Weights, parse_bands, parse_grades
from smartgov.scoring.formulas import (
    DEFAULT_BANDS,
    DEFAULT_GRADES,
    Bands,
    Grades,
    band_score,
    grade_of,
    inverse,
    pct,
    rate,
    weighted_score,
)

__all__ = [
    "DEFAULT_BANDS", "DEFAULT_GRADES", "Bands", "Grades", "ScoreConfig", "Weights", "band_score",
    "grade_of", "inverse", "parse_bands", "parse_grades", "pct", "rate", "weighted_score",
]
