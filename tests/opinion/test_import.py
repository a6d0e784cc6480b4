"""CSV/JSONL import through the API: rows stored once, bad rows and files refused in Chinese."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.opinion.models import OpinionAccount, OpinionItem
from tests.opinion.conftest import OpinionWorld, token

CSV = (
    "url,title,content,author,published_at,reposts,comments,likes\n"
    "https://bbs.example/t/1,停车难,小区停车难问题突出,老王,2026-11-30T08:00:00+08:00,3,4,5\n"
    "https://bbs.example/t/2,,路灯不亮,,2026-11-30T09:00:00+08:00,0,0,0\n"
)


def upload(client: TestClient, headers: dict, name: str, body: bytes) -> object:
    return client.post(
        "/api/v1/opinion/import",
        headers=headers,
        data={"source_code": "partner"},
        files={"file": (name, body, "text/plain")},
    )


def test_csv_rows_are_stored_once_with_their_counts_and_account(
    client: TestClient, world: OpinionWorld, session: Session
) -> None:
    headers = token(client, world, "officer")
    assert upload(client, headers, "posts.csv", CSV.encode()).json() == {
        "received": 2,
        "stored": 2,
        "duplicates": 0,
    }
    assert upload(client, headers, "posts.csv", CSV.encode()).json()["duplicates"] == 2
    first = session.scalars(select(OpinionItem).order_by(OpinionItem.id)).first()
    assert (first.reposts, first.comments, first.likes) == (3, 4, 5)
    assert session.get(OpinionAccount, first.account_id).handle == "老王"


def test_jsonl(client: TestClient, world: OpinionWorld) -> None:
    headers = token(client, world, "officer")
    body = (
        '{"external_id": "w1", "content": "微博内容一"}\n\n{"external_id": "w2", "content": "微博内容二"}\n'
    )
    assert upload(client, headers, "posts.jsonl", body.encode()).json()["stored"] == 2


def test_bad_input_gets_a_chinese_422(client: TestClient, world: OpinionWorld) -> None:
    headers = token(client, world, "officer")
    cases = [
        ("posts.csv", "content,reposts\n好,-1\n".encode(), "第 1 条数据有误"),
        ("posts.csv", b"title\n\n", "没有数据"),
        ("posts.jsonl", b"{not json}\n", "不是有效的 JSON"),
        ("posts.csv", "content\n好\n".encode("gbk"), "UTF-8"),
        ("posts.exe", b"MZ", "只能导入 CSV 或 JSONL"),
    ]
    for name, body, message in cases:
        response = upload(client, headers, name, body)
        assert response.status_code == 422, (name, response.text)
        assert message in response.json()["message"]
    unknown = client.post(
        "/api/v1/opinion/push", headers=headers, json={"source_code": "nope", "items": [{"content": "x"}]}
    )
    assert unknown.status_code == 404 and "信息源不存在" in unknown.json()["message"]
    naive = client.post(
        "/api/v1/opinion/push",
        headers=headers,
        json={"source_code": "partner", "items": [{"content": "x", "published_at": "2026-11-30T08:00"}]},
    )
    assert naive.status_code == 422


def test_search_api_reads_times_without_a_zone_in_shanghai_time(
    client: TestClient, world: OpinionWorld
) -> None:
    headers = token(client, world, "officer")
    upload(client, headers, "posts.csv", CSV.encode())
    response = client.get("/api/v1/opinion/items", headers=headers, params={"since": "2026-11-30T08:30:00"})
    assert response.status_code == 200
    assert [i["url"] for i in response.json()] == ["https://bbs.example/t/2"]
    assert client.get("/api/v1/opinion/items", headers=headers, params={"since": "昨天"}).status_code == 422
    assert client.get("/api/v1/opinion/items", headers=headers, params={"page": 0}).status_code == 422
