"""The exchange pages: request → answer → granted data only → the read in the auditor's log."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.auth.conftest import csrf_from, web_login
from tests.exchange.conftest import XWorld


def _as(client: TestClient, username: str) -> str:
    client.cookies.clear()
    status, _, token = web_login(client, username)
    assert status == 303
    return token


def test_request_answer_read_and_log_through_the_pages(client: TestClient, xworld: XWorld) -> None:
    token = _as(client, "civil")
    catalogue = client.get("/exchange?q=独居")
    assert catalogue.status_code == 200 and "人口基础信息（独居老人）" in catalogue.text
    resource = client.get(f"/exchange/resources/{xworld.resource.id}").text
    assert "申请共享" in resource and "有条件共享" in resource
    bad = client.post(
        f"/exchange/resources/{xworld.resource.id}/request",
        data={"csrf_token": token, "purpose": "关爱走访", "legal_basis": "职责", "duration_days": "30"},
    )
    assert bad.status_code == 422 and "请选择资源中的信息项" in bad.text
    sent = client.post(
        f"/exchange/resources/{xworld.resource.id}/request",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "purpose": "关爱走访",
            "legal_basis": "职责",
            "duration_days": "30",
            "fields": ["name", "phone"],
            "plain_fields": ["name"],
        },
    )
    assert sent.status_code == 303
    request_url = sent.headers["location"]
    assert "待答复" in client.get(request_url).text

    token = _as(client, "police")
    page = client.get(request_url).text
    assert "同意共享" in page and "不予共享" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    stale = client.post(request_url + "/act/approve", data={"csrf_token": csrf_from(page), "version": "0"})
    assert stale.status_code == 409 and "已被他人更新" in stale.text
    approved = client.post(
        request_url + "/act/approve",
        data={"csrf_token": csrf_from(page), "version": version},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert "已同意" in client.get(request_url).text

    _as(client, "civil")
    data = client.get("/exchange/data/RK-DJLR").text
    assert "姓名" in data and "联系电话（脱敏）" in data
    assert "王芳" in data and "138****5678" in data
    assert "13812345678" not in data
    assert "公民身份号码" not in data and "11010519491231002X" not in data  # outside the grant
    assert "人员标签" not in data

    _as(client, "auditor")
    log = client.get("/exchange/log?verify=true").text
    assert "哈希链完整：已校验 1 条" in log
    assert "区民政局" in log and "姓名、联系电话" in log and "成功" in log


def test_log_page_is_for_the_audit_administrator_only(client: TestClient, xworld: XWorld) -> None:
    _as(client, "civil")
    assert client.get("/exchange/log").status_code == 403


def test_data_page_without_grant_says_so(client: TestClient, xworld: XWorld) -> None:
    _as(client, "civil")
    response = client.get("/exchange/data/RK-DJLR")
    assert response.status_code == 403 and "本部门未获该资源的共享授权" in response.text


def test_refusal_from_the_page_needs_reasons(client: TestClient, xworld: XWorld) -> None:
    from smartgov.exchange import service

    req = service.submit_request(
        xworld.session,
        xworld.p("civil"),
        resource_id=xworld.resource.id,
        purpose="走访",
        legal_basis="职责",
        fields=["name"],
        duration_days=5,
    )
    token = _as(client, "police")
    empty = client.post(f"/exchange/requests/{req.id}/act/refuse", data={"csrf_token": token, "note": ""})
    assert empty.status_code == 422 and "需要填写说明" in empty.text
    done = client.post(
        f"/exchange/requests/{req.id}/act/refuse",
        data={"csrf_token": token, "note": "无法定依据"},
        follow_redirects=True,
    )
    assert "已拒绝" in done.text and "拒绝理由" in done.text and "无法定依据" in done.text
