"""Learned dispatch: cross-validated accuracy and macro-F1 on the real citizens' messages.

Runs ``smartgov dispatch eval`` on ../shared/data/messages/labelled_dev.csv (199 messages,
7 first-level labels): stratified 5-fold CV (seed 42) of the suggester — using the label
taxonomy and the unlabelled messages beside it — and of the plain TF-IDF char 1–3-gram +
LinearSVC baseline. The last line is ``macro_f1=0.xxx`` (the suggester's).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "data" / "messages"
LABELLED = DATA / "labelled_dev.csv"


def main() -> int:
    if not LABELLED.exists():
        print(f"skipped: {LABELLED} not found (the benchmark needs ../shared/data/messages)")
        return 0
    from smartgov.cases.dispatch_cli import evaluate, load_csv_data, report_lines

    started = time.perf_counter()
    data = load_csv_data(LABELLED, ["留言主题", "留言详情"], "一级分类", None, None, auto=True)
    for line in data.sources:
        print(line)
    report = evaluate(data, folds=5, seed=42)
    for line in report_lines(report, time.perf_counter() - started):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
