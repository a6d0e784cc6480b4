"""``smartgov exchange``: check the exchange log's hash chain (交换日志校验), list the catalogue."""

from __future__ import annotations

import typer
from rich.console import Console

from smartgov.db import session_scope

app = typer.Typer(help="数据共享交换 (catalogue, exchange log)", no_args_is_help=True)
console = Console()


@app.command("verify-log")
def verify_log() -> None:
    """Recompute the exchange log's hash chain; exit 1 when an entry was changed or removed."""
    from smartgov.exchange import service

    with session_scope() as session:
        check = service.verify_log(session)
    if check.ok:
        console.print(f"[green]交换日志完整[/green]：已校验 {check.checked} 条")
        return
    console.print(
        f"[red]交换日志被篡改[/red]：第 {check.broken_at} 条 {check.reason}（此前 {check.checked} 条完好）"
    )
    raise typer.Exit(1)


@app.command("catalogue")
def list_catalogue() -> None:
    """Print the resources of the catalogue (资源目录)."""
    from smartgov.exchange import service
    from smartgov.exchange.workflow import SHARE_TYPES

    with session_scope() as session:
        for r in service.catalogue(session):
            console.print(f"{r.code}\t{r.name}\t{SHARE_TYPES[r.share_type]}\t{len(r.items)} 项")
