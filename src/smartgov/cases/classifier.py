"""Learned dispatch suggester for free-text requests (智能派遣建议：热线、网络留言).

A linear SVM over three TF-IDF views of the text — character 1–3-grams, jieba words and the
title's character 1–2-grams — trained on labelled requests plus, when given:

* the label taxonomy's terms (二级/三级分类, e.g. "噪音污染" → 环境保护) as short extra documents;
* unlabelled requests, used twice: to fit the vocabulary/IDF (no labels involved) and for
  self-training (伪标注): the most confident predictions per label join the training set.

Texts are "title\\nbody": the first line is read as the title (题目), weighted separately.
Confidences are a softmax over the SVM's decision scores (scale fitted by cross-validation when
the model is trained with ``cv_folds``), so they sum to 1 over all labels.
"""

from __future__ import annotations

import csv
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.utils import murmurhash3_32

from smartgov.text import join_fields, segment, title_of

MODEL_DIRNAME = "dispatch"
MODEL_FILE = "suggester.joblib"
META_FILE = "suggester.json"
FORMAT_VERSION = 1
OTHER_TERM = "其他"

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
    """Hyper-parameters; the defaults were chosen by 5-fold CV on the 2020 TipDM messages."""

    char_hash_features: int = 2**17
    title_weight: float = 0.7
    svm_c: float = 3.0
    term_weight: float = 1.0
    self_training_rounds: int = 3
    self_training_per_label: int = 30
    pseudo_weight: float = 0.3
    score_scale: float = 6.0


@dataclass
class EvalReport:
    """Cross-validated figures of the suggester and of the plain baseline (交叉验证结果)."""

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


# --- text handling -------------------------------------------------------------------------

# The words view's analyzer: stored models refer to it by this name.
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


class _Segments:
    """Memoised segmentation joined by spaces (segmenting is the slow part of featurising)."""

    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, texts: Sequence[str]) -> list[str]:
        out = []
        for text in texts:
            seg = self.cache.get(text)
            if seg is None:
                seg = " ".join(segment(text))
                self.cache[text] = seg
            out.append(seg)
        return out


class Featurizer:
    """Three TF-IDF views of a request: char 1–3-grams, jieba words, title char 1–2-grams."""

    def __init__(self, config: TrainingConfig) -> None:
        self.title_weight = config.title_weight
        self.char_features = config.char_hash_features
        self.char = self.words = self.title = None  # type: Any

    def fit_transform(self, texts: Sequence[str],
                      segments: _Segments | None = None) -> csr_matrix:
        """Fit vocabularies and IDF on ``texts`` (no labels involved) and return their features."""
        from sklearn.feature_extraction.text import (
            HashingVectorizer,
            TfidfTransformer,
            TfidfVectorizer,
        )
        from sklearn.pipeline import make_pipeline

        segments = segments or _Segments()
        min_df = 2 if len(texts) >= 500 else 1
        # Hashed char n-grams: no vocabulary to count and sort, which dominated training time.
        self.char = make_pipeline(
            HashingVectorizer(analyzer="char", ngram_range=(1, 3), n_features=self.char_features,
                              alternate_sign=False, norm=None, dtype=np.float32),
            TfidfTransformer(sublinear_tf=True))
        self.words = TfidfVectorizer(analyzer=_split_words, sublinear_tf=True, min_df=min_df,
                                     dtype=np.float32)
        self.title = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True,
                                     min_df=min_df, dtype=np.float32)
        blocks = [self.char.fit_transform(texts), self.words.fit_transform(segments(texts)),
                  self.title.fit_transform([title_of(t) for t in texts]) * self.title_weight]
        for vec in (self.words, self.title):
            vec.stop_words_ = None  # the pruned vocabulary is only needed for introspection
        return _normalize_rows(blocks)

    def transform(self, texts: Sequence[str], segments: _Segments | None = None) -> csr_matrix:
        segments = segments or _Segments()
        blocks = [self.char.transform(texts), self.words.transform(segments(texts)),
                  self.title.transform([title_of(t) for t in texts]) * self.title_weight]
        return _normalize_rows(blocks)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The features of one text as (column indices, values), equal to ``transform`` but
        without scikit-learn's per-call validation: the dispatch-time path (< 1 ms)."""
        fast = self.__dict__.get("_fast") or self._build_fast()
        hasher, char_idf, word_vocab, word_idf, title_an, title_vocab, title_idf = fast
        n_char = self.char_features
        char_counts: dict[int, int] = {}
        for gram in hasher(text):
            h = murmurhash3_32(gram, seed=0)
            col = (2147483647 - (n_char - 1)) % n_char if h == -2147483648 else abs(h) % n_char
            char_counts[col] = char_counts.get(col, 0) + 1
        blocks = [_tfidf_block(char_counts, char_idf, 0, 1.0),
                  _tfidf_block(_vocab_counts(segment(text), word_vocab), word_idf, n_char, 1.0),
                  _tfidf_block(_vocab_counts(title_an(title_of(text)), title_vocab), title_idf,
                               n_char + len(word_idf), self.title_weight)]
        cols = np.concatenate([b[0] for b in blocks])
        vals = np.concatenate([b[1] for b in blocks])
        norm = math.sqrt(float(vals @ vals))
        return cols, (vals / norm if norm else vals)

    def _build_fast(self) -> tuple[Any, ...]:
        hasher_vec, tfidf = self.char[0], self.char[1]
        fast = (hasher_vec.build_analyzer(), tfidf.idf_.astype(np.float64),
                self.words.vocabulary_, self.words.idf_.astype(np.float64),
                self.title.build_analyzer(), self.title.vocabulary_,
                self.title.idf_.astype(np.float64))
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


