"""``smartgov opinion …``: train and evaluate the sentiment model, evaluate topic discovery, import data."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="舆情监测: 情感模型训练与评估、话题发现评估、数据导入", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.echo(f"错误：{message}", err=True)
    raise typer.Exit(2)


@app.command("train-sentiment")
def train_sentiment(
    csv: list[Path] = typer.Option(
        ..., "--csv", help="训练文件 (label,text 或 label,review；1 = 正面)，可多次给出"
    ),
    validation: Path | None = typer.Option(None, "--validation", help="验证文件：在其上选择正则化强度 C"),
) -> None:
    """训练情感模型 and store it under var/models."""
    from smartgov.opinion import sentiment

    try:
        texts: list[str] = []
        labels: list[int] = []
        for path in csv:
            t, y = sentiment.read_labelled(path)
            texts += t
            labels += y
        held = sentiment.read_labelled(validation) if validation else None
        model, scores = sentiment.train(texts, labels, validation=held)
    except sentiment.SentimentDataError as exc:
        _fail(str(exc))
        return
    for c, f1 in sorted(scores.items()):
        typer.echo(f"validation C={c} macro_f1={f1:.4f}")
    path = sentiment.save(model)
    typer.echo(f"已保存 {path}")
    typer.echo(f"trained={len(texts)} c={model.c}")


@app.command("sentiment-eval")
def sentiment_eval(
    csv: Path = typer.Option(..., "--csv", help="评估文件 (label,text 或 label,review)"),
    baseline_train: list[Path] = typer.Option(
        [], "--baseline-train", help="基线的训练文件 (同样的数据上给出多数类和词袋逻辑回归基线)"
    ),
    lexicon: bool = typer.Option(False, "--lexicon", help="评估内置情感词表 (未训练模型时的打分)"),
) -> None:
    """评估情感模型; the last line is ``accuracy=N macro_f1=N``."""
    from smartgov.opinion import sentiment

    try:
        texts, truth = sentiment.read_labelled(csv)
        if baseline_train:
            bt: list[str] = []
            by: list[int] = []
            for path in baseline_train:
                t, y = sentiment.read_labelled(path)
                bt += t
                by += y
            for name, figures in sentiment.baselines(bt, by, texts, truth).items():
                typer.echo(
                    f"baseline={name} accuracy={figures['accuracy']:.4f} macro_f1={figures['macro_f1']:.4f}"
                )
    except sentiment.SentimentDataError as exc:
        _fail(str(exc))
        return
    if lexicon:
        predicted = [1 if p >= 0.5 else 0 for p in (sentiment.lexicon_probability(t) for t in texts)]
    else:
        model = sentiment.load()
        if model is None:
            _fail("尚未训练情感模型：先运行 smartgov opinion train-sentiment")
            return
        predicted = model.predict(texts)
    figures = sentiment.evaluate(predicted, truth)
    typer.echo(f"accuracy={figures['accuracy']:.4f} macro_f1={figures['macro_f1']:.4f}")


def read_titles(path: Path) -> tuple[list[str], list[str]]:
    """``title<TAB>label`` lines (labels are returned but never used for clustering)."""
    titles: list[str] = []
    labels: list[str] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"无法读取 {path}: {exc}") from exc
    for line in lines:
        if "\t" not in line:
            continue
        title, label = line.rsplit("\t", 1)
        if title.strip():
            titles.append(title.strip())
            labels.append(label.strip())
    return titles, labels


@app.command("topics-eval")
def topics_eval(
    titles: Path = typer.Option(..., "--titles", help="title<TAB>label 的文件；聚类时不看标签"),
    join_at: float = typer.Option(None, "--join-at", min=0.01, max=1.0, help="并入话题的相似度阈值"),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="同时给出 KMeans 基线 (已知类别数)"),
) -> None:
    """评估话题发现; the last line is ``nmi=N ari=N topics=N``."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from smartgov.opinion import topics
    from smartgov.text import segment

    texts, labels = read_titles(titles)
    if not texts:
        _fail("文件中没有 title<TAB>label 行")
        return
    words = [segment(t) for t in texts]
    if baseline:
        from sklearn.cluster import KMeans
        from sklearn.feature_extraction.text import TfidfVectorizer

        k = len(set(labels))
        matrix = TfidfVectorizer(analyzer=lambda ws: [w for w in ws if topics.is_keyword(w)]).fit_transform(
            words
        )
        predicted = KMeans(n_clusters=k, n_init=4, random_state=0).fit_predict(matrix)
        typer.echo(
            f"baseline=kmeans_k{k} nmi={normalized_mutual_info_score(labels, predicted):.4f} "
            f"ari={adjusted_rand_score(labels, predicted):.4f} topics={k}"
        )
    clusters = topics.cluster(words, join_at=join_at or topics.JOIN_AT)
    nmi = normalized_mutual_info_score(labels, clusters)
    ari = adjusted_rand_score(labels, clusters)
    typer.echo(f"nmi={nmi:.4f} ari={ari:.4f} topics={len(set(clusters))}")


@app.command("import")
def import_file(
    path: Path = typer.Argument(..., help="CSV 或 JSONL 文件"),
    source: str = typer.Option(..., "--source", help="信息源编码"),
) -> None:
    """导入 a CSV/JSONL file into a source as the system (runs the pipeline as jobs)."""
    from smartgov.db import session_scope
    from smartgov.opinion import service

    with session_scope() as session:
        src = service.source_by_code(session, source)
        result = service.store_items(session, src, service.parse_import(path.read_bytes(), path.name))
    typer.echo(f"received={result.received} stored={result.stored} duplicates={result.duplicates}")
