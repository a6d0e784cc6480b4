"""Learned dispatch on a city's history of real citizens' messages, against the plain baseline.

Reads ../shared/data/messages/labelled_history.csv (1,829 messages, 7 first-level labels) with the
label taxonomy beside it, and measures on messages the model never saw:

* the evaluation protocol of ``smartgov dispatch eval``: 5-fold cross-validation grouped by
  near-duplicate messages (a re-filed complaint never sits on both sides), the SVM's C chosen
  inside each fold's training part (nested); the plain baseline (TF-IDF char 1–3-grams +
  LinearSVC) on the same folds;
* ``smartgov dispatch train`` as it runs: a grouped held-out fifth that model selection never
  sees (model and baseline scored on it), its wall and CPU seconds.

The last line is key=value pairs: macro_f1 (the protocol's) and baseline_macro_f1 on the same
split, holdout_macro_f1 / holdout_baseline_macro_f1, train_s and train_cpu_s. Skips cleanly
when the data is absent.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "data" / "messages"
LABELLED = DATA / "labelled_history.csv"


def main() -> int:
    if not LABELLED.exists():
        print(f"skipped: {LABELLED} not found (the benchmark needs ../shared/data/messages)")
        return 0
    from smartgov.cases.classifier import train_from_records
    from smartgov.cases.dispatch_cli import evaluate, holdout_lines, load_csv_data, report_lines

    started = time.perf_counter()
    data = load_csv_data(LABELLED, ["留言主题", "留言详情"], "一级分类", None, None, auto=True)
    for line in data.sources:
        print(line)
    report = evaluate(data, folds=5, seed=42)
    for line in report_lines(report, time.perf_counter() - started)[:-1]:
        print(line)
    train_started, cpu_started = time.perf_counter(), time.process_time()
    model = train_from_records(data.texts, data.labels, unlabelled=data.unlabelled,
                               label_terms=data.label_terms, cv_folds=5, holdout=0.2)
    train_s, train_cpu_s = time.perf_counter() - train_started, time.process_time() - cpu_started
    for line in holdout_lines(model.metadata):
        print(line)
    held = model.metadata["holdout"]
    print(f"macro_f1={report.model_macro_f1:.4f} baseline_macro_f1={report.baseline_macro_f1:.4f} "
          f"accuracy={report.model_accuracy:.4f} baseline_accuracy={report.baseline_accuracy:.4f} "
          f"holdout_macro_f1={held['model_macro_f1']:.4f} "
          f"holdout_baseline_macro_f1={held['baseline_macro_f1']:.4f} "
          f"train_s={train_s:.1f} train_cpu_s={train_cpu_s:.1f} samples={report.samples} "
          f"groups={report.groups} folds={report.folds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
