"""``smartgov clock``: due times, holiday schedules (工作日历与时限)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from smartgov.errors import AppError

app = typer.Typer(help="工作日历与时限 (working calendar and time limits)", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)

_WEEKDAYS = "一二三四五六日"


def _fail(exc: AppError) -> typer.Exit:
    err_console.print(f"[red]{exc.message}[/red]", soft_wrap=True)
    return typer.Exit(1)


@app.command("due")
def due(
    start: str = typer.Argument(..., help="起算时间 ISO 8601, e.g. 2026-09-30T16:00:00+08:00"),
    limit: str = typer.Argument(..., help="时限, e.g. 4wh, 3wd, 24h, 2d"),
) -> None:
    """Print the due time of LIMIT started at START (到期时间)."""
    from smartgov.workclock.service import due_at, parse_moment

    try:
        print(due_at(parse_moment(start), limit).isoformat())
    except AppError as exc:
        raise _fail(exc) from exc


@app.command("load")
def load(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                     help="CSV (date,is_workday,name) or JSON schedule")) -> None:
    """Load a year's holiday schedule into the database (导入节假日安排)."""
    from smartgov.db import session_scope
    from smartgov.workclock.service import load_schedule

    try:
        with session_scope() as session:
            count = load_schedule(session, file)
    except AppError as exc:
        raise _fail(exc) from exc
    console.print(f"[green]已导入 {count} 天 (loaded {count} days)[/green] · {file}")


@app.command("days")
def days(year: int = typer.Argument(..., help="年份, e.g. 2026")) -> None:
    """List holidays on weekdays and make-up working days of YEAR (节假日与调休)."""
    from smartgov.workclock.service import get_calendar

    try:
        special = get_calendar().special_days(year)
    except AppError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{year} 年节假日与调休")
    for column in ("日期 date", "星期", "安排", "名称 name", "来源 source"):
        table.add_column(column)
    for day in special:
        table.add_row(day.day.isoformat(), _WEEKDAYS[day.day.weekday()],
                      "上班 workday" if day.is_workday else "休息 day off", day.name,
                      "导入 loaded" if day.source == "loaded" else "chinese-calendar")
    console.print(table)
