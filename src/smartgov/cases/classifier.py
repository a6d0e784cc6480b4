"""Learned dispatch suggester for free-text requests (智能派遣建议：热线、网络留言).

A linear SVM over TF-IDF character 1–3-grams of the text (raw counts), plus the label taxonomy's
terms (二级/三级分类, e.g. "噪音污染" → 环境保护) as short extra documents when given.

Chosen by validation that mirrors unseen requests: rows are split by *group*, never one by one.
Groups are clusters of near-duplicate messages (the same complaint filed again, character-bigram
cosine ≥ 0.5), so a message and its re-filing never sit on both sides of a split; closed cases
are split by time instead (the newest held out). The SVM's C is chosen by grouped
cross-validation on the training part only, and the held-out figures come from rows that model
selection never saw. What did not help on held-out folds of 1,829 real messages was dropped:
jieba word features, sublinear TF, a separate title view and self-training on unlabelled
messages (unlabelled texts are still deduplicated and counted, not learned from).

Confidences are a softmax over the SVM's decision scores, its scale fitted on out-of-fold scores,
so they sum to 1 over all labels.
"""

from __future__ import annotations

import csv
import json
import math
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, vstack

from smartgov.text import join_fields

MODEL_DIRNAME = "dispatch"
MODEL_FILE = "suggester.joblib"
META_FILE = "suggester.json"
# 2: character n-grams only, C chosen by grouped CV (1 was char + jieba words + title views).
FORMAT_VERSION = 2
OTHER_TERM = "其他"
# Messages at least this similar (character-bigram TF-IDF cosine) are one group in every split.
DUPLICATE_SIMILARITY = 0.5

StepCallback = Callable[[str], None]


class DispatchModelError(ValueError):
    """Training data or a model file the suggester cannot use; the message says why."""


