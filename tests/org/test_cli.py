"""``smartgov geo import`` / ``smartgov geo locate``."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from smartgov.cli import app
from smartgov.org.models import Area
from tests.org.test_import import COMMUNITIES, GRIDS, STREETS

runner = CliRunner()


def write(tmp_path: Path, name: str, data: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_import_in_order_then_locate(session: Session, tmp_path: Path) -> None:
    for level, data in (("street", STREETS), ("community", COMMUNITIES), ("grid", GRIDS)):
        result = runner.invoke(app, ["geo", "import", write(tmp_path, f"{level}.geojson", data),
                                     "--level", level])
        assert result.exit_code == 0, result.output
        assert "导入完成" in result.output
    assert session.scalar(select(func.count(Area.id)).where(Area.level == "grid")) == 8
    again = runner.invoke(app, ["geo", "import", str(tmp_path / "grid.geojson"), "--level", "grid"])
    assert again.exit_code == 0 and "未变 unchanged" in again.output
    located = runner.invoke(app, ["geo", "locate", "120.1725", "30.2815"])
    assert located.exit_code == 0 and "S2-1-2" in located.output


def test_import_failure_is_reported(session: Session, tmp_path: Path) -> None:
    result = runner.invoke(app, ["geo", "import", write(tmp_path, "g.geojson", GRIDS),
                                 "--level", "grid", "--code-prop", "nope"])
    assert result.exit_code == 1
    assert "导入失败" in result.output
    outside = runner.invoke(app, ["geo", "locate", "116.4", "39.9"])
    assert outside.exit_code == 1
