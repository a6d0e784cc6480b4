"""``smartgov clock``: due, load, days."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from smartgov.cli import app

runner = CliRunner()


def test_due_examples_from_the_issue() -> None:
    result = runner.invoke(app, ["clock", "due", "2026-09-30T16:00:00+08:00", "3wd"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2026-10-10T17:30:00+08:00"
    result = runner.invoke(app, ["clock", "due", "2026-09-30T16:00:00+08:00", "4wh"])
    assert result.output.strip() == "2026-10-08T11:00:00+08:00"


def test_due_without_offset_uses_the_configured_zone() -> None:
    result = runner.invoke(app, ["clock", "due", "2026-09-30T16:00", "24h"])
    assert result.output.strip() == "2026-10-01T16:00:00+08:00"
    result = runner.invoke(app, ["clock", "due", "2026-09-30T08:00:00Z", "4wh"])
    assert result.output.strip() == "2026-10-08T11:00:00+08:00"


@pytest.mark.parametrize(("args", "fragment"), [
    (["2026-09-30T16:00", "3weeks"], "bad time limit"),
    (["yesterday", "3wd"], "bad moment"),
    (["2030-03-04T10:00", "1wd"], "2030"),
])
def test_due_errors_exit_non_zero_with_a_message(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, ["clock", "due", *args])
    assert result.exit_code == 1
    assert fragment in result.output


def test_load_then_due_and_days(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "2027.csv"
    path.write_text("date,is_workday,name\n2027-01-01,休,元旦\n2027-01-09,班,调休\n",
                    encoding="utf-8")
    result = runner.invoke(app, ["clock", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "2" in result.output
    result = runner.invoke(app, ["clock", "due", "2026-12-31T10:00:00+08:00", "1wd"])
    assert result.output.strip() == "2027-01-04T17:30:00+08:00"
    result = runner.invoke(app, ["clock", "days", "2027"])
    assert result.exit_code == 0 and "2027-01-09" in result.output and "调休" in result.output


def test_load_reports_a_bad_file(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("2027-01-01,maybe\n", encoding="utf-8")
    result = runner.invoke(app, ["clock", "load", str(path)])
    assert result.exit_code == 1 and "line 1" in result.output


def test_days_lists_package_days() -> None:
    result = runner.invoke(app, ["clock", "days", "2026"])
    assert result.exit_code == 0
    assert "2026-10-10" in result.output and "2026-09-20" in result.output
    assert runner.invoke(app, ["clock", "days", "2030"]).exit_code == 1