@dataclass(frozen=True)
class Suggestion:
    """One suggested label (派遣建议) with its confidence in [0, 1]."""

    label: str
    confidence: float


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters (训练参数); chosen by grouped CV on real messages, C again per training."""

    char_ngrams: tuple[int, int] = (1, 3)
    svm_c: float = 3.0
    # Candidates for C, compared by grouped cross-validation when the training runs it.
    c_candidates: tuple[float, ...] = (1.0, 3.0, 10.0)
    selection_folds: int = 3
    term_weight: float = 1.0
    score_scale: float = 6.0
    # From this many training texts on, n-grams seen in one text only are left out.
    min_df_from: int = 500


@dataclass
class EvalReport:
    """Grouped cross-validated figures of the suggester and of the plain baseline (交叉验证结果)."""

    samples: int
    labels: list[str]
    folds: int
    seed: int
    unlabelled: int
    terms: int
    model_accuracy: float
    model_macro_f1: float
    baseline_accuracy: float | None = None
    baseline_macro_f1: float | None = None
    score_scale: float | None = None
    seconds: float = 0.0
    per_label_f1: dict[str, float] = field(default_factory=dict)
    # Share of out-of-fold predictions at or above each confidence level, and their accuracy.
    reliability: dict[str, dict[str, float]] = field(default_factory=dict)
    protocol: str = ""
    groups: int = 0
    # The C of each fold's model (nested CV: chosen inside the fold) or the one chosen.
    chosen_c: list[float] = field(default_factory=list)


@dataclass
class HeldOutReport:
    """Figures on rows that neither training nor model selection saw (留出集验证)."""

    protocol: str
    train_size: int
    samples: int
    model_accuracy: float
    model_macro_f1: float
    baseline_accuracy: float
    baseline_macro_f1: float
    per_label_f1: dict[str, float] = field(default_factory=dict)


# --- text handling -------------------------------------------------------------------------

# The words view's analyzer in format-1 models: kept so that their files still unpickle.
def _split_words(doc: str) -> list[str]:
    return doc.split()


def _dedupe_keys(text: str) -> set[str]:
    """Keys that identify the same message re-filed under another number (同一留言)."""
    norm = " ".join(text.split())
    keys = {"x:" + norm}
    head, _, body = text.strip().partition("\n")
    if len(head.strip()) >= 6:
        keys.add("t:" + head.strip())
    body = "".join(body.split())
    if len(body) >= 20:
        keys.add("b:" + body[:50])
    return keys


def dedupe_unlabelled(unlabelled: Sequence[str], labelled: Sequence[str]) -> list[str]:
    """Unlabelled texts minus those that duplicate a labelled one (by text, title or body)."""
    seen: set[str] = set()
    for text in labelled:
        seen |= _dedupe_keys(text)
    kept = []
    for text in unlabelled:
        keys = _dedupe_keys(text)
        if text.strip() and not keys & seen:
            kept.append(text)
            seen.add(next(k for k in keys if k.startswith("x:")))
    return kept


def near_duplicate_groups(texts: Sequence[str], threshold: float = DUPLICATE_SIMILARITY,
                          chunk: int = 2000) -> np.ndarray:
    """重复诉求分组: one group id per text; texts whose character-bigram TF-IDF cosine reaches
    ``threshold`` share a group (transitively), so no split separates a message from its re-filing."""
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(texts)
    try:
        X = TfidfVectorizer(analyzer="char", ngram_range=(2, 2), dtype=np.float32).fit_transform(
            ["".join(t.split()) for t in texts])
    except ValueError:  # no text has two characters: nothing can be a duplicate
        return np.arange(n)
    rows, cols = [], []
    for lo in range(0, n, chunk):
        sims = (X[lo:lo + chunk] @ X.T).tocoo()
        keep = sims.data >= threshold
        rows.append(sims.row[keep] + lo)
        cols.append(sims.col[keep])
    r, c = np.concatenate(rows), np.concatenate(cols)
    graph = csr_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def time_blocks(n: int, blocks: int = 10) -> np.ndarray:
    """Group ids of ``n`` rows in time order (oldest first): ``blocks`` contiguous periods."""
    return np.arange(n) * blocks // max(n, 1)


class Featurizer:
    """TF-IDF character n-grams of a request (字符 n 元组, raw counts, L2-normalised)."""

    def __init__(self, config: TrainingConfig) -> None:
        self.ngrams = tuple(config.char_ngrams)
        self.min_df_from = config.min_df_from
        self.char: Any = None

    def fit_transform(self, texts: Sequence[str]) -> csr_matrix:
        """Fit the vocabulary and IDF on ``texts`` (no labels involved) and return their features."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        min_df = 2 if len(texts) >= self.min_df_from else 1
        self.char = TfidfVectorizer(analyzer="char", ngram_range=self.ngrams, min_df=min_df,
                                    dtype=np.float32)
        X = self.char.fit_transform(texts)
        self.char.stop_words_ = None  # the pruned n-grams are only needed for introspection
        return X

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        return self.char.transform(texts)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The features of one text as (column indices, values), equal to ``transform`` but
        without scikit-learn's per-call validation: the dispatch-time path (< 1 ms)."""
        analyzer, vocabulary, idf = self.__dict__.get("_fast") or self._build_fast()
        counts = _vocab_counts(analyzer(text), vocabulary)
        if not counts:
            return np.empty(0, dtype=np.int64), np.empty(0)
        cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        vals = np.fromiter(counts.values(), dtype=np.float64, count=len(counts)) * idf[cols]
        norm = math.sqrt(float(vals @ vals))
        return cols, (vals / norm if norm else vals)

    def _build_fast(self) -> tuple[Any, ...]:
        fast = (self.char.build_analyzer(), self.char.vocabulary_, self.char.idf_.astype(np.float64))
        self.__dict__["_fast"] = fast
        return fast

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_fast"}


