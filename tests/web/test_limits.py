"""Request size limits: 413 with a Chinese message, decided before the body is buffered."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import anyio
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from smartgov.config import Settings
from smartgov.web.limits import KB, MB, BodyLimits
from tests.cases.conftest import World
from tests.conftest import free_port, wait_for

CHUNK = 64 * KB


def test_limits_per_kind_of_body() -> None:
    limits = BodyLimits.of(Settings(max_json_kb=100, max_form_kb=50, max_upload_mb=3, max_upload_files=2))
    assert limits.for_type("application/json") == 100 * KB
    assert limits.for_type("text/csv; charset=utf-8") == 100 * KB
    assert limits.for_type("") == 100 * KB
    assert limits.for_type("application/x-www-form-urlencoded") == 50 * KB
    assert limits.for_type("multipart/form-data; boundary=x") == 2 * 3 * MB + 50 * KB


def asgi_post(app: FastAPI, path: str, content_type: str, total: int, *,
              declared: bool, head: bytes = b"") -> tuple[int, bytes, int]:
    """POST ``total`` bytes in 64 KB messages straight through ASGI; (status, body, bytes the app read)."""
    read = 0
    sent: list[dict] = []
    headers = [(b"content-type", content_type.encode()), (b"host", b"testserver")]
    if declared:
        headers.append((b"content-length", str(total).encode()))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": b"", "headers": headers, "client": ("127.0.0.1", 5000),
             "server": ("testserver", 80), "state": {}}

    async def receive() -> dict:
        nonlocal read
        if read >= total:
            return {"type": "http.disconnect"}
        chunk = (head if read == 0 else b"") + b" " * CHUNK
        read += CHUNK
        return {"type": "http.request", "body": chunk[:CHUNK], "more_body": read < total}

    async def send(message: dict) -> None:
        sent.append(message)

    async def run() -> None:
        await app(scope, receive, send)

    with ThreadPoolExecutor(1) as pool:  # a loop of its own (Playwright may hold this thread's)
        pool.submit(anyio.run, run).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, read


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_200_mb_anonymous_json_body_is_refused_unread(app: FastAPI, world: World, declared: bool) -> None:
    status, body, read = asgi_post(app, "/api/v1/cases", "application/json", 200 * MB, declared=declared)
    assert status == 413
    assert "提交的内容过大" in body.decode()
    assert read <= (0 if declared else MB + CHUNK)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_400_mb_photo_is_refused_unread(app: FastAPI, world: World, declared: bool) -> None:
    head = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
    status, body, read = asgi_post(app, "/api/v1/cases/1/photos", "multipart/form-data; boundary=b",
                                   400 * MB, declared=declared, head=head)
    assert status == 413
    assert "提交的内容过大" in body.decode()
    limit = BodyLimits.of(Settings()).upload
    assert read <= (0 if declared else limit + CHUNK)


def test_a_form_page_gets_the_413_as_a_page(app: FastAPI, world: World) -> None:
    status, body, _ = asgi_post(app, "/login", "application/x-www-form-urlencoded", 2 * MB, declared=False)
    assert status == 413
    assert "<html" in body.decode() and "提交的内容过大" in body.decode()


def test_bodies_within_the_limits_pass(client: TestClient, world: World) -> None:
    lon, lat = world.point(0)
    response = client.post("/api/v1/cases", json={"description": "路灯不亮" + " " * (MB // 2), "lon": lon,
                                                   "lat": lat, "reporter_phone": "13912345678"})
    assert response.status_code == 422  # read and judged by the endpoint (description too long), not 413
    assert response.json()["code"] == "validation_failed"


def test_exactly_at_the_limit_is_accepted_one_byte_more_is_not(app: FastAPI, world: World) -> None:
    limit = BodyLimits.of(Settings()).json
    with TestClient(app) as client:
        at = client.post("/api/v1/cases", content=b" " * limit, headers={"content-type": "application/json"})
        over = client.post("/api/v1/cases", content=b" " * (limit + 1),
                           headers={"content-type": "application/json"})
    assert at.status_code == 422
    assert over.status_code == 413


@pytest.fixture()
def server(app: FastAPI) -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    assert wait_for(lambda: running.started, 10)
    yield port
    running.should_exit = True
    thread.join(10)


def test_a_real_server_answers_413_without_waiting_for_the_body(server: int, world: World) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=10) as sock:
        sock.sendall(b"POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 209715200\r\n\r\n{\"description\": ")
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
            part = sock.recv(65536)
            if not part:
                break
            answer += part
    assert answer.startswith(b"HTTP/1.1 413")
    assert "提交的内容过大" in answer.decode("utf-8", "replace")


def _length(answer: bytes) -> int:
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
    found = [line.split(":", 1)[1] for line in head.split("\r\n") if line.startswith("content-length:")]
    return int(found[0]) if found else 0
