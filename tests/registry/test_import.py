"""Registry import: validation with a row-by-row report, whole-file rejection, upsert with history."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.auth.models import AuditEntry
from smartgov.registry import service
from smartgov.registry.models import ImportBatch, Person, RecordChange, RegAddress
from tests.factories import DepartmentFactory, person_row

A = "11010519491231002X"  # GB 11643 example: born 1949-12-31, female
B = "440524188001010014"  # GB 11643 example: born 1880-01-01, male


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_valid_file_is_imported_with_fields_from_the_id_number(session: Session) -> None:
    dept = DepartmentFactory(name="公安分局")
    report = service.import_rows(
        session,
        "person",
        [person_row(A, "王芳", 人员标签="独居老人"), person_row(B, "李强")],
        filename="p.csv",
        department_id=dept.id,
        actor_name="keeper",
    )
    assert (report.accepted, report.inserted, report.updated, report.error_count) == (True, 2, 0, 0)
    person = service.lookup_person(session, A)
    assert person is not None
    assert (person["gender"], person["birth_date"], person["tags"]) == ("女", "1949-12-31", ["独居老人"])
    assert person["current_address"] == "南山路12号3幢2单元301室"
    assert _count(session, RegAddress) == 1  # both live at the same standard address


def test_one_bad_row_rejects_the_whole_file_and_reports_every_row(session: Session) -> None:
    rows = [
        person_row(A),
        person_row("110105194912310021"),
        person_row(B, 联系电话="12345"),
        person_row(B),
        person_row("440524188001010014", "", 人员标签="外星人"),
    ]
    report = service.import_rows(
        session, "person", rows, filename="bad.csv", department_id=None, actor_name="keeper"
    )
    assert not report.accepted
    assert [(e.row, e.field) for e in report.errors] == [
        (3, "id_number"),
        (4, "phone"),
        (6, "name"),
        (6, "tags"),
    ]
    assert report.errors[0].message == "身份证号码校验码错误"
    assert _count(session, Person) == 0 and _count(session, RegAddress) == 0
    batch = session.scalars(select(ImportBatch)).one()
    assert (batch.accepted, batch.error_count, batch.rows) == (False, 4, 5)
    assert session.scalars(select(AuditEntry.action)).all() == ["registry.import_rejected"]


def test_duplicate_key_in_one_file_is_an_error(session: Session) -> None:
    report = service.import_rows(
        session,
        "person",
        [person_row(A), person_row(A)],
        filename="d.csv",
        department_id=None,
        actor_name="k",
    )
    assert [(e.row, e.message) for e in report.errors] == [(3, "与文件中前面的行重复")]


def test_gender_and_birth_date_must_agree_with_the_id_number(session: Session) -> None:
    report = service.import_rows(
        session,
        "person",
        [person_row(A, 性别="男", 出生日期="1949-12-30")],
        filename="g.csv",
        department_id=None,
        actor_name="k",
    )
    assert [e.message for e in report.errors] == ["性别与身份证号码不符", "出生日期与身份证号码不符"]


def test_non_standard_address_is_refused(session: Session) -> None:
    report = service.import_rows(
        session,
        "person",
        [person_row(A, 现住址="王家附近")],
        filename="a.csv",
        department_id=None,
        actor_name="k",
    )
    assert [e.field for e in report.errors] == ["current_address"]


def test_upsert_by_key_records_who_what_and_source(session: Session) -> None:
    police = DepartmentFactory(name="公安分局")
    civil = DepartmentFactory(name="区民政局")
    service.import_rows(
        session,
        "person",
        [person_row(A, "王芳"), person_row(B)],
        filename="first.csv",
        department_id=police.id,
        actor_name="keeper1",
    )
    report = service.import_rows(
        session,
        "person",
        [person_row(A, "王芳", 联系电话="13900000000"), person_row(B)],
        filename="second.xlsx",
        department_id=civil.id,
        actor_name="keeper2",
    )
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    change = session.scalars(select(RecordChange)).one()
    assert (change.record_key, change.actor_name) == (A, "keeper2")
    assert change.source == "区民政局 · second.xlsx"
    assert change.changes == {"phone": ["13812345678", "13900000000"]}
    assert service.lookup_person(session, A)["phone"] == "13900000000"


def test_xlsx_file_is_read_like_csv(session: Session) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["公民身份号码", "姓名", "现住址"])
    sheet.append([A, "王芳", "北山路1号1幢1单元101室"])
    buffer = io.BytesIO()
    book.save(buffer)
    from smartgov.auth.service import principal_for
    from tests.factories import UserFactory

    user = UserFactory(roles=["handler"], department=DepartmentFactory())
    report = service.import_file(
        session,
        "person",
        buffer.getvalue(),
        "p.xlsx",
        principal=principal_for(user, "127.0.0.1", "t", session=session),
    )
    assert report.accepted and report.inserted == 1


def test_csv_with_bom_and_entity_rows(session: Session) -> None:
    content = (
        "\ufeff统一社会信用代码,名称,法人类型,法定代表人,经营状态\n"
        "91350100M000100Y43,示范科技有限公司,企业法人,张三,存续\n"
    ).encode()
    from smartgov.registry.tables import read_rows

    report = service.import_rows(
        session, "entity", read_rows(content, "e.csv"), filename="e.csv", department_id=None, actor_name="k"
    )
    assert report.accepted
    assert service.lookup_entity(session, "91350100m000100y43")["name"] == "示范科技有限公司"


def test_binary_file_is_refused_before_reading() -> None:
    import pytest

    from smartgov.errors import ValidationFailed
    from smartgov.registry.tables import check_upload

    with pytest.raises(ValidationFailed) as caught:
        check_upload(b"\x89PNG\r\n\x1a\n\x00\x00", "p.csv")
    assert caught.value.message == "只能导入 CSV 或 XLSX 格式的文件"


def test_persons_at_an_address_and_duplicates(session: Session) -> None:
    service.import_rows(
        session,
        "person",
        [person_row(A, "王芳"), person_row(B, "王芳", 出生日期="1880-01-01")],
        filename="p.csv",
        department_id=None,
        actor_name="k",
    )
    found = service.persons_at_address(session, "南山路12号3幢2单元301")
    assert sorted(p["id_number"] for p in found) == [A, B]
    assert service.persons_at_address(session, "南山路12号3幢2单元302室") == []
    assert service.duplicate_persons(session) == []


def test_quality_page_counts_per_source_department(session: Session) -> None:
    police = DepartmentFactory(name="公安分局")
    service.import_rows(
        session,
        "person",
        [person_row(A, 联系电话="")],
        filename="1.csv",
        department_id=police.id,
        actor_name="k",
    )
    service.import_rows(
        session, "person", [person_row("bad")], filename="2.csv", department_id=police.id, actor_name="k"
    )
    [entry] = service.quality_by_department(session)
    assert (entry["department"], entry["accepted"], entry["rejected"], entry["error_rows"]) == (
        "公安分局",
        1,
        1,
        1,
    )
    assert (entry["persons"], entry["missing_phone"], entry["missing_address"]) == (1, 1, 0)
    assert entry["complete_share"] == 0.5


def test_house_import_links_landlord_and_rejects_an_unknown_one(session: Session) -> None:
    from smartgov.registry.models import House

    service.import_rows(
        session, "person", [person_row(A, "王芳")], filename="p.csv", department_id=None, actor_name="k"
    )
    good = {
        "房屋地址": "北山路3号2幢1单元201室",
        "房屋类型": "住宅",
        "建筑面积": "68.5",
        "是否出租": "是",
        "房东身份证号": A,
    }
    unknown = {"房屋地址": "北山路3号2幢1单元202室", "房屋类型": "住宅", "是否出租": "是", "房东身份证号": B}
    rejected = service.import_rows(
        session, "house", [good, unknown], filename="h.csv", department_id=None, actor_name="k"
    )
    assert [(e.row, e.field, e.message) for e in rejected.errors] == [(3, "landlord", "房东不在人口库中")]
    assert _count(session, House) == 0
    bad = {"房屋地址": "某小区", "房屋类型": "城堡", "建筑面积": "-3", "是否出租": "也许"}
    report = service.import_rows(
        session, "house", [bad], filename="h.csv", department_id=None, actor_name="k"
    )
    assert [e.field for e in report.errors] == ["address", "house_type", "floor_area_m2", "is_rental"]
    accepted = service.import_rows(
        session, "house", [good], filename="h.csv", department_id=None, actor_name="k"
    )
    assert accepted.accepted and accepted.inserted == 1
    house = session.scalars(select(House)).one()
    assert (house.is_rental, house.floor_area_m2, house.house_type) == (True, 68.5, "住宅")
    again = service.import_rows(
        session,
        "house",
        [{**good, "是否出租": "否", "房东身份证号": ""}],
        filename="h2.csv",
        department_id=None,
        actor_name="k2",
    )
    assert again.updated == 1
    [change] = service.history(session, "house", "北山路3号2幢1单元201室")
    assert change.changes["is_rental"] == [True, False] and change.actor_name == "k2"