def _vocab_counts(tokens: Iterable[str], vocabulary: Mapping[str, int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for token in tokens:
        col = vocabulary.get(token)
        if col is not None:
            counts[col] = counts.get(col, 0) + 1
    return counts


# --- training ------------------------------------------------------------------------------

def _decision_scores(classifier: Any, X: csr_matrix) -> np.ndarray:
    scores = classifier.decision_function(X)
    if scores.ndim == 1:  # two labels: sklearn returns the positive class's score only
        scores = np.column_stack([-scores, scores])
    return scores


def _softmax(scores: np.ndarray, scale: float) -> np.ndarray:
    z = scores * scale
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _term_documents(label_terms: Mapping[str, Sequence[str]] | None,
                    labels: set[str]) -> tuple[list[str], list[str]]:
    """Taxonomy terms of the labels being trained, one short document each."""
    docs: list[str] = []
    doc_labels: list[str] = []
    for label, terms in (label_terms or {}).items():
        if label not in labels:
            continue
        for term in dict.fromkeys(t.strip() for t in terms):
            if term and term != OTHER_TERM:
                docs.append(term)
                doc_labels.append(label)
    return docs, doc_labels


def _check_training_rows(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str],
                                                                                 list[str], list[int]]:
    """The non-blank (text, label) rows and their positions in the input."""
    if len(texts) != len(labels):
        raise DispatchModelError(f"文本 {len(texts)} 条与标签 {len(labels)} 条数量不一致")
    kept_texts, kept_labels, kept_at = [], [], []
    for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
        text, label = (text or "").strip(), (label or "").strip()
        if text and label:
            kept_texts.append(text)
            kept_labels.append(label)
            kept_at.append(i)
    if len(set(kept_labels)) < 2:
        raise DispatchModelError("训练数据至少需要两个不同的标签 (need at least two labels)")
    return kept_texts, kept_labels, kept_at


class _Material:
    """Labelled rows, their split groups and the taxonomy documents, for training and validation.

    Everything learned — vocabulary, IDF, the SVM, its C — is fitted from the given rows only.
    ``groups`` (one id per input row) decides which rows stay together in every split; by default
    near-duplicate clusters, or contiguous periods when the rows are in time order.
    """

    def __init__(self, texts: Sequence[str], labels: Sequence[str],
                 unlabelled: Sequence[str] | None,
                 label_terms: Mapping[str, Sequence[str]] | None, config: TrainingConfig, *,
                 groups: Sequence[Any] | None = None, time_ordered: bool = False) -> None:
        self.texts, self.labels, kept_at = _check_training_rows(texts, labels)
        self.skipped = len(texts) - len(self.texts)
        self.y = np.array(self.labels, dtype=object)
        self.unlabelled = dedupe_unlabelled(list(unlabelled or []), self.texts)
        self.term_docs, term_labels = _term_documents(label_terms, set(self.labels))
        self.term_labels = np.array(term_labels, dtype=object)
        self.config = config
        self.time_ordered = time_ordered
        self._given_groups = None if groups is None else np.asarray(groups, dtype=object)[kept_at]
        self._groups: np.ndarray | None = None

    @property
    def groups(self) -> np.ndarray:
        if self._groups is None:
            if self._given_groups is not None:
                self._groups = np.unique(self._given_groups.astype(str), return_inverse=True)[1]
            elif self.time_ordered:
                self._groups = time_blocks(len(self.texts))
            else:
                self._groups = near_duplicate_groups(self.texts)
        return self._groups

    @property
    def protocol(self) -> str:
        if self.time_ordered:
            return "按时间分组"
        return "按组分折" if self._given_groups is not None else "按重复诉求分组"

    def features(self, rows: np.ndarray, others: np.ndarray) -> tuple[Featurizer, csr_matrix,
                                                                      csr_matrix | None]:
        """A featurizer fitted on ``rows``, their features and those of ``others``."""
        featurizer = Featurizer(self.config)
        X = featurizer.fit_transform([self.texts[i] for i in rows])
        X_other = featurizer.transform([self.texts[i] for i in others]) if len(others) else None
        return featurizer, X, X_other

    def fit_svm(self, featurizer: Featurizer, X: csr_matrix, rows: np.ndarray, c: float) -> Any:
        """LinearSVC on the labelled ``rows`` plus the taxonomy documents of their labels."""
        from sklearn.svm import LinearSVC

        y = self.y[rows]
        weights = np.ones(len(rows))
        labels_here = set(y)
        terms = [i for i, lab in enumerate(self.term_labels) if lab in labels_here]
        if terms and self.config.term_weight > 0:
            X = vstack([X, featurizer.transform([self.term_docs[i] for i in terms])]).tocsr()
            y = np.concatenate([y, self.term_labels[terms]])
            weights = np.concatenate([weights, np.full(len(terms), self.config.term_weight)])
        return LinearSVC(C=c, random_state=0).fit(X, y, sample_weight=weights)

    def fit(self, rows: np.ndarray, c: float) -> tuple[Featurizer, Any]:
        featurizer, X, _ = self.features(rows, rows[:0])
        return featurizer, self.fit_svm(featurizer, X, rows, c)

    def folds(self, rows: np.ndarray, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Stratified group folds of ``rows`` (positions into the material)."""
        from sklearn.model_selection import StratifiedGroupKFold

        y, groups = self.y[rows], self.groups[rows]
        counts = np.unique(y, return_counts=True)[1]
        folds = min(folds, int(counts.min()), len(set(groups.tolist())))
        if folds < 2:
            raise DispatchModelError("交叉验证要求每个标签至少 2 条样本 (each label needs 2 samples)")
        splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        with warnings.catch_warnings():  # a label rarer than the folds is fine: it is reported
            warnings.simplefilter("ignore", UserWarning)
            return [(rows[tr], rows[te]) for tr, te in splitter.split(rows, y, groups)
                    if len(tr) and len(te)]

    def holdout(self, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Training and held-out rows: the newest ``fraction`` in time order, else a group fold."""
        n = len(self.texts)
        rows = np.arange(n)
        if self.time_ordered:
            cut = n - max(1, round(n * fraction))
            if cut < 1 or len(set(self.y[:cut])) < 2:
                raise DispatchModelError("留出验证需要更早的案件含至少两个标签")
            return rows[:cut], rows[cut:]
        train, held = self.folds(rows, max(2, round(1 / fraction)), seed)[0]
        return train, held


@dataclass
class _Outcome:
    """Out-of-fold predictions and scores of one model on validation rows."""

    rows: list[int] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    scores: list[np.ndarray] = field(default_factory=list)
    truth: list[int] = field(default_factory=list)

    def add(self, classifier: Any, X: csr_matrix, rows: np.ndarray, y: np.ndarray) -> None:
        scores = _decision_scores(classifier, X)
        classes = list(classifier.classes_)
        self.rows.extend(int(i) for i in rows)
        self.predicted.extend(classifier.classes_[scores.argmax(axis=1)])
        self.scores.extend(scores)
        self.truth.extend(classes.index(y[i]) if y[i] in classes else -1 for i in rows)


def _macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(truth, predicted, average="macro", zero_division=0))


def _figures(material: _Material, outcome: _Outcome) -> dict[str, Any]:
    """Accuracy, macro-F1, per-label F1, confidence scale and reliability of an outcome."""
    from sklearn.metrics import accuracy_score, f1_score

    truth = material.y[outcome.rows]
    labels = sorted(set(material.labels))
    per_label = f1_score(truth, outcome.predicted, labels=labels, average=None, zero_division=0)
    truth_idx = np.array(outcome.truth)
    rows_by_width: dict[int, list[int]] = {}
    for i, s in enumerate(outcome.scores):  # folds missing a label give narrower score rows
        rows_by_width.setdefault(len(s), []).append(i)
    width = max(rows_by_width, key=lambda w: len(rows_by_width[w]))
    same = rows_by_width[width]
    scores = np.vstack([outcome.scores[i] for i in same])
    scale = _fit_score_scale(scores, truth_idx[same])
    probs = _softmax(scores, scale)
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == truth_idx[same]
    reliability = {}
    for level in (0.5, 0.8, 0.9):
        hit = confidence >= level
        reliability[f"{level:.2f}"] = {
            "share": round(float(hit.mean()), 4),
            "accuracy": round(float(correct[hit].mean()), 4) if hit.any() else 0.0}
    return {
        "model_accuracy": float(accuracy_score(truth, outcome.predicted)),
        "model_macro_f1": _macro_f1(truth, outcome.predicted),
        "per_label_f1": {lab: round(float(f), 4) for lab, f in zip(labels, per_label, strict=True)},
        "score_scale": scale, "reliability": reliability,
    }


def _select_c(material: _Material, rows: np.ndarray, folds: int, seed: int,
              on_step: StepCallback | None = None) -> tuple[float, _Outcome, int]:
    """模型选择: the candidate C with the best grouped-CV macro-F1 on ``rows`` (features fitted
    once per fold); returns it, its out-of-fold outcome and the number of folds."""
    candidates = tuple(dict.fromkeys(material.config.c_candidates or (material.config.svm_c,)))
    splits = material.folds(rows, folds, seed)
    outcomes = {c: _Outcome() for c in candidates}
    for fold_no, (train, test) in enumerate(splits, start=1):
        featurizer, X, X_test = material.features(train, test)
        for c in candidates:
            outcomes[c].add(material.fit_svm(featurizer, X, train, c), X_test, test, material.y)
        if on_step:
            on_step(f"选择 {fold_no}/{len(splits)}")
    f1 = {c: _macro_f1(material.y[o.rows], o.predicted) for c, o in outcomes.items()}
    best = max(candidates, key=lambda c: (round(f1[c], 4), c == material.config.svm_c))
    return best, outcomes[best], len(splits)


def _baseline_predict(train_texts: list[str], train_y: np.ndarray,
                      test_texts: list[str]) -> np.ndarray:
    """The plain baseline: TF-IDF character 1–3-grams + LinearSVC, nothing else."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    model = LinearSVC(random_state=0).fit(vec.fit_transform(train_texts), train_y)
    return model.predict(vec.transform(test_texts))


def _fit_score_scale(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax scale that minimises the out-of-fold log-loss (置信度校准)."""
    known = truth >= 0
    scores, truth = scores[known], truth[known]
    if not len(truth):
        return TrainingConfig.score_scale
    best, best_nll = TrainingConfig.score_scale, math.inf
    for scale in np.arange(1.0, 15.5, 0.5):
        probs = _softmax(scores, float(scale))[np.arange(len(truth)), truth]
        nll = float(-np.log(np.maximum(probs, 1e-12)).sum())
        if nll < best_nll:
            best, best_nll = float(scale), nll
    return best


def _choose_c(material: _Material, rows: np.ndarray, seed: int) -> float:
    """C by grouped CV inside ``rows``; the configured C when they are too few to split."""
    try:
        return _select_c(material, rows, material.config.selection_folds, seed)[0]
    except DispatchModelError:
        return material.config.svm_c


def _nested_cv(material: _Material, *, folds: int, seed: int, baseline: bool,
               on_step: StepCallback | None) -> EvalReport:
    """The evaluation protocol: grouped k-fold CV whose every fold chooses C by a grouped CV of
    its own training part (嵌套交叉验证), so no figure comes from rows that chose the model."""
    started = time.perf_counter()
    rows = np.arange(len(material.texts))
    splits = material.folds(rows, folds, seed)
    outcome, chosen = _Outcome(), []
    base_truth: list[str] = []
    base_predicted: list[str] = []
    for fold_no, (train, test) in enumerate(splits, start=1):
        c = _choose_c(material, train, seed)
        chosen.append(c)
        featurizer, X, X_test = material.features(train, test)
        outcome.add(material.fit_svm(featurizer, X, train, c), X_test, test, material.y)
        if baseline:
            base_truth.extend(material.y[test])
            base_predicted.extend(_baseline_predict([material.texts[i] for i in train],
                                                    material.y[train],
                                                    [material.texts[i] for i in test]))
        if on_step:
            on_step(f"fold {fold_no}/{len(splits)}")
    report = EvalReport(samples=len(material.texts), labels=sorted(set(material.labels)),
                        folds=len(splits), seed=seed, unlabelled=len(material.unlabelled),
                        terms=len(material.term_docs), **_figures(material, outcome),
                        protocol=f"{material.protocol}嵌套交叉验证",
                        groups=len(set(material.groups.tolist())), chosen_c=chosen)
    if baseline:
        from sklearn.metrics import accuracy_score

        report.baseline_accuracy = float(accuracy_score(base_truth, base_predicted))
        report.baseline_macro_f1 = _macro_f1(base_truth, base_predicted)
    report.seconds = time.perf_counter() - started
    return report


def cross_validate(texts: Sequence[str], labels: Sequence[str], *,
                   unlabelled: Sequence[str] | None = None,
                   label_terms: Mapping[str, Sequence[str]] | None = None, folds: int = 5,
                   seed: int = 42, config: TrainingConfig | None = None, baseline: bool = True,
                   on_step: StepCallback | None = None, groups: Sequence[Any] | None = None,
                   time_ordered: bool = False) -> EvalReport:
    """Figures of the suggester (and the baseline, on the same folds) on requests it never saw:
    grouped k-fold CV, model selection nested inside each fold (评估).

    Rows are grouped by ``groups`` when given, by time blocks when ``time_ordered`` (oldest
    first), else by near-duplicate clusters. ``unlabelled`` texts are only counted.
    """
    config = config or TrainingConfig()
    material = _Material(texts, labels, unlabelled, label_terms, config, groups=groups,
                         time_ordered=time_ordered)
    if on_step:
        on_step("分组")
    return _nested_cv(material, folds=folds, seed=seed, baseline=baseline, on_step=on_step)


def _held_out(material: _Material, train: np.ndarray, held: np.ndarray,
              c: float) -> tuple[HeldOutReport, _Outcome]:
    """The model (with C chosen without these rows) and the baseline on the held-out rows."""
    from sklearn.metrics import accuracy_score, f1_score

    featurizer, X, X_held = material.features(train, held)
    outcome = _Outcome()
    outcome.add(material.fit_svm(featurizer, X, train, c), X_held, held, material.y)
    truth = material.y[held]
    base = _baseline_predict([material.texts[i] for i in train], material.y[train],
                             [material.texts[i] for i in held])
    labels = sorted(set(material.labels))
    per_label = f1_score(truth, outcome.predicted, labels=labels, average=None, zero_division=0)
    report = HeldOutReport(
        protocol=f"{material.protocol}留出验证", train_size=len(train), samples=len(held),
        model_accuracy=float(accuracy_score(truth, outcome.predicted)),
        model_macro_f1=_macro_f1(truth, outcome.predicted),
        baseline_accuracy=float(accuracy_score(truth, base)),
        baseline_macro_f1=_macro_f1(truth, base),
        per_label_f1={lab: round(float(f), 4) for lab, f in zip(labels, per_label, strict=True)})
    return report, outcome


def train_from_records(texts: Sequence[str], labels: Sequence[str], *,
                       unlabelled: Sequence[str] | None = None,
                       label_terms: Mapping[str, Sequence[str]] | None = None,
                       config: TrainingConfig | None = None, cv_folds: int = 0, seed: int = 42,
                       on_step: StepCallback | None = None, holdout: float = 0.0,
                       groups: Sequence[Any] | None = None,
                       time_ordered: bool = False) -> Suggester:
    """Train a suggester from (text, label) records, e.g. closed cases and their departments.

    ``texts`` are "title\\nbody" strings; ``labels`` whatever should be predicted (一级分类 or
    department codes); ``label_terms`` maps labels to taxonomy terms. With ``holdout`` (a
    fraction) those rows — a group fold, or the newest rows when ``time_ordered`` — are set
    aside first: the model and the baseline trained without them are scored on them. With
    ``cv_folds`` ≥ 2, C is chosen by grouped CV of the remaining rows and the confidence scale
    fitted on its out-of-fold scores. The final model learns from every row with that C; the
    figures go into the metadata. Without either, training is one fit (fast: start-up).
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    config = config or TrainingConfig()
    material = _Material(texts, labels, unlabelled, label_terms, config, groups=groups,
                         time_ordered=time_ordered)
    rows = np.arange(len(material.texts))
    train, held, holdout_skipped = rows, None, None
    if holdout > 0:
        try:
            train, held = material.holdout(holdout, seed)
        except DispatchModelError as exc:
            holdout_skipped = str(exc)
    c, scale, report, cv_skipped = config.svm_c, config.score_scale, None, None
    if cv_folds >= 2:
        try:
            c, outcome, folds = _select_c(material, train, cv_folds, seed, on_step)
        except DispatchModelError as exc:  # too few samples per label: train without figures
            cv_skipped = str(exc)
        else:
            report = EvalReport(samples=len(train), labels=sorted(set(material.y[train])),
                                folds=folds, seed=seed, unlabelled=len(material.unlabelled),
                                terms=len(material.term_docs), **_figures(material, outcome),
                                protocol=f"{material.protocol}交叉验证（用于选择模型）",
                                groups=len(set(material.groups[train].tolist())), chosen_c=[c])
            scale = report.score_scale or scale
    held_report = None
    if held is not None:
        held_report, held_outcome = _held_out(material, train, held, c)
        if report is None:
            scale = _figures(material, held_outcome)["score_scale"]
        if on_step:
            on_step("留出验证")
    featurizer, classifier = material.fit(rows, c)
    if on_step:
        on_step("final model")
    counts = {str(lab): int(n) for lab, n in zip(*np.unique(material.y, return_counts=True),
                                                     strict=True)}
    from smartgov.db import now

    metadata: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "labels": [str(lab) for lab in classifier.classes_],
        "label_counts": counts,
        "training_size": len(material.texts),
        "skipped_rows": material.skipped,
        "unlabelled_size": len(material.unlabelled),
        "taxonomy_terms": len(material.term_docs),
        "trained_at": now().isoformat(timespec="seconds"),
        "config": asdict(config),
        "svm_c": c,
        "score_scale": scale,
        "cv": asdict(report) if report else None,
        "cv_skipped": cv_skipped,
        "holdout": asdict(held_report) if held_report else None,
        "holdout_skipped": holdout_skipped,
        "seconds": round(time.perf_counter() - started, 2),
        "cpu_seconds": round(time.process_time() - cpu_started, 2),
    }
    # As the JSON file will give it back (tuples become lists).
    return Suggester(featurizer, classifier, json.loads(json.dumps(metadata, ensure_ascii=False)))


# --- the suggester -------------------------------------------------------------------------

def default_model_dir() -> Path:
    """``var/models/dispatch`` under the configured var directory."""
    from smartgov.config import get_settings

    return get_settings().models_dir / MODEL_DIRNAME


def model_files(path: Path | str | None) -> tuple[Path, Path]:
    path = Path(path) if path is not None else default_model_dir()
    if path.suffix == ".joblib":
        return path, path.with_suffix(".json")
    return path / MODEL_FILE, path / META_FILE


class Suggester:
    """Suggests where a free-text request should go (派遣建议), best first."""

    def __init__(self, featurizer: Featurizer, classifier: Any, metadata: dict[str, Any]) -> None:
        self.featurizer = featurizer
        self.classifier = classifier
        self.metadata = metadata
        self.score_scale = float(metadata.get("score_scale") or TrainingConfig.score_scale)
        self._coef: np.ndarray | None = None
        self._labels = [str(c) for c in classifier.classes_]

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per label (``labels`` order); rows sum to 1."""
        X = self.featurizer.transform([t or "" for t in texts])
        return _softmax(_decision_scores(self.classifier, X), self.score_scale)

    def probability_row(self, text: str) -> np.ndarray:
        """``probabilities([text])[0]`` on the fast single-text path."""
        cols, vals = self.featurizer.vector(text or "")
        if self._coef is None:
            self._coef = np.asarray(self.classifier.coef_, dtype=np.float64)
        scores = self._coef[:, cols] @ vals + self.classifier.intercept_
        if scores.shape[0] == 1:
            scores = np.array([-scores[0], scores[0]])
        return _softmax(scores[None, :], self.score_scale)[0]

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """The ``k`` most likely labels for one request, highest confidence first."""
        return self._ranked(self.probability_row(text), k)

    def _ranked(self, row: np.ndarray, k: int) -> list[Suggestion]:
        labels = self._labels
        order = np.argsort(-row, kind="stable")[:max(k, 0)]
        return [Suggestion(labels[i], round(float(row[i]), 4)) for i in order]

    def suggest_many(self, texts: Sequence[str], k: int = 3) -> list[list[Suggestion]]:
        if not texts:
            return []
        return [self._ranked(row, k) for row in self.probabilities(texts)]

    def predict(self, texts: Sequence[str]) -> list[str]:
        probs = self.probabilities(texts)
        return [self.labels[i] for i in probs.argmax(axis=1)]

    def save(self, path: Path | str | None = None) -> Path:
        """Write the model (joblib) and its metadata (JSON); returns the model file's path."""
        import joblib

        model_file, meta_file = model_files(path)
        model_file.parent.mkdir(parents=True, exist_ok=True)
        # Private temporary names: two trainings at once each replace whole files. The metadata
        # goes first, since readers reload when the model file changes.
        suffix = f".{os.getpid()}-{threading.get_ident()}.tmp"
        tmp_model, tmp_meta = (f.with_name(f.name + suffix) for f in (model_file, meta_file))
        joblib.dump({"format": FORMAT_VERSION, "featurizer": self.featurizer,
                     "classifier": self.classifier}, tmp_model, compress=3)
        tmp_meta.write_text(json.dumps(self.metadata, ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
        tmp_meta.replace(meta_file)
        tmp_model.replace(model_file)
        return model_file

    @classmethod
    def load(cls, path: Path | str | None = None) -> Suggester | None:
        """The stored suggester (a directory or a ``.joblib`` file); None when none is trained."""
        import joblib

        model_file, meta_file = model_files(path)
        if not model_file.exists():
            return None
        try:
            payload = joblib.load(model_file)
        except Exception as exc:  # a truncated or foreign file
            raise DispatchModelError(f"无法读取派遣模型 {model_file}: {exc}") from exc
        if not isinstance(payload, dict) or payload.get("format") != FORMAT_VERSION:
            found = payload.get("format") if isinstance(payload, dict) else None
            raise DispatchModelError(f"派遣模型格式不符 {model_file} (格式 {found}，需要 "
                                     f"{FORMAT_VERSION}): 请重新训练")
        metadata = (json.loads(meta_file.read_text(encoding="utf-8"))
                    if meta_file.exists() else {})
        return cls(payload["featurizer"], payload["classifier"], metadata)


# --- data sources --------------------------------------------------------------------------

def _read_rows(path: Path | str) -> tuple[list[str], list[dict[str, str]]]:
    path = Path(path)
    if not path.is_file():
        raise DispatchModelError(f"找不到文件 {path}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _require_columns(path: Path | str, header: list[str], wanted: Sequence[str]) -> None:
    missing = [c for c in wanted if c not in header]
    if missing:
        raise DispatchModelError(f"{Path(path).name} 缺少列: {', '.join(missing)} "
                                 f"(现有列: {', '.join(header) or '无'})")


def read_labelled_csv(path: Path | str, text_cols: Sequence[str],
                      label_col: str) -> tuple[list[str], list[str]]:
    """Texts (text columns joined, title first) and labels from a UTF-8 CSV."""
    header, rows = _read_rows(path)
    _require_columns(path, header, [*text_cols, label_col])
    texts = [join_fields(r.get(c) for c in text_cols) for r in rows]
    return texts, [(r.get(label_col) or "").strip() for r in rows]


def read_texts_csv(path: Path | str, text_cols: Sequence[str]) -> list[str]:
    """Unlabelled request texts from a UTF-8 CSV (empty ones dropped)."""
    header, rows = _read_rows(path)
    _require_columns(path, header, text_cols)
    return [t for t in (join_fields(r.get(c) for c in text_cols) for r in rows) if t]


def read_taxonomy_csv(path: Path | str, label_col: str) -> dict[str, list[str]]:
    """Label → terms from a taxonomy CSV: ``label_col`` names the label, other columns terms."""
    header, rows = _read_rows(path)
    _require_columns(path, header, [label_col])
    terms: dict[str, list[str]] = {}
    for row in rows:
        label = (row.get(label_col) or "").strip()
        if not label:
            continue
        bucket = terms.setdefault(label, [])
        for col in header:
            value = (row.get(col) or "").strip()
            if col != label_col and value and value != OTHER_TERM and value not in bucket:
                bucket.append(value)
    return terms


def discover_companions(csv_path: Path | str, text_cols: Sequence[str],
                        label_col: str) -> tuple[list[Path], list[Path]]:
    """Sibling CSVs of a labelled file: unlabelled ones (text columns, no label) and taxonomies
    (label column, no text columns)."""
    csv_path = Path(csv_path).resolve()
    unlabelled, taxonomies = [], []
    for other in sorted(csv_path.parent.glob("*.csv")):
        if other.resolve() == csv_path:
            continue
        try:
            with other.open(encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh), [])
        except (OSError, UnicodeDecodeError):
            continue
        has_text = all(c in header for c in text_cols)
        if has_text and label_col not in header:
            unlabelled.append(other)
        elif label_col in header and not any(c in header for c in text_cols):
            taxonomies.append(other)
    return unlabelled, taxonomies


def load_training_rows_from_db() -> tuple[list[str], list[str]]:
    """Closed cases as (texts, labels) from the database, via the cases service (结案案件),
    oldest first (the service yields the newest first): ready for ``time_ordered`` training.

    Expects ``smartgov.cases.service.dispatch_training_rows(session)`` yielding
    ``(text, label)`` pairs, text as "title\\nbody" and label the department that handled it.
    """
    try:
        from smartgov.cases import service
    except ImportError as exc:  # pragma: no cover - the package is part of smartgov
        raise DispatchModelError(f"案件服务不可用: {exc}") from exc
    rows_for = getattr(service, "dispatch_training_rows", None)
    if rows_for is None:
        raise DispatchModelError(
            "从数据库训练尚不可用: smartgov.cases.service.dispatch_training_rows(session) 未提供 "
            "(training from closed cases is not available yet; use --csv)")
    from smartgov.db import session_scope

    texts: list[str] = []
    labels: list[str] = []
    with session_scope() as session:
        for text, label in rows_for(session):
            texts.append(text)
            labels.append(label)
    return texts[::-1], labels[::-1]
