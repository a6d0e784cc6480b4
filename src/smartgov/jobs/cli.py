"""``smartgov worker`` and ``smartgov jobs status|retry`` (后台任务命令)."""

from __future__ import annotations

import json
import logging

import typer
from rich.console import Console
from rich.table import Table

jobs_app = typer.Typer(help="后台任务 (background jobs)", no_args_is_help=True)
console = Console()


def worker(
    concurrency: int = typer.Option(1, "--concurrency", min=1, help="同时执行的任务数"),
    queues: list[str] = typer.Option(None, "--queues", help="只执行这些队列的任务 (默认全部)"),
) -> None:
    """Run jobs in the foreground (任务执行进程): procrastinate on PostgreSQL, the runner on SQLite."""
    from smartgov.db import get_engine
    from smartgov.domains import JOB_MODULES
    from smartgov.jobs import worker as runner
    from smartgov.jobs.common import is_postgres

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    engine = get_engine()
    runner.load(JOB_MODULES)
    where = engine.url.render_as_string(hide_password=True)
    if is_postgres(engine):
        console.print(f"[green]procrastinate worker[/green] · {where} · 并发 {concurrency}")
        runner.run_postgres_worker(engine, concurrency=concurrency, queues=list(queues or []))
    else:
        console.print(f"[green]任务执行器 (SQLite)[/green] · {where} · 并发 {concurrency}")
        runner.run_local_foreground(engine, concurrency=concurrency)


@jobs_app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="输出一个 JSON 对象")) -> None:
    """Jobs by state (任务状态): 排队中 / 执行中 / 已完成 / 失败."""
    from smartgov.db import session_scope
    from smartgov.jobs.service import STATE_LABELS, status_counts

    with session_scope() as session:
        counts = status_counts(session)
    if as_json:
        typer.echo(json.dumps(counts, ensure_ascii=False))
        return
    table = Table(title="后台任务")
    table.add_column("状态")
    table.add_column("数量", justify="right")
    for key, label in STATE_LABELS.items():
        table.add_row(label, str(counts[key]))
    console.print(table)


@jobs_app.command("retry")
def retry(job_id: int = typer.Argument(..., help="任务编号")) -> None:
    """Put a failed job back in the queue (重试失败任务), audited."""
    import getpass

    from smartgov.db import session_scope
    from smartgov.errors import AppError
    from smartgov.jobs import service

    try:
        with session_scope() as session:
            task_name = service.retry(session, job_id, actor_name=f"cli:{getpass.getuser()}")
    except AppError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"[green]已重新排队[/green] 任务 {job_id} ({task_name})")
