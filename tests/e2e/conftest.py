"""End-to-end fixtures: a real server (``smartgov setup`` + ``smartgov serve``) and real Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_DATABASE_URL, free_port

CHROMIUM = os.environ.get("SMARTGOV_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "Demo@2026sg"
LIVE_ENV: dict[str, str] = {}  # the live server's environment (its var/ and database), for such a command


def live_database_url() -> str | None:
    """With the suite on PostgreSQL, the server gets a fresh database of its own beside the test
    database (the in-process tests empty theirs); on SQLite it makes its file under var/."""
    if not TEST_DATABASE_URL:
        return None
    from sqlalchemy import text

    from smartgov.db import make_engine

    base, _, name = TEST_DATABASE_URL.rpartition("/")
    live = f"{name}_live"
    admin = make_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{live}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{live}"'))
    admin.dispose()
    return f"{base}/{live}"



@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The platform as `make run` starts it, with the demo district on a fresh SQLite file (or a
    fresh PostgreSQL database when the suite runs there)."""
    var_dir = tmp_path_factory.mktemp("e2e-var")
    port = free_port()
    env = {
        **os.environ,
        "SMARTGOV_VAR_DIR": str(var_dir),
        "SMARTGOV_PORT": str(port),
        "SMARTGOV_SECRET_KEY": "e2e",
    }
    env.pop("SMARTGOV_DATABASE_URL", None)
    if (url := live_database_url()) is not None:
        env["SMARTGOV_DATABASE_URL"] = url
    LIVE_ENV.update(env)
    cli = [sys.executable, "-m", "smartgov.cli"]
    # no generated history: the journeys find their own cases first in the queues
    subprocess.run([*cli, "setup", "--cases", "0"], env=env, check=True, capture_output=True, timeout=300)
    log = (var_dir / "server.log").open("w")
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError((var_dir / "server.log").read_text())
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="package")  # closed after the browser tests: its event loop holds the thread
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install chromium (done by .ci/run)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture()
def new_page(browser, request):  # type: ignore[no-untyped-def]
    """Pages in fresh browser contexts (one person each); screenshots land in test-artifacts/."""
    contexts = []

    def make(viewport: dict | None = None):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_load_state("networkidle")
