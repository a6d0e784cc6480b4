"""The learned dispatch suggester: training, suggestions, storage, CLI, and the real messages."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartgov.cases import classifier
from smartgov.cases.classifier import (
    DispatchModelError,
    Suggester,
    Suggestion,
    TrainingConfig,
    cross_validate,
    dedupe_unlabelled,
    read_labelled_csv,
    read_taxonomy_csv,
    train_from_records,
)
from smartgov.cases.dispatch_cli import dispatch_app
from smartgov.config import reset_settings
from smartgov.text import join_fields, title_of
from tests.conftest import require_shared

# Three kinds of request, each phrased many ways: (label, titles, details).
TEMPLATES = {
    "环境保护": (["{p}工厂排放废气", "{p}河道水污染严重", "{p}夜间噪音扰民", "{p}垃圾焚烧冒黑烟"],
             ["刺鼻气味让居民无法开窗，请环保部门查处污染。", "污水直排河里，鱼都死了，请求监测水质。",
              "工地夜间施工噪声很大，影响休息，希望执法。"]),
    "教育文体": (["{p}学校乱收费", "{p}幼儿园学位不足", "{p}小学招生划片不合理", "{p}教师补课问题"],
             ["学校要求家长缴纳资料费，孩子上学负担重。", "适龄儿童入学难，希望教育局增加学位。",
              "老师在校外有偿补课，学生被迫参加培训班。"]),
    "交通运输": (["{p}公交线路停运", "{p}出租车拒载", "{p}网约车乱收费", "{p}客运站班次太少"],
             ["早高峰公交车等一个小时，希望增加班次方便出行。", "司机拒载绕路，请交通运输局整顿出租车。",
              "长途客运票价上涨，乘客出行不便。"]),
}
PLACES = ["A市", "A2区", "A3区", "A5区", "A7县"]


def synthetic_rows() -> list[tuple[str, str, str]]:
    """(title, detail, label) rows: every title with every detail, in several places."""
    rows = []
    for label, (titles, details) in TEMPLATES.items():
        for i, title in enumerate(titles):
            for j, detail in enumerate(details):
                place = PLACES[(i + j) % len(PLACES)]
                rows.append((title.format(p=place), detail, label))
    return rows


def synthetic_records() -> tuple[list[str], list[str]]:
    rows = synthetic_rows()
    return [join_fields([t, d]) for t, d, _ in rows], [lab for _, _, lab in rows]


TERMS = {"环境保护": ["大气污染", "水污染", "噪音污染", "其他"],
         "教育文体": ["招生录取", "乱收费", "学生负担"],
         "交通运输": ["出租车管理", "旅客运输", "公交"],
         "农村农业": ["农田水利"]}


@pytest.fixture(scope="module")
def suggester() -> Suggester:
    texts, labels = synthetic_records()
    return train_from_records(texts, labels, label_terms=TERMS)


@pytest.fixture()
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private var/ so the model under var/models is this test's own."""
    var = tmp_path / "var"
    monkeypatch.setenv("SMARTGOV_VAR_DIR", str(var))
    reset_settings()
    yield var
    reset_settings()


# --- suggestions ---------------------------------------------------------------------------

def test_suggests_top_three_with_ordered_confidences(suggester: Suggester) -> None:
    result = suggester.suggest("A6区化工厂偷排污水\n河水发黑发臭，请环保部门来检测。", k=3)
    assert [type(s) for s in result] == [Suggestion] * 3
    assert result[0].label == "环境保护"
    confidences = [s.confidence for s in result]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 <= c <= 1 for c in confidences)
    assert sum(confidences) <= 1 + 1e-6
    assert {s.label for s in result} == {"环境保护", "教育文体", "交通运输"}


@pytest.mark.parametrize(("text", "label"), [
    ("孩子入学难\n学校招生不公平，希望教育局解决学位问题。", "教育文体"),
    ("公交车太少\n每天等车很久，希望增加公交线路。", "交通运输"),
])
def test_predicts_the_obvious_label(suggester: Suggester, text: str, label: str) -> None:
    assert suggester.suggest(text, k=1)[0].label == label
    assert suggester.predict([text]) == [label]


