"""``smartgov geo``: import areas from GeoJSON, look up the grid of a point (地理数据)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from smartgov.errors import AppError
from smartgov.org.service import ImportReport

app = typer.Typer(help="地理数据: 区/街道/社区/单元网格 (areas and grids)", no_args_is_help=True)
console = Console()


class LevelOption(StrEnum):
    district = "district"
    street = "street"
    community = "community"
    grid = "grid"


class PartsOption(StrEnum):
    merge = "merge"
    separate = "separate"


@app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="GeoJSON FeatureCollection (WGS84 经纬度)"),
    level: LevelOption = typer.Option(..., "--level", help="要素层级 (level of the features)"),
    code_prop: str = typer.Option(None, "--code-prop", help="编码属性 (default: auto-detect)"),
    name_prop: str = typer.Option(None, "--name-prop", help="名称属性 (default: auto-detect)"),
    parent_code_prop: str = typer.Option(None, "--parent-code-prop",
                                         help="上级编码属性 (default: auto-detect)"),
    parts: PartsOption = typer.Option(PartsOption.merge, "--parts",
                                      help="同一编码的多个要素: merge 合并为一个区域, "
                                           "separate 分别保存 (#n)"),
    district_code: str = typer.Option(None, "--district-code", help="自动创建的区编码"),
    district_name: str = typer.Option(None, "--district-name", help="自动创建的区名称"),
) -> None:
    """Import (upsert by code) areas of one level and link them to their parents (导入区域)."""
    from smartgov.db import session_scope
    from smartgov.org.service import import_geojson

    try:
        with _progress() as (progress, hook), session_scope() as session:
            report = import_geojson(
                session, file, level.value, code_prop=code_prop, name_prop=name_prop,
                parent_code_prop=parent_code_prop, parts=parts.value,
                district_code=district_code, district_name=district_name, progress=hook)
            progress.stop()
    except AppError as exc:
        console.print(f"[red]导入失败[/red] ({exc.code}): {exc.message}")
        raise typer.Exit(1) from exc
    except DBAPIError as exc:
        console.print(f"[red]数据库错误[/red]: {exc.orig}；请先运行 `smartgov db upgrade`")
        raise typer.Exit(1) from exc
    _print_report(report)


@app.command("locate")
def locate_cmd(lon: float = typer.Argument(..., help="经度"),
               lat: float = typer.Argument(..., help="纬度")) -> None:
    """Show the unit grid, community and street of a point (网格定位)."""
    from smartgov.db import session_scope
    from smartgov.org.service import locate_point

    try:
        with session_scope() as session:
            found = locate_point(session, lon, lat)
            for level, area in (("grid", found.grid), ("community", found.community),
                                ("street", found.street)):
                if area is not None:
                    console.print(f"{level:<10} {area.code:<20} {area.name}")
    except AppError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    if found.result.snapped:
        console.print(f"[yellow]位于网格外，已吸附到 {found.result.distance_m:.0f} 米处最近的网格"
                      "[/yellow]")


class _progress:
    """A rich progress bar with one task per stage, fed by the service's progress hook."""

    def __enter__(self) -> tuple[Progress, object]:
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), console=console, transient=True)
        self.tasks: dict[str, TaskID] = {}
        self.progress.start()
        return self.progress, self.hook

    def hook(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        if done == total or done % 50 == 0:
            self.progress.update(self.tasks[stage], completed=done)

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def _print_report(report: ImportReport) -> None:
    table = Table(title=f"导入完成 · {Path(report.source).name}", show_header=False)
    table.add_column("项目", style="bold")
    table.add_column("数值", justify="right")
    rows = [
        ("层级 level", report.level),
        ("属性 code / name / parent",
         f"{report.mapping.code or '-'} / {report.mapping.name or '-'} / "
         f"{report.mapping.parent_code or '-'}"),
        ("要素 features", report.features),
        ("区域 areas", report.areas),
        ("  新建 created", report.created),
        ("  更新 updated", report.updated),
        ("  未变 unchanged", report.unchanged),
        ("合并的多部件要素 merged parts", report.merged_parts),
        ("修复的几何 repaired", report.repaired),
        ("丢弃的零面积部件 dropped", report.dropped_parts),
        ("改名以去重 renamed", len(report.renamed)),
        ("总面积 km²", f"{report.total_area_m2 / 1e6:.3f}"),
    ]
    rows += [(f"上级关联: {how}", n) for how, n in sorted(report.linked.items())]
    if report.district_created:
        rows.append(("自动创建的区 district", report.district_created))
    for label, value in rows:
        table.add_row(label, str(value))
    console.print(table)
    for old, new in report.renamed[:10]:
        console.print(f"  编码 {old} → {new}")
