"""``smartgov cases …`` and ``smartgov open311 …`` commands."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

cases_app = typer.Typer(help="一网统管 案件 (cases)", no_args_is_help=True)
open311_app = typer.Typer(help="Open311 GeoReport v2 接口", no_args_is_help=True)
console = Console()


@cases_app.command("sweep")
def sweep_command() -> None:
    """Run one SLA sweep now (时限巡检): warnings, overdue marks, reminders."""
    from smartgov.cases.sweeper import sweep
    from smartgov.db import session_factory

    with session_factory()() as session:
        result = sweep(session)
    console.print(f"checked={result.checked} raised={result.raised} ran={result.ran}")


@cases_app.command("catalogue-export")
def catalogue_export(output: Path = typer.Argument(..., help="CSV file to write")) -> None:
    """Export the case catalogue (案件分类目录) to CSV."""
    from smartgov.cases.catalogue.service import export_csv
    from smartgov.db import session_scope

    with session_scope() as session:
        output.write_text(export_csv(session), encoding="utf-8")
    console.print(f"written {output}")


@cases_app.command("catalogue-import")
def catalogue_import(
    path: Path = typer.Argument(..., exists=True, help="CSV or XLSX file"),
) -> None:
    """Import categories from CSV/XLSX; a file with any bad row changes nothing."""
    from smartgov.cases.catalogue.service import import_file
    from smartgov.db import session_scope
    from smartgov.errors import AppError

    try:
        with session_scope() as session:
            count = import_file(session, path)
    except AppError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]{count} rows imported[/green]")


@open311_app.command("key")
def open311_key(
    action: str = typer.Argument(..., help="create"),
    name: str = typer.Argument(..., help="client application name"),
) -> None:
    """``smartgov open311 key create NAME``: issue an API key; the key is the last line printed."""
    from smartgov.cases.open311.keys import create_client
    from smartgov.db import session_scope

    if action != "create":
        console.print("[red]only 'create' is supported[/red]")
        raise typer.Exit(2)
    with session_scope() as session:
        client, key = create_client(session, name)
    console.print(f"Open311 client #{client.id} {name} created; keep this key secret:")
    print(key)