def test_k_limits_and_probabilities_sum_to_one(suggester: Suggester) -> None:
    assert len(suggester.suggest("噪音", k=1)) == 1
    assert len(suggester.suggest("噪音", k=10)) == 3  # only three labels exist
    probs = suggester.probabilities(["噪音", "", "学校"])
    assert probs.shape == (3, 3)
    assert probs.sum(axis=1) == pytest.approx([1.0, 1.0, 1.0], abs=1e-5)
    assert suggester.suggest_many([]) == []


@pytest.mark.parametrize("text", ["A6区化工厂偷排污水\n河水发黑发臭。", "", "ABC abc 123",
                                  "小区  停车收费\n\n太贵了！！", "学校"])
def test_single_text_fast_path_matches_batch(suggester: Suggester, text: str) -> None:
    assert suggester.probability_row(text) == pytest.approx(suggester.probabilities([text])[0],
                                                             abs=1e-6)


def test_metadata_describes_training(suggester: Suggester) -> None:
    meta = suggester.metadata
    assert meta["labels"] == sorted(TEMPLATES)
    assert meta["training_size"] == len(synthetic_rows())
    # "其他" and the terms of labels not being trained (农村农业) are left out.
    assert meta["taxonomy_terms"] == 9
    assert meta["cv"] is None
    assert meta["trained_at"]


def test_two_labels_work() -> None:
    texts, labels = synthetic_records()
    keep = [i for i, lab in enumerate(labels) if lab != "交通运输"]
    model = train_from_records([texts[i] for i in keep], [labels[i] for i in keep])
    result = model.suggest("学校乱收费\n要求缴纳资料费", k=3)
    assert [s.label for s in result][0] == "教育文体"
    assert len(result) == 2
    assert model.probability_row("学校") == pytest.approx(model.probabilities(["学校"])[0],
                                                        abs=1e-6)


def test_self_training_and_dedupe_of_unlabelled() -> None:
    texts, labels = synthetic_records()
    unlabelled = [texts[0], "A8县学校食堂收费过高\n希望教育部门规范收费。",
                  "A8县出租车拒载\n司机挑客，晚上打不到车。", "  "]
    model = train_from_records(texts, labels, unlabelled=unlabelled, cv_folds=3)
    assert model.metadata["unlabelled_size"] == 2  # the labelled duplicate and the blank dropped
    cv = model.metadata["cv"]
    assert cv["folds"] == 3
    assert 0 <= cv["model_macro_f1"] <= 1
    assert model.metadata["score_scale"] == cv["score_scale"]


def test_cv_is_skipped_not_fatal_when_a_label_is_rare() -> None:
    texts, labels = synthetic_records()
    model = train_from_records([*texts, "路灯不亮\n晚上一片漆黑"], [*labels, "城乡建设"],
                               cv_folds=5)
    assert model.metadata["cv"] is None
    assert "至少 2 条" in model.metadata["cv_skipped"]
    assert "城乡建设" in model.labels


def test_dedupe_by_title_or_body() -> None:
    labelled = ["A市某路段积水严重\n每逢下雨路面积水半米深，行人车辆无法通行，请尽快处理。"]
    unlabelled = [
        "A市某路段积水严重\n换了说法的内容。",  # same title
        "另一个题目\n每逢下雨路面积水半米深，行人车辆无法通行，请尽快处理。",  # same body
        "完全不同的留言\n小区电梯经常故障，业主被困多次。",
        "完全不同的留言\n小区电梯经常故障，业主被困多次。",  # repeated in the pool
    ]
    assert dedupe_unlabelled(unlabelled, labelled) == [unlabelled[2]]


def test_title_is_first_line() -> None:
    assert title_of("题目\n内容") == "题目"
    assert join_fields(["题目", "第一行\n第二行", None, ""]) == "题目\n第一行 第二行"


