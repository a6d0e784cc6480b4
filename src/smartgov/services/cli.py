"""`smartgov certificates …` and `smartgov services …` commands."""

from __future__ import annotations

import typer

from smartgov.db import now, session_scope

certificates_app = typer.Typer(help="电子证照 (electronic certificates)", no_args_is_help=True)
services_app = typer.Typer(help="一网通办 (government services)", no_args_is_help=True)


@certificates_app.command("list")
def list_certificates() -> None:
    """Print every certificate identifier, one a line."""
    from smartgov.services.certificates import service

    with session_scope() as session:
        for identifier in service.identifiers(session):
            typer.echo(identifier)


@certificates_app.command("public-key")
def public_key() -> None:
    """Print the signing public key (PEM)."""
    from smartgov.services.certificates import signing

    typer.echo(signing.public_key_pem(), nl=False)


@certificates_app.command("verify")
def verify(identifier: str) -> None:
    """Verify one certificate: check character, signature and status."""
    from smartgov.services.certificates import service

    with session_scope() as session:
        result = service.verify(session, identifier)
        typer.echo(result.label)
        if not result.authentic:
            raise typer.Exit(1)


@services_app.command("terminate-broken-promises")
def terminate_broken_promises() -> None:
    """End applications whose 容缺 promise date passed without the materials."""
    from smartgov.services import service

    with session_scope() as session:
        typer.echo(f"终止 {service.terminate_broken_promises(session, now())} 件")


@services_app.command("sweep")
def sweep(at: str = typer.Option(None, help="时刻 (ISO 8601, with zone); default now")) -> None:
    """One time-limit sweep (视为受理, 视为同意, 预警) now or as of a given moment."""
    from datetime import datetime

    from smartgov.services import service  # noqa: F401 — registers the applications' sweep hook
    from smartgov.workclock import sweeper

    moment = datetime.fromisoformat(at) if at else now()
    if moment.tzinfo is None:
        raise typer.BadParameter("请带时区，例如 2026-10-09T10:00:00+08:00")
    with session_scope() as session:
        result = sweeper.sweep(session, moment)
    typer.echo(f"检查 {result.checked} 个计时器，升级 {result.raised} 个")
