"""The 基础库 page: import with the row-by-row report, quality per department."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.auth.conftest import web_login
from tests.factories import DepartmentFactory, UserFactory


def test_import_page_shows_each_wrong_row_and_imports_nothing(client: TestClient, session: Session) -> None:
    UserFactory(username="keeper", roles=["handler"], department=DepartmentFactory(name="公安分局"))
    session.commit()
    _, _, token = web_login(client, "keeper")
    bad = "公民身份号码,姓名,联系电话\n11010519491231002X,王芳,138\n440524188001010015,李强,\n".encode()
    page = client.post(
        "/registry/import",
        data={"csrf_token": token, "kind": "person"},
        files={"file": ("人口.csv", bad, "text/csv")},
    )
    assert page.status_code == 422
    assert "有 2 处错误，整批未导入" in page.text
    assert "<td>2</td><td>联系电话</td>" in page.text and "<td>3</td><td>公民身份号码</td>" in page.text
    assert "人口 0 人" in page.text
    good = "公民身份号码,姓名\n11010519491231002X,王芳\n".encode()
    page = client.post(
        "/registry/import",
        data={"csrf_token": token, "kind": "person"},
        files={"file": ("人口.csv", good, "text/csv")},
    )
    assert page.status_code == 200 and "新增 1" in page.text and "人口 1 人" in page.text
    assert "<td>公安分局</td><td>1</td><td>1</td><td>2</td>" in page.text


def test_citizen_cannot_open_the_registry(client: TestClient, session: Session) -> None:
    UserFactory(username="resident", roles=["citizen"])
    session.commit()
    web_login(client, "resident")
    assert client.get("/registry").status_code == 403


def test_person_page_masks_for_a_keeper_and_shows_history(client: TestClient, session: Session) -> None:
    from smartgov.registry import service
    from tests.factories import person_row

    UserFactory(username="keeper2", roles=["handler"], department=DepartmentFactory(name="公安分局"))
    service.import_rows(
        session,
        "person",
        [person_row("11010519491231002X", "王芳")],
        filename="a.csv",
        department_id=None,
        actor_name="keeper2",
    )
    service.import_rows(
        session,
        "person",
        [person_row("11010519491231002X", "王芳", 联系电话="13900001111")],
        filename="b.csv",
        department_id=None,
        actor_name="keeper2",
    )
    session.commit()
    web_login(client, "keeper2")
    page = client.get("/registry/person?id_number=11010519491231002X").text
    assert "110***********002X" in page and "王*" in page and "139****1111" in page
    assert "13900001111" not in page and "王芳" not in page
    assert "<td>联系电话</td><td>138****5678</td><td>139****1111</td>" in page
    assert "未注明部门 · b.csv" in page
    assert "人口库中没有此人" in client.get("/registry/person?id_number=440524188001010014").text
