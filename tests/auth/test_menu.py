"""进入工作台 and the page after logging in: each role's own first page, which it may open."""

from __future__ import annotations

import pytest

from tests.auth.conftest import web_login
from tests.factories import UserFactory

# Written by hand from the menu: the first page each role opens.
FIRST_PAGE = {
    "window_clerk": "/services/window",  # 一窗受理 (14) comes before 政务服务办件 (15)
    "approver": "/services/workbench",  # 政务服务办件 (15)
    "system_admin": "/gridmap",  # 网格地图 (order 55) comes before 绩效评价 (60) and 分类目录 (70)
    "opinion_officer": "/opinion",  # 舆情总览 (60)
    "security_admin": "/admin/users",
    "audit_admin": "/admin/audit",
    "handler": "/workbench",
}


@pytest.mark.parametrize(("role", "page"), sorted(FIRST_PAGE.items()))
def test_each_role_lands_on_its_own_first_page(client, session, role: str, page: str) -> None:  # type: ignore[no-untyped-def]
    UserFactory(roles=[role], username="someone")
    session.commit()
    status, location, _ = web_login(client, "someone")
    assert (status, location) == (303, page)
    home = client.get("/").text
    assert f'href="{page}" data-testid="enter-workbench"' in home
    assert client.get(page).status_code == 200