def _tfidf_block(counts: dict[int, int], idf: np.ndarray, offset: int,
                 weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Sublinear TF × IDF, L2-normalised and weighted, as TfidfVectorizer computes it."""
    if not counts:
        return np.empty(0, dtype=np.int64), np.empty(0)
    cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    vals = (np.log(tf) + 1.0) * idf[cols]
    norm = math.sqrt(float(vals @ vals))
    return cols + offset, (vals / norm * weight if norm else vals)


def _normalize_rows(blocks: list[csr_matrix]) -> csr_matrix:
    from sklearn.preprocessing import normalize

    return normalize(hstack(blocks).tocsr())


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


def _fit_svm(parts: list[tuple[csr_matrix, np.ndarray, float]], config: TrainingConfig) -> Any:
    from sklearn.svm import LinearSVC

    X = vstack([p[0] for p in parts]).tocsr()
    y = np.concatenate([p[1] for p in parts])
    w = np.concatenate([np.full(p[0].shape[0], p[2]) for p in parts])
    return LinearSVC(C=config.svm_c, random_state=0).fit(X, y, sample_weight=w)


def _fit_classifier(X: csr_matrix, y: np.ndarray, X_terms: csr_matrix | None,
                    y_terms: np.ndarray, X_unl: csr_matrix | None,
                    config: TrainingConfig) -> Any:
    """LinearSVC on labelled + taxonomy documents, then rounds of self-training (自训练)."""
    parts = [(X, y, 1.0)]
    if X_terms is not None and X_terms.shape[0]:
        parts.append((X_terms, y_terms, config.term_weight))
    model = _fit_svm(parts, config)
    if X_unl is None or not X_unl.shape[0]:
        return model
    for round_no in range(config.self_training_rounds):
        scores = _decision_scores(model, X_unl)
        ranked = np.sort(scores, axis=1)
        margin = ranked[:, -1] - ranked[:, -2]
        pred = model.classes_[scores.argmax(axis=1)]
        per_label = config.self_training_per_label * (round_no + 1)
        chosen: list[int] = []
        for label in model.classes_:
            rows = np.flatnonzero(pred == label)
            chosen.extend(rows[np.argsort(-margin[rows], kind="stable")][:per_label])
        picked = np.array(sorted(chosen), dtype=int)
        model = _fit_svm(parts + [(X_unl[picked], pred[picked], config.pseudo_weight)], config)
    return model


def _check_training_rows(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str],
                                                                                 list[str], int]:
    if len(texts) != len(labels):
        raise DispatchModelError(f"文本 {len(texts)} 条与标签 {len(labels)} 条数量不一致")
    kept_texts, kept_labels = [], []
    for text, label in zip(texts, labels, strict=True):
        text, label = (text or "").strip(), (label or "").strip()
        if text and label:
            kept_texts.append(text)
            kept_labels.append(label)
    if len(set(kept_labels)) < 2:
        raise DispatchModelError("训练数据至少需要两个不同的标签 (need at least two labels)")
    return kept_texts, kept_labels, len(texts) - len(kept_texts)


class _Prepared:
    """Training material shared by training and cross-validation.

    The featurizer (vocabulary, IDF) is label-free: it is fitted once on the unlabelled pool, the
    labelled texts and the taxonomy terms. Everything that uses labels — taxonomy documents of
    the labels seen, the SVM, the pseudo-labels — is fitted from the given training rows only.
    """

    def __init__(self, texts: Sequence[str], labels: Sequence[str],
                 unlabelled: Sequence[str] | None,
                 label_terms: Mapping[str, Sequence[str]] | None, config: TrainingConfig) -> None:
        self.texts, self.labels, self.skipped = _check_training_rows(texts, labels)
        self.y = np.array(self.labels, dtype=object)
        self.unlabelled = dedupe_unlabelled(list(unlabelled or []), self.texts)
        self.term_docs, term_labels = _term_documents(label_terms, set(self.labels))
        self.term_labels = np.array(term_labels, dtype=object)
        self.config = config
        self.featurizer = Featurizer(config)
        matrix = self.featurizer.fit_transform(self.unlabelled + self.texts + self.term_docs)
        n_unl, n_lab = len(self.unlabelled), len(self.texts)
        self.X_unl = matrix[:n_unl]
        self.X = matrix[n_unl:n_unl + n_lab]
        self.X_terms = matrix[n_unl + n_lab:]

    def fit(self, rows: np.ndarray) -> Any:
        """The classifier learned from the labelled ``rows`` (plus label-free material)."""
        labels_here = set(self.y[rows])
        term_rows = np.flatnonzero([lab in labels_here for lab in self.term_labels])
        use_unl = bool(self.X_unl.shape[0]) and self.config.self_training_rounds > 0
        return _fit_classifier(self.X[rows], self.y[rows], self.X_terms[term_rows],
                               self.term_labels[term_rows], self.X_unl if use_unl else None,
                               self.config)


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


def _cross_validate(prep: _Prepared, *, folds: int, seed: int, baseline: bool,
                    on_step: StepCallback | None) -> EvalReport:
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    started = time.perf_counter()
    counts = np.unique(prep.y, return_counts=True)[1]
    folds = min(folds, int(counts.min()))
    if folds < 2:
        raise DispatchModelError("交叉验证要求每个标签至少 2 条样本 (each label needs 2 samples)")
    y = prep.y
    predicted = np.empty(len(y), dtype=object)
    base_predicted = np.empty(len(y), dtype=object)
    oof_scores: list[np.ndarray] = []
    oof_truth: list[int] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold_no, (train, test) in enumerate(splitter.split(prep.texts, y), start=1):
        classifier = prep.fit(train)
        test_texts = [prep.texts[i] for i in test]
        scores = _decision_scores(classifier, prep.X[test])
        predicted[test] = classifier.classes_[scores.argmax(axis=1)]
        classes = list(classifier.classes_)
        for row, i in zip(scores, test, strict=True):
            oof_scores.append(row)
            oof_truth.append(classes.index(y[i]) if y[i] in classes else -1)
        if baseline:
            base_predicted[test] = _baseline_predict([prep.texts[i] for i in train], y[train],
                                                     test_texts)
        if on_step:
            on_step(f"fold {fold_no}/{folds}")
    labels = sorted(set(prep.labels))
    scores_all, truth_all = np.vstack(oof_scores), np.array(oof_truth)
    scale = _fit_score_scale(scores_all, truth_all)
    per_label = f1_score(y, predicted, labels=labels, average=None, zero_division=0)
    report = EvalReport(
        samples=len(y), labels=labels, folds=folds, seed=seed, unlabelled=len(prep.unlabelled),
        terms=len(prep.term_docs),
        model_accuracy=float(accuracy_score(y, predicted)),
        model_macro_f1=float(f1_score(y, predicted, average="macro", zero_division=0)),
        score_scale=scale,
        per_label_f1={lab: round(float(f), 4) for lab, f in zip(labels, per_label, strict=True)},
    )
    if baseline:
        report.baseline_accuracy = float(accuracy_score(y, base_predicted))
        report.baseline_macro_f1 = float(f1_score(y, base_predicted, average="macro",
                                                  zero_division=0))
    probs = _softmax(scores_all, scale)
    confidence, correct = probs.max(axis=1), probs.argmax(axis=1) == truth_all
    for level in (0.5, 0.8, 0.9):
        hit = confidence >= level
        report.reliability[f"{level:.2f}"] = {
            "share": round(float(hit.mean()), 4),
            "accuracy": round(float(correct[hit].mean()), 4) if hit.any() else 0.0}
    report.seconds = time.perf_counter() - started
    return report


def cross_validate(texts: Sequence[str], labels: Sequence[str], *,
                   unlabelled: Sequence[str] | None = None,
                   label_terms: Mapping[str, Sequence[str]] | None = None, folds: int = 5,
                   seed: int = 42, config: TrainingConfig | None = None, baseline: bool = True,
                   on_step: StepCallback | None = None) -> EvalReport:
    """Stratified k-fold figures of the suggester (and the baseline) on labelled requests.

    Everything learned from labels is learned from each fold's training part only; the
    unlabelled pool is deduplicated against all labelled texts first.
    """
    config = config or TrainingConfig()
    prep = _Prepared(texts, labels, unlabelled, label_terms, config)
    if on_step:
        on_step("features")
    return _cross_validate(prep, folds=folds, seed=seed, baseline=baseline, on_step=on_step)


def train_from_records(texts: Sequence[str], labels: Sequence[str], *,
                       unlabelled: Sequence[str] | None = None,
                       label_terms: Mapping[str, Sequence[str]] | None = None,
                       config: TrainingConfig | None = None, cv_folds: int = 0, seed: int = 42,
                       on_step: StepCallback | None = None) -> Suggester:
    """Train a suggester from (text, label) records, e.g. closed cases and their departments.

    ``texts`` are "title\\nbody" strings; ``labels`` whatever should be predicted (一级分类 or
    department codes). ``unlabelled`` texts help the vocabulary and self-training;
    ``label_terms`` maps labels to taxonomy terms. With ``cv_folds`` ≥ 2 the model is also
    cross-validated and its confidence scale fitted; the figures go into the metadata.
    """
    config = config or TrainingConfig()
    prep = _Prepared(texts, labels, unlabelled, label_terms, config)
    if on_step:
        on_step("features")
    report, cv_skipped = None, None
    if cv_folds >= 2:
        try:
            report = _cross_validate(prep, folds=cv_folds, seed=seed, baseline=False,
                                     on_step=on_step)
        except DispatchModelError as exc:  # too few samples per label: train without figures
            cv_skipped = str(exc)
    classifier = prep.fit(np.arange(len(prep.texts)))
    if on_step:
        on_step("final model")
    counts = {str(lab): int(n) for lab, n in zip(*np.unique(prep.y, return_counts=True),
                                                     strict=True)}
    metadata: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "labels": [str(c) for c in classifier.classes_],
        "label_counts": counts,
        "training_size": len(prep.texts),
        "skipped_rows": prep.skipped,
        "unlabelled_size": len(prep.unlabelled),
        "taxonomy_terms": len(prep.term_docs),
        "trained_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "config": asdict(config),
        "score_scale": report.score_scale if report else config.score_scale,
        "cv": asdict(report) if report else None,
        "cv_skipped": cv_skipped,
    }
    return Suggester(prep.featurizer, classifier, metadata)


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
        tmp = model_file.with_name(model_file.name + ".tmp")
        joblib.dump({"format": FORMAT_VERSION, "featurizer": self.featurizer,
                     "classifier": self.classifier}, tmp, compress=3)
        tmp.replace(model_file)
        meta_file.write_text(json.dumps(self.metadata, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
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
            raise DispatchModelError(f"派遣模型格式不符 {model_file}: 请重新训练")
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
    """Closed cases as (texts, labels) from the database, via the cases service (结案案件).

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
    return texts, labels
