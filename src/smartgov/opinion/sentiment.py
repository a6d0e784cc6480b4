"""情感分析: a model trained here from labelled files (1 = 正面, 0 = 负面) and stored under var/models.

The model is TF-IDF over character 1-3 grams and a logistic regression whose strength C is chosen
on a held-out validation file; without a trained model a small built-in lexicon scores texts so the
pipeline still runs (its figures are printed by ``sentiment-eval --lexicon``).
"""

from __future__ import annotations

import csv
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from smartgov.config import get_settings

MODEL_FILE = "opinion_sentiment.pkl"
POSITIVE_AT = 0.6  # probability of 正面 at or above which a text is 正面
NEGATIVE_AT = 0.4  # at or below which it is 负面; between the two 中性
POLARITY_LABELS = {"positive": "正面", "neutral": "中性", "negative": "负面"}
C_GRID = (1.0, 4.0, 8.0, 16.0, 32.0)
MAX_TEXT_CHARS = 400  # a long article is judged by its opening

# The fallback lexicon (情感词表): a handful of common words, used only when no model is trained.
POSITIVE_WORDS = (
    "满意",
    "感谢",
    "点赞",
    "好评",
    "及时",
    "解决了",
    "辛苦",
    "表扬",
    "方便",
    "不错",
    "很好",
    "赞",
)
NEGATIVE_WORDS = (
    "投诉",
    "不满",
    "差",
    "扰民",
    "拖欠",
    "垃圾",
    "臭",
    "噪音",
    "无人管",
    "推诿",
    "愤怒",
    "腐败",
    "维权",
    "危险",
    "恶劣",
    "太慢",
    "失望",
    "堵",
    "污染",
    "违法",
)


class SentimentDataError(ValueError):
    """A training or evaluation file that cannot be read (columns label,text or label,review)."""


def polarity(probability: float) -> str:
    """正面 / 中性 / 负面 from the probability of 正面."""
    if probability >= POSITIVE_AT:
        return "positive"
    if probability <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def read_labelled(path: Path) -> tuple[list[str], list[int]]:
    """Rows of a CSV with columns ``label,text`` or ``label,review`` (1 = 正面, 0 = 负面)."""
    texts: list[str] = []
    labels: list[int] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            fields = reader.fieldnames or []
            column = "text" if "text" in fields else "review" if "review" in fields else None
            if "label" not in fields or column is None:
                raise SentimentDataError(f"{path}: 需要 label 列和 text 或 review 列")
            for row in reader:
                text, label = (row.get(column) or "").strip(), (row.get("label") or "").strip()
                if not text or label not in ("0", "1"):
                    continue
                texts.append(text)
                labels.append(int(label))
    except OSError as exc:
        raise SentimentDataError(f"{path}: 无法读取 ({exc.strerror})") from exc
    if not texts:
        raise SentimentDataError(f"{path}: 没有可用的样本")
    return texts, labels


def _cut(texts: Iterable[str]) -> list[str]:
    return [t[:MAX_TEXT_CHARS] for t in texts]


@dataclass
class SentimentModel:
    """A trained model and where it came from."""

    pipeline: object
    c: float
    trained_on: int

    def positive_probability(self, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        return [float(p) for p in self.pipeline.predict_proba(_cut(texts))[:, 1]]  # type: ignore[attr-defined]

    def predict(self, texts: Sequence[str]) -> list[int]:
        return [1 if p >= 0.5 else 0 for p in self.positive_probability(texts)]


def _pipeline(c: float):  # type: ignore[no-untyped-def]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True, max_features=300_000
        ),
        LogisticRegression(C=c, max_iter=2000),
    )


def train(
    texts: Sequence[str],
    labels: Sequence[int],
    *,
    validation: tuple[Sequence[str], Sequence[int]] | None = None,
    c_grid: Sequence[float] = C_GRID,
) -> tuple[SentimentModel, dict[float, float]]:
    """训练: fit on ``texts``; with a validation set, C is the grid value with the best macro-F1 there."""
    if len(set(labels)) < 2:
        raise SentimentDataError("训练数据需要同时包含正面 (1) 和负面 (0) 样本")
    scores: dict[float, float] = {}
    best_c = c_grid[len(c_grid) // 2]
    if validation is not None and len(set(validation[1])) == 2:
        from sklearn.metrics import f1_score

        for c in c_grid:
            pipe = _pipeline(c).fit(_cut(texts), list(labels))
            scores[c] = float(
                f1_score(list(validation[1]), pipe.predict(_cut(validation[0])), average="macro")
            )
        best_c = max(scores, key=lambda c: (scores[c], -c))
    pipe = _pipeline(best_c).fit(_cut(texts), list(labels))
    return SentimentModel(pipe, best_c, len(texts)), scores


def model_path() -> Path:
    return get_settings().models_dir / MODEL_FILE


def save(model: SentimentModel, path: Path | None = None) -> Path:
    """Store the model under var/models (written to a temporary file, then moved into place)."""
    target = path or model_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump(model, handle)
    tmp.replace(target)
    _loaded.clear()
    return target


_loaded: dict[Path, tuple[float, SentimentModel]] = {}


def load(path: Path | None = None) -> SentimentModel | None:
    """The stored model (re-read when the file changed), or None when none was trained."""
    target = path or model_path()
    try:
        mtime = target.stat().st_mtime
    except OSError:
        return None
    cached = _loaded.get(target)
    if cached and cached[0] == mtime:
        return cached[1]
    with target.open("rb") as handle:
        model = pickle.load(handle)  # noqa: S301 — our own file under var/models
    _loaded[target] = (mtime, model)
    return model


def lexicon_probability(text: str) -> float:
    """词表打分: 0.5 moved by each positive (+) and negative (-) word found, within 0.05-0.95."""
    score = sum(text.count(w) for w in POSITIVE_WORDS) - sum(text.count(w) for w in NEGATIVE_WORDS)
    return max(0.05, min(0.95, 0.5 + 0.15 * score))


def score(texts: Sequence[str], model: SentimentModel | None = None) -> list[float]:
    """Probability of 正面 for each text: the trained model's, else the lexicon's."""
    model = model or load()
    if model is None:
        return [lexicon_probability(t) for t in texts]
    return model.positive_probability(texts)


def evaluate(predicted: Sequence[int], truth: Sequence[int]) -> dict[str, float]:
    """accuracy and macro-F1 of predicted labels against the file's labels."""
    from sklearn.metrics import accuracy_score, f1_score

    return {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, average="macro")),
    }


def baselines(
    train_texts: Sequence[str], train_labels: Sequence[int], texts: Sequence[str], truth: Sequence[int]
) -> dict[str, dict[str, float]]:
    """The plain baselines on the same data: the majority class of the training labels, and TF-IDF
    over jieba words + logistic regression with default settings."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from smartgov.text import segment

    majority = 1 if sum(train_labels) * 2 >= len(train_labels) else 0
    words = make_pipeline(TfidfVectorizer(analyzer=segment), LogisticRegression(max_iter=1000))
    words.fit(list(train_texts), list(train_labels))
    return {
        "majority": evaluate([majority] * len(truth), truth),
        "word_tfidf_lr": evaluate(list(words.predict(list(texts))), truth),
    }
