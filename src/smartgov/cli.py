"""The ``smartgov`` command: serve, db, demo, geo, clock, users, dispatch, open311 …"""

from __future__ import annotations

import importlib

import typer
from rich.console import Console

from smartgov.config import get_settings
from smartgov.jobs.cli import jobs_app
from smartgov.jobs.cli import worker as jobs_worker

app = typer.Typer(help="smartgov 智慧政务一体化平台", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="数据库 (database schema)", no_args_is_help=True)
demo_app = typer.Typer(help="演示数据 (demo district)", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
console = Console()

# (module, attribute, command name): each domain owns its own sub-commands.
DOMAIN_COMMANDS = (
    ("smartgov.workclock.cli", "app", "clock"),
    ("smartgov.org.cli", "app", "geo"),
    ("smartgov.auth.cli", "app", "users"),
    ("smartgov.cases.dispatch_cli", "dispatch_app", "dispatch"),
    ("smartgov.cases.cli", "open311_app", "open311"),
    ("smartgov.cases.cli", "cases_app", "cases"),
    ("smartgov.services.cli", "certificates_app", "certificates"),
    ("smartgov.services.cli", "services_app", "services"),
    ("smartgov.iot.cli", "app", "iot"),
    ("smartgov.exchange.cli", "app", "exchange"),
    ("smartgov.opinion.cli", "app", "opinion"),
)
app.command("worker")(jobs_worker)  # platform: background jobs
app.add_typer(jobs_app, name="jobs")
for _module, _attr, _name in DOMAIN_COMMANDS:
    try:
        _sub = getattr(importlib.import_module(_module), _attr)
    except (ModuleNotFoundError, AttributeError):
        continue
    app.add_typer(_sub, name=_name)


@app.command()
def serve(
    host: str = typer.Option(None, help="监听地址 (default SMARTGOV_HOST or 127.0.0.1)"),
    port: int = typer.Option(None, help="端口 (default SMARTGOV_PORT or 8000)"),
    workers: int = typer.Option(1, help="进程数"),
    no_worker: bool = typer.Option(False, "--no-worker", help="不在服务进程内执行后台任务"),
) -> None:
    """Serve the platform (启动服务)."""
    import os

    import uvicorn

    if no_worker:  # read by create_app's lifespan in the server process (uvicorn builds it by factory)
        os.environ["SMARTGOV_INPROCESS_WORKER"] = "0"
        from smartgov.config import reset_settings

        reset_settings()
    # 物联感知: the server also consumes MQTT telemetry when a broker answers (see iot.mqtt)
    os.environ.setdefault("SMARTGOV_IOT_INGEST_INPROCESS", "1")
    settings = get_settings()
    uvicorn.run(
        "smartgov.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level="info",
    )


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Create or migrate the database schema (数据库迁移)."""
    from smartgov.db import get_engine
    from smartgov.migrate import upgrade

    engine = get_engine()
    upgrade(engine, revision)
    console.print(
        f"[green]schema at {revision}[/green] · {engine.url.render_as_string(hide_password=True)}"
    )


@demo_app.command("load")
def demo_load(
    cases: int = typer.Option(0, "--cases", help="生成的历史案件数 (historical cases to generate)"),
    force: bool = typer.Option(False, help="即使数据库非空也加载 (load even if not empty)"),
    seed: int = typer.Option(20261121, help="随机种子"),
) -> None:
    """Load the demo district, departments, staff and catalogue (演示区县)."""
    from smartgov.demo import load_demo

    load_demo(cases=cases, force=force, seed=seed, console=console)


@app.command("setup")
def setup(
    quiet: bool = typer.Option(False),
    cases: int | None = typer.Option(None, "--cases", min=0, help="生成的历史案件数（默认 20000）"),
) -> None:
    """Migrate the database and, when it is empty, load the demo district with about a year of
    history, then train the dispatch model on it (used by ``make run``; a second run changes
    nothing)."""
    from smartgov.db import get_engine
    from smartgov.demo import SETUP_CASES, load_demo
    from smartgov.migrate import upgrade

    upgrade(get_engine())
    load_demo(cases=SETUP_CASES if cases is None else cases, force=False, seed=20261121,
              console=console, only_if_empty=True, train=True)


if __name__ == "__main__":
    app()
