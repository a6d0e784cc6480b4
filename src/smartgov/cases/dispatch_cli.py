"""``smartgov dispatch``: train, evaluate and try the learned dispatch suggester (智能派遣)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from smartgov.cases.classifier import (
    DispatchModelError,
    EvalReport,
    Suggester,
    cross_validate,
    discover_companions,
    load_training_rows_from_db,
    read_labelled_csv,
    read_taxonomy_csv,
    read_texts_csv,
    train_from_records,
)

dispatch_app = typer.Typer(help="派遣 智能建议 (learned dispatch suggester for free-text requests)",
                           no_args_is_help=True)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

TEXT_COLS_HELP = "文本列，逗号分隔，第一列作为标题 (text columns; the first is the title)"
AUTO_HELP = ("自动使用同目录下的未标注留言和分类体系 CSV "
             "(use sibling CSVs: unlabelled texts, label taxonomy)")


@dataclass
class TrainingData:
    """Labelled rows plus the label-free material found for them."""

    texts: list[str]
    labels: list[str]
    unlabelled: list[str] = field(default_factory=list)
    label_terms: dict[str, list[str]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)


def parse_columns(value: str) -> list[str]:
    cols = [c.strip() for c in value.replace("，", ",").split(",") if c.strip()]
    if not cols:
        raise DispatchModelError("至少需要一个文本列 (--text-cols)")
    return cols


def load_csv_data(csv_path: Path, text_cols: list[str], label_col: str,
                  unlabelled: list[Path] | None, taxonomy: Path | None,
                  auto: bool) -> TrainingData:
    """The labelled CSV, and the unlabelled/taxonomy CSVs given or found beside it."""
    texts, labels = read_labelled_csv(csv_path, text_cols, label_col)
    data = TrainingData(texts, labels, sources=[f"标注 {csv_path.name}: {len(texts)} 条"])
    found_unl, found_tax = discover_companions(csv_path, text_cols, label_col) if auto else ([], [])
    add_companions(data, text_cols, label_col, unlabelled or found_unl, [taxonomy] if taxonomy else found_tax)
    return data


def add_companions(data: TrainingData, text_cols: list[str], label_col: str,
                   unlabelled: list[Path], taxonomies: list[Path]) -> None:
    """Unlabelled texts (self-training) and taxonomy terms for the labels, with a source line each."""
    for path in unlabelled:
        rows = read_texts_csv(path, text_cols)
        data.unlabelled.extend(rows)
        data.sources.append(f"未标注 {path.name}: {len(rows)} 条")
    for path in taxonomies:
        for label, terms in read_taxonomy_csv(path, label_col).items():
            data.label_terms.setdefault(label, []).extend(terms)
        data.sources.append(f"分类体系 {path.name}: {len(data.label_terms)} 个标签")


@contextmanager
def progress_steps(total: int, description: str) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on stderr; yields the callback that advances it."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                  console=err, transient=True) as progress:
        task = progress.add_task(description, total=total)

        def step(label: str) -> None:
            progress.update(task, advance=1, description=f"{description} · {label}")

        yield step


def evaluate(data: TrainingData, *, folds: int = 5, seed: int = 42) -> EvalReport:
    """The evaluation protocol: grouped nested cross-validation of the model and the baseline."""
    with progress_steps(folds + 1, "交叉验证") as step:
        return cross_validate(data.texts, data.labels, unlabelled=data.unlabelled,
                              label_terms=data.label_terms, folds=folds, seed=seed, on_step=step)


def report_lines(report: EvalReport, seconds: float) -> list[str]:
    """The evaluation as printable lines; the last one is ``macro_f1=0.xxx`` (the model's)."""
    lines = [
        f"样本 {report.samples} 条 · 标签 {len(report.labels)} 个 · 未标注 {report.unlabelled} 条 · "
        f"分类词 {report.terms} 个 · {report.protocol} {report.folds} 折 · {report.groups} 组 "
        f"(seed={report.seed})",
    ]
    if report.baseline_macro_f1 is not None:
        lines.append(f"baseline (TF-IDF 字符1-3元 + LinearSVC): accuracy={report.baseline_accuracy:.3f}"
                     f" macro_f1={report.baseline_macro_f1:.3f}")
    lines.append(f"model (字符1-3元 TF-IDF + 分类词 LinearSVC, C 每折内选 "
                 f"{'/'.join(f'{c:g}' for c in report.chosen_c)}): "
                 f"accuracy={report.model_accuracy:.3f} macro_f1={report.model_macro_f1:.3f}")
    lines.append("per-label F1: " + " ".join(f"{k}={v:.3f}" for k, v in report.per_label_f1.items()))
    for level, fig in report.reliability.items():
        lines.append(f"confidence ≥ {level}: share={fig['share']:.3f} accuracy={fig['accuracy']:.3f}")
    lines.append(f"time={seconds:.1f}s")
    lines.append(f"macro_f1={report.model_macro_f1:.3f}")
    return lines


def holdout_lines(meta: dict) -> list[str]:
    """The held-out figures of a trained model's metadata (model and baseline, same rows)."""
    held = meta.get("holdout")
    if not held:
        return [f"[yellow]未做留出验证:[/yellow] {meta['holdout_skipped']}"] if meta.get(
            "holdout_skipped") else []
    return [f"{held['protocol']} ({held['samples']} 条, 训练 {held['train_size']} 条): "
            f"model accuracy={held['model_accuracy']:.3f} macro_f1={held['model_macro_f1']:.3f} · "
            f"baseline accuracy={held['baseline_accuracy']:.3f} "
            f"macro_f1={held['baseline_macro_f1']:.3f}"]


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]错误:[/red] {exc}")
    return typer.Exit(2)