def test_bad_training_data_is_refused() -> None:
    with pytest.raises(DispatchModelError, match="两个不同的标签"):
        train_from_records(["a", "b"], ["x", "x"])
    with pytest.raises(DispatchModelError, match="数量不一致"):
        train_from_records(["a", "b"], ["x"])
    with pytest.raises(DispatchModelError, match="至少 2 条"):
        cross_validate(["路灯坏了", "学校收费", "公交停运"], ["城建", "教育", "交通"], baseline=False)


def test_blank_rows_are_counted_not_trained() -> None:
    texts, labels = synthetic_records()
    model = train_from_records([*texts, "", "无标签文本"], [*labels, "教育文体", ""])
    assert model.metadata["training_size"] == len(texts)
    assert model.metadata["skipped_rows"] == 2


# --- storage -------------------------------------------------------------------------------

def test_save_load_round_trip_under_var(suggester: Suggester, var_dir: Path) -> None:
    assert Suggester.load() is None
    path = suggester.save()
    assert path == var_dir / "models" / "dispatch" / "suggester.joblib"
    meta = json.loads((path.parent / "suggester.json").read_text(encoding="utf-8"))
    assert meta["labels"] == sorted(TEMPLATES)
    loaded = Suggester.load()
    assert loaded is not None
    text = "A3区工厂废气扰民\n晚上气味刺鼻"
    assert loaded.suggest(text) == suggester.suggest(text)
    assert loaded.metadata == suggester.metadata


def test_save_to_explicit_file(suggester: Suggester, tmp_path: Path) -> None:
    path = suggester.save(tmp_path / "m" / "custom.joblib")
    assert (tmp_path / "m" / "custom.json").exists()
    assert Suggester.load(path).labels == suggester.labels  # type: ignore[union-attr]


def test_load_refuses_a_foreign_file(tmp_path: Path) -> None:
    import joblib

    (tmp_path / "bad").mkdir()
    joblib.dump({"something": "else"}, tmp_path / "bad" / "suggester.joblib")
    with pytest.raises(DispatchModelError, match="重新训练"):
        Suggester.load(tmp_path / "bad")
    (tmp_path / "bad" / "suggester.joblib").write_bytes(b"not a pickle")
    with pytest.raises(DispatchModelError, match="无法读取"):
        Suggester.load(tmp_path / "bad")


# --- CSV and CLI ---------------------------------------------------------------------------

def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture()
def csv_folder(tmp_path: Path) -> Path:
    """A labelled CSV with an unlabelled CSV and a taxonomy beside it, like ../shared/data."""
    folder = tmp_path / "messages"
    folder.mkdir()
    rows = synthetic_rows()
    write_csv(folder / "labelled.csv", ["留言编号", "留言主题", "留言详情", "一级分类"],
              [[str(i), t, d, lab] for i, (t, d, lab) in enumerate(rows)])
    write_csv(folder / "unlabelled.csv", ["留言编号", "留言主题", "留言详情"],
              [["900", "A9区学校收费", "学校收取校服费"], ["901", "A9区空气污染", "工厂排放黑烟"]])
    write_csv(folder / "taxonomy.csv", ["一级分类", "二级分类", "三级分类"],
              [["环境保护", "环境污染", "大气污染"], ["教育文体", "教育收费", "乱收费"],
               ["交通运输", "出租车管理", "其他"]])
    return folder


def test_read_csv_helpers(csv_folder: Path) -> None:
    texts, labels = read_labelled_csv(csv_folder / "labelled.csv", ["留言主题", "留言详情"], "一级分类")
    assert len(texts) == len(labels) == len(synthetic_rows())
    assert texts[0].split("\n")[0] == synthetic_rows()[0][0]
    terms = read_taxonomy_csv(csv_folder / "taxonomy.csv", "一级分类")
    assert terms == {"环境保护": ["环境污染", "大气污染"], "教育文体": ["教育收费", "乱收费"],
                     "交通运输": ["出租车管理"]}


