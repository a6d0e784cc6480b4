"""Sentiment: trained on a small labelled file, C chosen on validation, stored and re-read; the
commands print their figures with the baselines; bad files get a clear Chinese error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartgov.opinion import sentiment
from smartgov.opinion.cli import app

POS = [
    "服务很好，非常满意",
    "环境干净，值得推荐",
    "送餐很快，味道不错",
    "房间舒适，下次还来",
    "性价比高，很满意",
    "态度热情，点赞",
    "早餐丰富，推荐",
    "交通方便，干净整洁",
]
NEG = [
    "服务太差，非常失望",
    "房间很脏，不推荐",
    "送餐太慢，饭都凉了",
    "态度恶劣，再也不来",
    "价格贵还难吃，差评",
    "隔音很差，吵得睡不着",
    "卫生太差，很失望",
    "等了两小时，太慢了",
]


def write(path: Path, rows: list[tuple[int, str]], column: str = "text") -> Path:
    path.write_text(f"label,{column}\n" + "".join(f"{y},{t}\n" for y, t in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("p", "label"), [(0.6, "positive"), (0.59, "neutral"), (0.41, "neutral"), (0.4, "negative")]
)
def test_polarity_bands(p: float, label: str) -> None:
    assert sentiment.polarity(p) == label


@pytest.fixture()
def no_stored_model() -> Iterator[None]:
    """The model a test trains is removed after it, so other tests score with the lexicon."""
    yield
    sentiment.model_path().unlink(missing_ok=True)


def test_train_and_evaluate_commands(tmp_path: Path, no_stored_model: None) -> None:
    train = write(tmp_path / "train.csv", [(1, t) for t in POS * 3] + [(0, t) for t in NEG * 3])
    valid = write(
        tmp_path / "valid.csv", [(1, t) for t in POS[:4]] + [(0, t) for t in NEG[:4]], column="review"
    )
    test = write(
        tmp_path / "test.csv",
        [(1, "服务很好，推荐"), (0, "太差了，很失望"), (1, "干净整洁，满意"), (0, "送餐太慢，难吃")],
    )
    runner = CliRunner()
    trained = runner.invoke(app, ["train-sentiment", "--csv", str(train), "--validation", str(valid)])
    assert trained.exit_code == 0, trained.output
    assert "validation C=" in trained.output and sentiment.load() is not None
    result = runner.invoke(app, ["sentiment-eval", "--csv", str(test), "--baseline-train", str(train)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "accuracy=1.0000 macro_f1=1.0000"
    assert lines[0].startswith("baseline=majority accuracy=0.5000")
    assert lines[1].startswith("baseline=word_tfidf_lr ")


def test_a_file_without_the_columns_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("score,comment\n1,好\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["train-sentiment", "--csv", str(bad)])
    assert result.exit_code == 2 and "需要 label 列" in result.output


def test_training_needs_both_labels(tmp_path: Path) -> None:
    with pytest.raises(sentiment.SentimentDataError):
        sentiment.train(POS, [1] * len(POS))


def test_lexicon_when_no_model_is_trained() -> None:
    assert sentiment.lexicon_probability("服务满意，感谢") > 0.6
    assert sentiment.lexicon_probability("投诉无人管，太失望") < 0.4
    assert sentiment.lexicon_probability("今天开会") == 0.5


def test_topics_eval_prints_its_figures_without_looking_at_labels(tmp_path: Path) -> None:
    titles = tmp_path / "titles.txt"
    titles.write_text(
        "\n".join(
            ["地铁施工噪音扰民\t0", "地铁施工夜间噪音\t0", "学校食堂价格上涨\t1", "学校食堂饭菜价格\t1"]
        )
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["topics-eval", "--titles", str(titles), "--no-baseline"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "nmi=1.0000 ari=1.0000 topics=2"