@dispatch_app.command("train")
def train(
    csv_path: Path = typer.Option(None, "--csv", help="标注数据 CSV (UTF-8)"),
    text_cols: str = typer.Option("留言主题,留言详情", "--text-cols", help=TEXT_COLS_HELP),
    label_col: str = typer.Option("一级分类", "--label-col", help="标签列"),
    from_db: bool = typer.Option(False, "--from-db", help="用数据库中已结案案件训练"),
    unlabelled: list[Path] = typer.Option(None, "--unlabelled", help="未标注文本 CSV，可重复"),
    taxonomy: Path = typer.Option(None, "--taxonomy", help="分类体系 CSV (标签列 + 术语列)"),
    auto: bool = typer.Option(True, "--auto/--no-auto", help=AUTO_HELP),
    cv: bool = typer.Option(True, "--cv/--no-cv", help="训练时用 5 折分组交叉验证选择模型并记录结果"),
    holdout: float = typer.Option(0.2, "--holdout", min=0.0, max=0.5,
                                  help="留出验证比例 (模型选择不使用这部分；0 不留出)"),
    output: Path = typer.Option(None, "--output", help="模型目录 (default var/models/dispatch)"),
) -> None:
    """Train the suggester and store it under var/models (训练派遣模型)."""
    started = time.perf_counter()
    try:
        cols = parse_columns(text_cols)
        if from_db:
            texts, labels = load_training_rows_from_db()  # oldest first: held out by time
            data = TrainingData(texts, labels, sources=[f"数据库已结案案件: {len(texts)} 条"])
            add_companions(data, cols, label_col, unlabelled or [], [taxonomy] if taxonomy else [])
        elif csv_path is not None:
            data = load_csv_data(csv_path, cols, label_col, unlabelled, taxonomy, auto)
        else:
            raise DispatchModelError("请指定 --csv FILE 或 --from-db")
        for line in data.sources:
            out.print(line)
        folds = 5 if cv else 0
        with progress_steps(folds + 3, "训练") as step:
            suggester = train_from_records(data.texts, data.labels, unlabelled=data.unlabelled,
                                           label_terms=data.label_terms, cv_folds=folds,
                                           holdout=holdout, time_ordered=from_db, on_step=step)
        path = suggester.save(output)
    except DispatchModelError as exc:
        raise _fail(exc) from exc
    meta = suggester.metadata
    out.print(f"标签 {len(meta['labels'])} 个: {', '.join(meta['labels'])}")
    out.print(f"训练样本 {meta['training_size']} 条 (跳过空行 {meta['skipped_rows']}) · "
              f"未标注 {meta['unlabelled_size']} 条 · 分类词 {meta['taxonomy_terms']} 个")
    if meta.get("cv"):
        out.print(f"{meta['cv']['protocol']}: accuracy={meta['cv']['model_accuracy']:.3f} "
                  f"macro_f1={meta['cv']['model_macro_f1']:.3f} · 选定 C={meta['svm_c']:g} · "
                  f"置信度尺度 {meta['score_scale']}")
    elif meta.get("cv_skipped"):
        out.print(f"[yellow]未做交叉验证:[/yellow] {meta['cv_skipped']}")
    for line in holdout_lines(meta):
        out.print(line)
    out.print(f"模型已保存: {path} ({time.perf_counter() - started:.1f}s, "
              f"CPU {meta['cpu_seconds']:.1f}s)")


@dispatch_app.command("eval")
def evaluate_command(
    csv_path: Path = typer.Option(..., "--csv", help="标注数据 CSV (UTF-8)"),
    text_cols: str = typer.Option("留言主题,留言详情", "--text-cols", help=TEXT_COLS_HELP),
    label_col: str = typer.Option("一级分类", "--label-col", help="标签列"),
    unlabelled: list[Path] = typer.Option(None, "--unlabelled", help="未标注文本 CSV，可重复"),
    taxonomy: Path = typer.Option(None, "--taxonomy", help="分类体系 CSV (标签列 + 术语列)"),
    auto: bool = typer.Option(True, "--auto/--no-auto", help=AUTO_HELP),
    folds: int = typer.Option(5, "--folds", min=2, help="折数"),
    seed: int = typer.Option(42, "--seed", help="随机种子"),
) -> None:
    """Grouped nested CV of the suggester against the TF-IDF baseline (评估); last line macro_f1=…"""
    started = time.perf_counter()
    try:
        data = load_csv_data(csv_path, parse_columns(text_cols), label_col, unlabelled, taxonomy,
                             auto)
        for line in data.sources:
            out.print(line)
        report = evaluate(data, folds=folds, seed=seed)
    except DispatchModelError as exc:
        raise _fail(exc) from exc
    for line in report_lines(report, time.perf_counter() - started):
        out.print(line)


@dispatch_app.command("suggest")
def suggest(
    text: str = typer.Argument(..., help="诉求文本 (标题\\n内容)"),
    k: int = typer.Option(3, "-k", min=1, help="建议个数"),
    model: Path = typer.Option(None, "--model", help="模型目录 (default var/models/dispatch)"),
) -> None:
    """Print the top-k suggested labels for a request (派遣建议)."""
    try:
        suggester = Suggester.load(model)
    except DispatchModelError as exc:
        raise _fail(exc) from exc
    if suggester is None:
        raise _fail(DispatchModelError("尚未训练派遣模型: 请先运行 smartgov dispatch train"))
    for rank, item in enumerate(suggester.suggest(text.replace("\\n", "\n"), k=k), start=1):
        out.print(f"{rank}. {item.label}\t{item.confidence:.3f}")