def test_cli_train_eval_suggest(csv_folder: Path, var_dir: Path) -> None:
    runner = CliRunner()
    labelled = str(csv_folder / "labelled.csv")
    result = runner.invoke(dispatch_app, ["train", "--csv", labelled])
    assert result.exit_code == 0, result.output
    assert "unlabelled.csv: 2 条" in result.stdout
    assert "taxonomy.csv" in result.stdout
    meta = json.loads((var_dir / "models" / "dispatch" / "suggester.json").read_text("utf-8"))
    assert meta["training_size"] == len(synthetic_rows())
    assert meta["unlabelled_size"] == 2
    assert meta["cv"]["folds"] == 5
    assert "留出验证" in result.stdout and "baseline" in result.stdout
    assert meta["holdout"]["samples"] + meta["holdout"]["train_size"] == len(synthetic_rows())

    result = runner.invoke(dispatch_app, ["eval", "--csv", labelled])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith("macro_f1=")
    assert 0 <= float(lines[-1].split("=")[1]) <= 1
    assert any(line.startswith("baseline") and "accuracy=" in line for line in lines)
    assert any(line.startswith("model") and "macro_f1=" in line for line in lines)

    result = runner.invoke(dispatch_app, ["suggest", "A3区学校乱收费\\n资料费太贵"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("1. 教育文体")


def test_cli_eval_without_companions(csv_folder: Path) -> None:
    result = CliRunner().invoke(dispatch_app, ["eval", "--csv", str(csv_folder / "labelled.csv"),
                                               "--no-auto", "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "未标注 0 条" in result.stdout
    assert result.stdout.strip().splitlines()[-1].startswith("macro_f1=")


def test_cli_missing_columns_is_a_clear_error(csv_folder: Path, var_dir: Path) -> None:
    runner = CliRunner()
    labelled = str(csv_folder / "labelled.csv")
    result = runner.invoke(dispatch_app, ["train", "--csv", labelled, "--label-col", "二级分类"])
    assert result.exit_code == 2
    assert "缺少列: 二级分类" in result.output
    result = runner.invoke(dispatch_app, ["eval", "--csv", labelled, "--text-cols", "标题,内容"])
    assert result.exit_code == 2
    assert "缺少列: 标题, 内容" in result.output
    result = runner.invoke(dispatch_app, ["eval", "--csv", str(csv_folder / "nope.csv")])
    assert result.exit_code == 2
    assert "找不到文件" in result.output


def test_cli_suggest_without_model(var_dir: Path) -> None:
    result = CliRunner().invoke(dispatch_app, ["suggest", "路灯不亮"])
    assert result.exit_code == 2
    assert "尚未训练" in result.output


def test_cli_train_needs_a_source(var_dir: Path) -> None:
    result = CliRunner().invoke(dispatch_app, ["train"])
    assert result.exit_code == 2
    assert "--csv" in result.output


def test_from_db_hook_without_service_function(monkeypatch: pytest.MonkeyPatch,
                                               var_dir: Path) -> None:
    from smartgov.cases import service

    monkeypatch.delattr(service, "dispatch_training_rows", raising=False)
    with pytest.raises(DispatchModelError, match="dispatch_training_rows"):
        classifier.load_training_rows_from_db()
    result = CliRunner().invoke(dispatch_app, ["train", "--from-db"])
    assert result.exit_code == 2
    assert "尚不可用" in result.output


def test_from_db_hook_trains_from_service_rows(monkeypatch: pytest.MonkeyPatch, engine: object,
                                               var_dir: Path) -> None:
    from smartgov.cases import service

    texts, labels = synthetic_records()
    monkeypatch.setattr(service, "dispatch_training_rows",
                        lambda session: zip(texts, labels, strict=True), raising=False)
    result = CliRunner().invoke(dispatch_app, ["train", "--from-db", "--no-cv"])
    assert result.exit_code == 0, result.output
    assert "数据库已结案案件" in result.stdout
    model = Suggester.load()
    assert model is not None and model.labels == sorted(TEMPLATES)
    assert model.metadata["holdout"]["protocol"].startswith("按时间")  # closed cases: by time


# --- validation that mirrors unseen requests -----------------------------------------------

def test_near_duplicates_share_a_group_and_others_do_not() -> None:
    texts = ["A市某路段积水严重\n每逢下雨路面积水半米深，行人车辆无法通行。",
             "A市某路段积水严重 每逢下雨路面积水半米深，行人车辆无法通行。",  # re-filed
             "学校乱收费\n要求家长缴纳资料费。",
             "出租车拒载\n司机挑客，晚上打不到车。"]
    groups = classifier.near_duplicate_groups(texts)
    assert groups[0] == groups[1]
    assert len({groups[0], groups[2], groups[3]}) == 3
    # The threshold is inclusive: identical texts (cosine 1) join at 1.0, nothing joins above it.
    assert classifier.near_duplicate_groups(texts[:2], threshold=1.0).tolist() == [0, 0]
    assert len(set(classifier.near_duplicate_groups(texts, threshold=1.01).tolist())) == 4


def test_near_duplicate_groups_join_chains_and_survive_texts_without_bigrams() -> None:
    a = "小区门口垃圾没人清运臭气熏天"
    chain = [a, a + "请尽快处理", a + "请尽快处理谢谢各位领导"]
    groups = classifier.near_duplicate_groups([*chain, "公交线路停运出行不便"])
    assert groups[0] == groups[1] == groups[2] != groups[3]
    assert classifier.near_duplicate_groups(["a", "b"]).tolist() == [0, 1]


def test_time_blocks_are_contiguous_periods() -> None:
    assert classifier.time_blocks(5, blocks=2).tolist() == [0, 0, 0, 1, 1]
    assert classifier.time_blocks(3, blocks=10).tolist() == [0, 3, 6]
    assert classifier.time_blocks(0).tolist() == []


def test_holdout_figures_come_from_rows_training_never_saw() -> None:
    texts, labels = synthetic_records()
    model = train_from_records(texts, labels, holdout=0.25, cv_folds=3)
    held, cv = model.metadata["holdout"], model.metadata["cv"]
    assert held["samples"] + held["train_size"] == len(texts)
    assert 0 < held["samples"] < len(texts)
    assert cv["samples"] == held["train_size"]  # model selection saw the training part only
    for key in ("model_macro_f1", "baseline_macro_f1", "model_accuracy", "baseline_accuracy"):
        assert 0 <= held[key] <= 1
    assert "留出验证" in held["protocol"] and "选择模型" in cv["protocol"]
    assert model.metadata["svm_c"] in TrainingConfig().c_candidates
    assert model.metadata["training_size"] == len(texts)  # the final model learns from all rows


def test_time_ordered_holdout_is_the_newest_rows() -> None:
    """The newest fifth is held out: here the newest rows carry the opposite labels, which a
    model trained on the older ones cannot know, so every held-out prediction is wrong."""
    old = [("小区垃圾没人清运", "HW"), ("路边垃圾桶满了", "HW"), ("楼下垃圾堆放", "HW"),
           ("商贩占道摆摊", "CG"), ("早市小摊占道", "CG"), ("流动摊贩占道", "CG")] * 2
    new = [("小区垃圾没人清运", "CG"), ("商贩占道摆摊", "HW"), ("路边垃圾桶满了", "CG")]
    rows = old + new
    model = train_from_records([t for t, _ in rows], [lab for _, lab in rows], holdout=0.2,
                               time_ordered=True)
    held = model.metadata["holdout"]
    assert held["samples"] == 3 and held["train_size"] == len(old)
    assert held["model_accuracy"] == 0.0
    assert "按时间" in held["protocol"]


def test_holdout_skipped_not_fatal_when_older_rows_have_one_label() -> None:
    model = train_from_records(["垃圾", "垃圾桶", "占道", "摆摊"], ["HW", "HW", "CG", "CG"],
                               holdout=0.5, time_ordered=True)
    assert model.metadata["holdout"] is None
    assert "至少两个标签" in model.metadata["holdout_skipped"]


def test_c_is_chosen_among_the_candidates() -> None:
    texts, labels = synthetic_records()
    only = TrainingConfig(c_candidates=(0.5,))
    model = train_from_records(texts, labels, config=only, cv_folds=3)
    assert model.metadata["svm_c"] == 0.5
    assert model.metadata["cv"]["chosen_c"] == [0.5]
    assert train_from_records(texts, labels, config=only).metadata["svm_c"] == only.svm_c


def test_cross_validate_nests_model_selection_in_every_fold() -> None:
    texts, labels = synthetic_records()
    report = cross_validate(texts, labels, folds=3)
    assert report.folds == 3 and len(report.chosen_c) == 3
    assert set(report.chosen_c) <= set(TrainingConfig().c_candidates)
    assert "嵌套" in report.protocol and report.groups >= 3
    assert report.baseline_macro_f1 is not None and 0 <= report.model_macro_f1 <= 1


def test_given_groups_are_never_split() -> None:
    """Rows of one group stay on one side of every fold, and of the held-out split."""
    import numpy as np

    texts, labels = synthetic_records()
    groups = [f"{lab}-{i % 3}" for i, lab in enumerate(labels)]
    material = classifier._Material(texts, labels, None, None, TrainingConfig(), groups=groups)
    splits = material.folds(np.arange(len(texts)), 3, seed=1)
    assert len(splits) == 3
    for train, test in [*splits, material.holdout(0.34, seed=1)]:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        assert len(train) + len(test) == len(texts)
    report = cross_validate(texts, labels, folds=3, groups=groups, baseline=False)
    assert report.groups == 9 and report.protocol.startswith("按组分折")


def test_old_model_format_is_refused_and_ignored_with_a_log_line(
        var_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import joblib

    from smartgov.cases import routing

    model_file, _ = classifier.model_files(None)
    model_file.parent.mkdir(parents=True)
    joblib.dump({"format": 1, "featurizer": None, "classifier": None}, model_file)
    with pytest.raises(DispatchModelError, match="格式不符.*重新训练"):
        Suggester.load()
    with caplog.at_level(logging.WARNING, logger="smartgov.cases.routing"):
        assert routing.current_suggester() is None
    assert any("dispatch model ignored" in r.getMessage() for r in caplog.records)
    assert routing.stored_model() == ("unusable", {})
    result = CliRunner().invoke(dispatch_app, ["suggest", "路灯不亮"])
    assert result.exit_code == 2 and "重新训练" in result.output


def test_stored_model_states(suggester: Suggester, var_dir: Path) -> None:
    from smartgov.cases import routing

    assert routing.stored_model() == ("missing", {})
    suggester.save()
    state, meta = routing.stored_model()
    assert state == "ready" and meta["training_size"] == len(synthetic_rows())


# --- the real messages (../shared/data) ----------------------------------------------------

def test_beats_the_baseline_on_real_messages() -> None:
    """5-fold CV on the 199 labelled messages with the taxonomy (no unlabelled pool, to stay
    quick; the full evaluation is ``benchmarks/dispatch_eval.py``)."""
    folder = require_shared("messages")
    labelled = require_shared("messages", "labelled_dev.csv")
    taxonomy = require_shared("messages", "label_taxonomy.csv")
    assert folder.is_dir()
    texts, labels = read_labelled_csv(labelled, ["留言主题", "留言详情"], "一级分类")
    report = cross_validate(texts, labels, label_terms=read_taxonomy_csv(taxonomy, "一级分类"))
    assert report.samples == 199 and len(report.labels) == 7
    assert report.baseline_macro_f1 is not None
    assert report.model_macro_f1 > report.baseline_macro_f1
    assert report.model_macro_f1 >= 0.75


def test_mounted_as_smartgov_dispatch() -> None:
    from smartgov.cli import app

    result = CliRunner().invoke(app, ["dispatch", "--help"])
    assert result.exit_code == 0
    assert "train" in result.output and "eval" in result.output and "suggest" in result.output
