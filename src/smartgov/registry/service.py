"""Base registries (基础库): validated import with a row-by-row report, upsert with history, lookup.

The import streams rows: every row is validated; valid rows are written in large chunks with
plain executemany (no ORM object per row) inside ONE transaction, which is rolled back whole when
any row is wrong (整批拒绝: nothing changes when a file is rejected).

Other domains read the registries through ``smartgov.exchange.service`` (grants, masking and the
exchange log); ``lookup_person`` / ``lookup_entity`` here are the raw lookups it uses.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Index, Table, bindparam, func, insert, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from smartgov.auth import audit
from smartgov.auth.principal import Principal
from smartgov.db import now
from smartgov.errors import NotFound, ValidationFailed
from smartgov.org.models import Department
from smartgov.registry.checks import birth_date_of, credit_code_problem, gender_of, id_number_problem
from smartgov.registry.models import (
    Entity,
    House,
    ImportBatch,
    Person,
    RecordChange,
    RegAddress,
    Tenancy,
)

CHUNK = 50_000  # rows written per executemany
IN_CHUNK = 5_000  # keys per IN (...) lookup
MAX_REPORTED_ERRORS = 500

PERSON_TAGS = ("独居老人", "残疾", "低保", "流动人口", "退役军人", "特困", "留守儿童", "重点人员")
ENTITY_TYPES = ("企业法人", "机关法人", "事业单位法人", "社会团体法人", "个体工商户", "其他组织")
BUSINESS_STATUSES = ("存续", "在业", "吊销", "注销", "迁出", "停业")
HOUSE_TYPES = ("住宅", "商铺", "办公", "厂房", "宿舍", "其他")
GENDERS = ("男", "女")

# Column headers a keeper's file may use (Chinese first) → field.
PERSON_HEADERS: dict[str, str] = {
    "公民身份号码": "id_number",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "id_number": "id_number",
    "姓名": "name",
    "name": "name",
    "性别": "gender",
    "gender": "gender",
    "出生日期": "birth_date",
    "birth_date": "birth_date",
    "户籍地址": "hukou_address",
    "hukou_address": "hukou_address",
    "现住址": "current_address",
    "现居住地址": "current_address",
    "current_address": "current_address",
    "联系电话": "phone",
    "手机号": "phone",
    "phone": "phone",
    "户号": "household_no",
    "household_no": "household_no",
    "与户主关系": "relation",
    "relation": "relation",
    "人员标签": "tags",
    "标签": "tags",
    "tags": "tags",
}
ENTITY_HEADERS: dict[str, str] = {
    "统一社会信用代码": "credit_code",
    "credit_code": "credit_code",
    "名称": "name",
    "单位名称": "name",
    "name": "name",
    "类型": "entity_type",
    "法人类型": "entity_type",
    "entity_type": "entity_type",
    "法定代表人": "legal_representative",
    "负责人": "legal_representative",
    "legal_representative": "legal_representative",
    "注册地址": "registered_address",
    "住所": "registered_address",
    "registered_address": "registered_address",
    "经营状态": "business_status",
    "登记状态": "business_status",
    "business_status": "business_status",
}
FIELD_LABELS: dict[str, str] = {
    "id_number": "公民身份号码",
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "hukou_address": "户籍地址",
    "current_address": "现住址",
    "current_address_id": "现住址",
    "phone": "联系电话",
    "household_no": "户号",
    "relation": "与户主关系",
    "tags": "人员标签",
    "credit_code": "统一社会信用代码",
    "entity_type": "法人类型",
    "legal_representative": "法定代表人",
    "registered_address": "注册地址",
    "business_status": "经营状态",
    "file": "文件",
    "address": "房屋地址",
    "house_type": "房屋类型",
    "floor_area_m2": "建筑面积",
    "is_rental": "是否出租",
    "landlord": "房东身份证号",
    "landlord_id": "房东",
}
KIND_LABELS = {"person": "人口", "entity": "法人", "house": "房屋"}

audit.register_labels(
    {
        "registry.import": "导入基础库",
        "registry.import_rejected": "拒绝导入基础库",
        "registry.person_viewed": "查看人口信息",
        "registry.entity_viewed": "查看法人信息",
    },
    fields={
        "kind": "库",
        "filename": "文件名",
        "rows": "行数",
        "inserted": "新增",
        "updated": "更新",
        "unchanged": "未变",
        "errors": "错误数",
    },
    values={"kind": KIND_LABELS},
    objects={"reg_person": "人口", "reg_entity": "法人", "reg_import_batch": "导入批次"},
)

_PHONE_RE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
_ADDRESS_RE = re.compile(
    r"^(?P<road>.+?(?:大道|路|街|巷|弄|胡同|村))(?P<number>\d+号)"
    r"(?:(?P<building>\d+(?:幢|栋|号楼)))?(?:(?P<unit>\d+单元))?(?:(?P<room>\d+室?))?$"
)


@dataclass
class RowError:
    """One problem of one row (行号从 2 起: row 1 is the header)."""

    row: int
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "field_label": FIELD_LABELS.get(self.field, self.field),
            "message": self.message,
        }


@dataclass
class ImportReport:
    """What an import did (导入结果): accepted or rejected, counts and the row-by-row errors."""

    kind: str
    filename: str
    accepted: bool = False
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    batch_id: int | None = None

    def add_error(self, row: int, field_name: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, field_name, message))


# ---------------------------------------------------------------- addresses


sqlite3.register_adapter(date, date.isoformat)  # what Python's deprecated default adapter did


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows in the session's transaction: on SQLite straight through the driver's
    executemany (no per-row parameter processing), elsewhere as one Core executemany."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    # a date goes to the driver as the date object: the adapter below stores it as SQLAlchemy
    # stores a Date on SQLite (YYYY-MM-DD)
    data = list(map(itemgetter(*names), rows)) if len(names) > 1 else [(r[names[0]],) for r in rows]
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, data)
    finally:
        cursor.close()


@lru_cache(maxsize=1 << 18)
def parse_address(text: str) -> dict[str, str | None] | None:
    """A standard address (标准地址) split into road, number, building, unit, room; None if not standard.

    南山路12号3幢2单元301室 → road 南山路, number 12号, building 3幢, unit 2单元, room 301室.
    The answer is shared (cached): never change it."""
    value = re.sub(r"\s+", "", text or "")
    match = _ADDRESS_RE.match(value)
    if not match:
        return None
    parts = match.groupdict()
    if parts["room"] and not parts["room"].endswith("室"):
        parts["room"] += "室"
    parts["full_text"] = "".join(
        p for p in (parts["road"], parts["number"], parts["building"], parts["unit"], parts["room"]) if p
    )
    return parts


def ensure_addresses(
    session: Session,
    texts: Iterable[str],
    cache: dict[str, int],
    locate: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    """Put every standard address of ``texts`` into ``cache`` (full text → id), creating missing ones."""
    wanted: dict[str, dict[str, Any]] = {}
    for text in texts:
        if text in cache or text in wanted:
            continue
        parts = parse_address(text)
        if parts is not None:
            wanted[parts["full_text"]] = parts
    if not wanted:
        return
    table: Table = RegAddress.__table__  # type: ignore[assignment]
    keys = list(wanted)
    for start in range(0, len(keys), IN_CHUNK):
        part = keys[start : start + IN_CHUNK]
        for full, ident in session.execute(
            select(table.c.full_text, table.c.id).where(table.c.full_text.in_(part))
        ):
            cache[full] = ident
    missing = [wanted[k] for k in keys if k not in cache]
    if missing:
        rows = [
            {
                "full_text": m["full_text"],
                "road": m["road"],
                "number": m["number"],
                "building": m["building"],
                "unit": m["unit"],
                "room": m["room"],
                "community_id": None,
                "grid_id": None,
                "lon": None,
                "lat": None,
            }
            for m in missing
        ]
        if locate is not None:
            rows = [locate(r) for r in rows]
        bulk_insert(session, table, rows)
        names = [m["full_text"] for m in missing]
        for start in range(0, len(names), IN_CHUNK):
            part = names[start : start + IN_CHUNK]
            for full, ident in session.execute(
                select(table.c.full_text, table.c.id).where(table.c.full_text.in_(part))
            ):
                cache[full] = ident


# ---------------------------------------------------------------- row validation


def _clean(row: Mapping[str, Any], headers: Mapping[str, str]) -> dict[str, str]:
    """The row under field names; header lookups are cached per set of headers (one per file)."""
    keys = (id(headers), *row)
    pairs = _HEADER_PAIRS.get(keys)
    if pairs is None:
        pairs = tuple((k, headers[(k or "").strip()]) for k in keys[1:] if (k or "").strip() in headers)
        if len(_HEADER_PAIRS) > 64:
            _HEADER_PAIRS.clear()
        _HEADER_PAIRS[keys] = pairs
    out: dict[str, str] = {}
    for key, name in pairs:
        value = row[key]
        if value is not None:
            out[name] = value.strip() if isinstance(value, str) else str(value).strip()
    return out


_HEADER_PAIRS: dict[tuple[Any, ...], tuple[tuple[Any, str], ...]] = {}


def _date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


_TAG_SPLIT = re.compile(r"[,，;；、\s]+")
_TAG_SET = frozenset(PERSON_TAGS)
_PERSON_LIMITS = (("hukou_address", 200), ("household_no", 30), ("relation", 16))


def person_values(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A person row's stored values and its problems [(field, message)] (人口数据校验)."""
    row = _clean(raw, PERSON_HEADERS)
    problems: list[tuple[str, str]] = []
    id_number = row.get("id_number", "").upper()
    problem = id_number_problem(id_number) if id_number else "缺少公民身份号码"
    if problem:
        problems.append(("id_number", problem))
    name = row.get("name", "")
    if not name:
        problems.append(("name", "缺少姓名"))
    elif len(name) > 50:
        problems.append(("name", "姓名过长（最多50字）"))
    gender = row.get("gender", "")
    birth = _date(row["birth_date"]) if row.get("birth_date") else None
    if row.get("birth_date") and birth is None:
        problems.append(("birth_date", "出生日期格式应为 YYYY-MM-DD"))
    if not problem:
        if gender and gender not in GENDERS:
            problems.append(("gender", "性别应为「男」或「女」"))
        elif gender and gender != gender_of(id_number):
            problems.append(("gender", "性别与身份证号码不符"))
        if birth is not None and birth != birth_date_of(id_number):
            problems.append(("birth_date", "出生日期与身份证号码不符"))
    phone = row.get("phone") or None
    if phone and not _PHONE_RE.match(phone):
        problems.append(("phone", "联系电话应为11位手机号或带区号的固定电话"))
    current = row.get("current_address") or None
    if current and parse_address(current) is None:
        problems.append(("current_address", "现住址不是标准地址（路/街 + 门牌号 + 幢、单元、室）"))
    raw_tags = row.get("tags")
    tags = [t for t in _TAG_SPLIT.split(raw_tags) if t] if raw_tags else []
    unknown = [t for t in tags if t not in _TAG_SET]
    if unknown:
        problems.append(("tags", f"未知的人员标签：{'、'.join(unknown)}"))
    for name_, limit in _PERSON_LIMITS:
        value = row.get(name_)
        if value and len(value) > limit:
            problems.append((name_, f"{FIELD_LABELS[name_]}过长（最多{limit}字）"))
    if problems:
        return {}, problems
    return {
        "id_number": id_number,
        "name": name,
        "gender": gender_of(id_number),
        "birth_date": birth_date_of(id_number),
        "hukou_address": row.get("hukou_address") or None,
        "current_address": parse_address(current)["full_text"] if current else None,  # type: ignore[index]
        "phone": phone,
        "household_no": row.get("household_no") or None,
        "relation": row.get("relation") or None,
        "tags": ",".join(dict.fromkeys(tags)) if tags else "",
    }, []


def entity_values(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """An entity row's stored values and its problems (法人数据校验)."""
    row = _clean(raw, ENTITY_HEADERS)
    problems: list[tuple[str, str]] = []
    code = row.get("credit_code", "").upper()
    problem = credit_code_problem(code) if code else "缺少统一社会信用代码"
    if problem:
        problems.append(("credit_code", problem))
    if not row.get("name"):
        problems.append(("name", "缺少名称"))
    elif len(row["name"]) > 200:
        problems.append(("name", "名称过长（最多200字）"))
    if row.get("entity_type", "") not in ENTITY_TYPES:
        problems.append(("entity_type", f"法人类型应为：{'、'.join(ENTITY_TYPES)}"))
    if row.get("business_status", "") not in BUSINESS_STATUSES:
        problems.append(("business_status", f"经营状态应为：{'、'.join(BUSINESS_STATUSES)}"))
    if len(row.get("legal_representative", "")) > 50:
        problems.append(("legal_representative", "法定代表人过长（最多50字）"))
    if len(row.get("registered_address", "")) > 200:
        problems.append(("registered_address", "注册地址过长（最多200字）"))
    if problems:
        return {}, problems
    return {
        "credit_code": code,
        "name": row["name"],
        "entity_type": row["entity_type"],
        "legal_representative": row.get("legal_representative") or None,
        "registered_address": row.get("registered_address") or None,
        "business_status": row["business_status"],
    }, []


HOUSE_HEADERS: dict[str, str] = {
    "房屋地址": "address",
    "地址": "address",
    "address": "address",
    "房屋类型": "house_type",
    "house_type": "house_type",
    "建筑面积": "floor_area_m2",
    "floor_area_m2": "floor_area_m2",
    "是否出租": "is_rental",
    "出租屋": "is_rental",
    "is_rental": "is_rental",
    "房东身份证号": "landlord",
    "房东公民身份号码": "landlord",
    "landlord": "landlord",
}
_YES_NO = {"是": True, "否": False, "": False, "1": True, "0": False}


def house_values(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A house row's values and its problems (房屋数据校验); address and landlord are resolved later."""
    row = _clean(raw, HOUSE_HEADERS)
    problems: list[tuple[str, str]] = []
    parts = parse_address(row.get("address", ""))
    if parts is None:
        problems.append(("address", "房屋地址不是标准地址（路/街 + 门牌号 + 幢、单元、室）"))
    if row.get("house_type", "") not in HOUSE_TYPES:
        problems.append(("house_type", f"房屋类型应为：{'、'.join(HOUSE_TYPES)}"))
    area: float | None = None
    if row.get("floor_area_m2"):
        try:
            area = float(row["floor_area_m2"])
        except ValueError:
            area = -1.0
        if not 0 < area < 100_000:
            problems.append(("floor_area_m2", "建筑面积应为大于 0 的平方米数"))
    rental = _YES_NO.get(row.get("is_rental", ""))
    if rental is None:
        problems.append(("is_rental", "是否出租应填「是」或「否」"))
    landlord = row.get("landlord", "").upper()
    if landlord and (problem := id_number_problem(landlord)):
        problems.append(("landlord", f"房东{problem}"))
    if rental and not landlord:
        problems.append(("landlord", "出租屋须填写房东身份证号"))
    if problems:
        return {}, problems
    address = parts["full_text"]  # type: ignore[index]
    return {
        "address": address,
        "house_type": row["house_type"],
        "floor_area_m2": area,
        "is_rental": bool(rental),
        "landlord": landlord or None,
    }, []


# ---------------------------------------------------------------- import


@dataclass(frozen=True)
class _Kind:
    name: str
    table: Table
    key: str
    fields: tuple[str, ...]
    validate: Callable[[Mapping[str, Any]], tuple[dict[str, Any], list[tuple[str, str]]]]
    file_key: str = ""  # what identifies a row in the file when the stored key is resolved later

    @property
    def row_key(self) -> str:
        return self.file_key or self.key


KINDS: dict[str, _Kind] = {
    "person": _Kind(
        "person",
        Person.__table__,
        "id_number",  # type: ignore[arg-type]
        (
            "name",
            "gender",
            "birth_date",
            "hukou_address",
            "current_address_id",
            "phone",
            "household_no",
            "relation",
            "tags",
        ),
        person_values,
    ),
    "entity": _Kind(
        "entity",
        Entity.__table__,
        "credit_code",  # type: ignore[arg-type]
        ("name", "entity_type", "legal_representative", "registered_address", "business_status"),
        entity_values,
    ),
    "house": _Kind(
        "house",
        House.__table__,  # type: ignore[arg-type]
        "address_id",
        ("house_type", "floor_area_m2", "is_rental", "landlord_id"),
        lambda raw: house_values(raw),
        file_key="address",
    ),
}


def _department_label(session: Session, department_id: int | None) -> str:
    dept = session.get(Department, department_id) if department_id else None
    return dept.name if dept else "未注明部门"


def import_rows(
    session: Session,
    kind: str,
    rows: Iterable[Mapping[str, Any]],
    *,
    filename: str,
    department_id: int | None,
    actor_name: str,
    principal: Principal | None = None,
) -> ImportReport:
    """Validate and upsert ``rows`` of a registry by key, with history; commits.

    Any wrong row rejects the whole file: the transaction is rolled back and only the rejected
    batch (with its row-by-row errors) is recorded."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationFailed(f"未知的基础库：{kind}", code="unknown_registry")
    report = ImportReport(kind=kind, filename=filename[:200])
    at = now()
    source = f"{_department_label(session, department_id)} · {filename}"[:200]
    batch = ImportBatch(
        kind=kind,
        filename=filename[:200],
        source_department_id=department_id,
        actor_name=actor_name[:100],
        at=at,
        accepted=False,
    )
    session.add(batch)
    session.flush()
    if session.get_bind().dialect.name == "sqlite":  # a large page cache keeps the key index in memory
        session.execute(sql_text("PRAGMA cache_size=-262144"))
    writer = _Writer(session, spec, batch.id, department_id, at, actor_name, source, report)
    seen: set[str] = set()
    chunk: list[dict[str, Any]] = []
    for number, raw in enumerate(rows, start=2):
        report.rows += 1
        values, problems = spec.validate(raw)
        if not problems and values[spec.row_key] in seen:
            problems = [(spec.row_key, "与文件中前面的行重复")]
        for field_name, message in problems:
            report.add_error(number, field_name, message)
        if problems or report.error_count:
            continue
        seen.add(values[spec.row_key])
        values["_row"] = number
        chunk.append(values)
        if len(chunk) >= CHUNK:
            writer.begin_initial_load()
            writer.write(chunk)
            chunk = []
    if chunk and not report.error_count:
        writer.write(chunk)  # the last rows; resolving them may still find errors (a missing landlord)
    if report.rows == 0:
        report.add_error(1, "file", "文件中没有数据行（第一行应为表头）")
    if report.error_count:
        session.rollback()
        report.inserted = report.updated = report.unchanged = 0
        batch = ImportBatch(
            kind=kind,
            filename=filename[:200],
            source_department_id=department_id,
            actor_name=actor_name[:100],
            at=at,
            accepted=False,
            rows=report.rows,
            errors=[e.as_dict() for e in report.errors],
            error_count=report.error_count,
        )
        session.add(batch)
        session.flush()
        report.batch_id = batch.id
        audit.record(
            session,
            principal=principal,
            action="registry.import_rejected",
            object_type="reg_import_batch",
            object_id=batch.id,
            detail={"kind": kind, "filename": filename, "rows": report.rows, "errors": report.error_count},
            result=audit.FAILURE,
        )
        session.commit()
        return report
    writer.finish()
    report.accepted = True
    batch.accepted = True
    batch.rows, batch.inserted, batch.updated, batch.unchanged = (
        report.rows,
        report.inserted,
        report.updated,
        report.unchanged,
    )
    report.batch_id = batch.id
    audit.record(
        session,
        principal=principal,
        action="registry.import",
        object_type="reg_import_batch",
        object_id=batch.id,
        detail={
            "kind": kind,
            "filename": filename,
            "rows": report.rows,
            "inserted": report.inserted,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )
    session.commit()
    return report


class _Writer:
    """Writes validated chunks: inserts new keys, updates changed ones and records what changed."""

    def __init__(
        self,
        session: Session,
        spec: _Kind,
        batch_id: int,
        department_id: int | None,
        at: Any,
        actor_name: str,
        source: str,
        report: ImportReport,
    ) -> None:
        self.session, self.spec, self.batch_id = session, spec, batch_id
        self.department_id, self.at, self.actor_name, self.source = department_id, at, actor_name, source
        self.report = report
        self.addresses: dict[str, int] = {}
        # 首次装载: into an empty registry no key can exist yet (keys repeated in the file are
        # refused before they get here), so the lookups are skipped and the secondary indexes
        # are built once at the end instead of row by row.
        table = spec.table
        self.initial = session.execute(select(table.c.id).limit(1)).first() is None
        self.dropped: list[Index] = []

    def begin_initial_load(self) -> None:
        """Drop the secondary (non-unique) indexes of an empty registry for the bulk load."""
        if not self.initial or self.dropped:
            return
        connection = self.session.connection()
        for index in sorted(self.spec.table.indexes, key=lambda i: i.name or ""):
            if not index.unique:
                index.drop(connection)
                self.dropped.append(index)

    def finish(self) -> None:
        """Build again the indexes dropped for an initial load (same transaction)."""
        connection = self.session.connection()
        for index in self.dropped:
            index.create(connection)
        self.dropped = []

    def _resolve_houses(
        self, chunk: list[dict[str, Any]], rows_of: dict[int, int], labels: dict[int, str]
    ) -> list[dict[str, Any]]:
        """A house row names its standard address and landlord: resolve both to registry keys; a
        landlord missing from the population registry is an error of that row."""
        ensure_addresses(self.session, (r["address"] for r in chunk), self.addresses)
        wanted = {r["landlord"] for r in chunk if r["landlord"]}
        found = (
            dict(
                self.session.execute(
                    select(Person.id_number, Person.id).where(Person.id_number.in_(wanted))
                ).all()
            )
            if wanted
            else {}
        )
        kept = []
        for r in chunk:
            landlord = r.pop("landlord")
            text = r.pop("address")
            if landlord and landlord not in found:
                self.report.add_error(rows_of[id(r)], "landlord", "房东不在人口库中")
                continue
            r["landlord_id"] = found.get(landlord) if landlord else None
            r["address_id"] = self.addresses[text]
            labels[id(r)] = text
            kept.append(r)
        return kept

    def write(self, chunk: list[dict[str, Any]]) -> None:
        spec, table = self.spec, self.spec.table
        rows_of = {id(r): r.pop("_row") for r in chunk}
        labels: dict[int, str] = {}
        if spec.name == "house":
            chunk = self._resolve_houses(chunk, rows_of, labels)
        if spec.key == "id_number":
            ensure_addresses(
                self.session, (r["current_address"] for r in chunk if r["current_address"]), self.addresses
            )
            for r in chunk:
                text = r.pop("current_address")
                r["current_address_id"] = self.addresses[text] if text else None
        existing: dict[str, Any] = {}
        keys = [] if self.initial else [r[spec.key] for r in chunk]
        cols = [table.c.id, table.c[spec.key], *(table.c[f] for f in spec.fields)]
        for start in range(0, len(keys), IN_CHUNK):
            part = keys[start : start + IN_CHUNK]
            for found in self.session.execute(select(*cols).where(table.c[spec.key].in_(part))):
                existing[found[1]] = found
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for r in chunk:
            old = existing.get(r[spec.key])
            if old is None:
                r["source_department_id"] = self.department_id
                r["batch_id"] = self.batch_id
                inserts.append(r)
                continue
            diff = {
                f: [_plain(old[i + 2]), _plain(r[f])] for i, f in enumerate(spec.fields) if old[i + 2] != r[f]
            }
            if not diff:
                self.report.unchanged += 1
                continue
            updates.append(
                {
                    "b_id": old[0],
                    **{f: r[f] for f in spec.fields},
                    "source_department_id": self.department_id,
                    "batch_id": self.batch_id,
                }
            )
            changes.append(
                {
                    "record_type": spec.name,
                    "record_key": labels.get(id(r), str(r[spec.key]))[:32],
                    "at": self.at,
                    "actor_name": self.actor_name[:100],
                    "source": self.source,
                    "batch_id": self.batch_id,
                    "changes": diff,
                    "note": None,
                }
            )
        if inserts:
            bulk_insert(self.session, table, inserts)
            self.report.inserted += len(inserts)
        if updates:
            values = {f: bindparam(f) for f in (*spec.fields, "source_department_id", "batch_id")}
            self.session.execute(
                update(table)
                .where(table.c.id == bindparam("b_id"))
                .values(values)
                .execution_options(synchronize_session=False),
                updates,
            )
            self.session.execute(insert(RecordChange.__table__), changes)
            self.report.updated += len(updates)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def import_file(
    session: Session,
    kind: str,
    content: bytes,
    filename: str,
    *,
    principal: Principal,
) -> ImportReport:
    """Import an uploaded CSV/XLSX file as the principal's department (导入); commits."""
    from smartgov.registry.tables import read_rows

    rows = read_rows(content, filename)
    return import_rows(
        session,
        kind,
        rows,
        filename=filename,
        department_id=principal.department_id,
        actor_name=principal.name,
        principal=principal,
    )


# ---------------------------------------------------------------- lookups (查询)


def lookup_person(session: Session, id_number: str) -> dict[str, Any] | None:
    """One person's registry record by 公民身份号码 (raw; other domains read via exchange.service)."""
    key = (id_number or "").strip().upper()[:18]
    person = session.scalars(select(Person).where(Person.id_number == key)).first()
    return person_record(session, person) if person else None


def lookup_entity(session: Session, credit_code: str) -> dict[str, Any] | None:
    """One legal entity's registry record by 统一社会信用代码 (raw)."""
    key = (credit_code or "").strip().upper()[:18]
    entity = session.scalars(select(Entity).where(Entity.credit_code == key)).first()
    return entity_record(entity) if entity else None


def persons_at_address(session: Session, address_text: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """People whose current address is this standard address (按地址查人)."""
    parts = parse_address(address_text)
    if parts is None:
        return []
    address_id = session.scalar(select(RegAddress.id).where(RegAddress.full_text == parts["full_text"]))
    if address_id is None:
        return []
    people = session.scalars(
        select(Person).where(Person.current_address_id == address_id).order_by(Person.id).limit(limit)
    ).all()
    return [person_record(session, p, address_text=parts["full_text"]) for p in people]


def person_record(session: Session, person: Person, *, address_text: str | None = None) -> dict[str, Any]:
    """A person as a record of plain values (the data items of the 人口 resource)."""
    if address_text is None and person.current_address_id:
        address_text = session.scalar(
            select(RegAddress.full_text).where(RegAddress.id == person.current_address_id)
        )
    return {
        "id_number": person.id_number,
        "name": person.name,
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat(),
        "hukou_address": person.hukou_address,
        "current_address": address_text,
        "phone": person.phone,
        "household_no": person.household_no,
        "relation": person.relation,
        "tags": [t for t in person.tags.split(",") if t],
    }


def entity_record(entity: Entity) -> dict[str, Any]:
    """A legal entity as a record of plain values (the data items of the 法人 resource)."""
    return {
        "credit_code": entity.credit_code,
        "name": entity.name,
        "entity_type": entity.entity_type,
        "legal_representative": entity.legal_representative,
        "registered_address": entity.registered_address,
        "business_status": entity.business_status,
    }


def persons_with_tag(
    session: Session,
    tag: str,
    *,
    offset: int = 0,
    limit: int = 100,
) -> tuple[list[dict[str, Any]], int]:
    """People carrying a tag (独居老人 …), a page of records and the total."""
    if tag not in PERSON_TAGS:
        raise ValidationFailed(f"未知的人员标签：{tag}", code="unknown_tag")
    cond = (
        (Person.tags == tag)
        | Person.tags.like(f"{tag},%")
        | Person.tags.like(f"%,{tag}")
        | Person.tags.like(f"%,{tag},%")
    )
    total = session.scalar(select(func.count()).select_from(Person).where(cond)) or 0
    people = session.scalars(select(Person).where(cond).order_by(Person.id).offset(offset).limit(limit)).all()
    return [person_record(session, p) for p in people], total


def history(session: Session, record_type: str, key: str) -> list[RecordChange]:
    """The change history of one record (变更历史), newest first."""
    return list(
        session.scalars(
            select(RecordChange)
            .where(RecordChange.record_type == record_type, RecordChange.record_key == key)
            .order_by(RecordChange.id.desc())
        )
    )


def get_person(session: Session, id_number: str) -> Person:
    person = session.scalars(select(Person).where(Person.id_number == id_number.strip().upper()[:18])).first()
    if person is None:
        raise NotFound("人口库中没有此人 (person not found)")
    return person


# ---------------------------------------------------------------- houses


def add_house(
    session: Session,
    *,
    address_text: str,
    house_type: str,
    is_rental: bool = False,
    landlord_id_number: str | None = None,
    floor_area_m2: float | None = None,
    grid_id: int | None = None,
    community_id: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    department_id: int | None = None,
) -> House:
    """Register a house (房屋登记) at a standard address, located to community and grid."""
    parts = parse_address(address_text)
    if parts is None:
        raise ValidationFailed("不是标准地址（路/街 + 门牌号 + 幢、单元、室）", code="bad_address")
    if house_type not in HOUSE_TYPES:
        raise ValidationFailed(f"房屋类型应为：{'、'.join(HOUSE_TYPES)}", code="bad_house_type")
    cache: dict[str, int] = {}

    def locate(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "grid_id": grid_id, "community_id": community_id, "lon": lon, "lat": lat}

    ensure_addresses(session, [parts["full_text"]], cache, locate)  # type: ignore[list-item]
    address_id = cache[parts["full_text"]]  # type: ignore[index]
    landlord = get_person(session, landlord_id_number).id if landlord_id_number else None
    house = House(
        address_id=address_id,
        house_type=house_type,
        is_rental=is_rental,
        landlord_id=landlord,
        floor_area_m2=floor_area_m2,
        source_department_id=department_id,
    )
    session.add(house)
    session.flush()
    return house


def move_in(session: Session, house: House, id_number: str, moved_in: date) -> Tenancy:
    """A tenant moves into a rental house (入住登记)."""
    tenancy = Tenancy(house_id=house.id, person_id=get_person(session, id_number).id, moved_in=moved_in)
    session.add(tenancy)
    session.flush()
    return tenancy


def move_out(session: Session, tenancy: Tenancy, moved_out: date) -> Tenancy:
    """A tenant moves out (搬离登记); the move-out cannot precede the move-in."""
    if moved_out < tenancy.moved_in:
        raise ValidationFailed("搬离日期不能早于入住日期", code="bad_dates")
    tenancy.moved_out = moved_out
    return tenancy


# ---------------------------------------------------------------- quality and duplicates


def duplicate_persons(session: Session, *, limit: int = 100) -> list[dict[str, Any]]:
    """Possible duplicates (疑似重复人口): same name and birth date under different ID numbers."""
    groups = session.execute(
        select(Person.name, Person.birth_date, func.count())
        .group_by(Person.name, Person.birth_date)
        .having(func.count() > 1)
        .order_by(func.count().desc(), Person.name)
        .limit(limit)
    ).all()
    return [{"name": name, "birth_date": born.isoformat(), "count": count} for name, born, count in groups]


def duplicate_entities(session: Session, *, limit: int = 100) -> list[dict[str, Any]]:
    """Possible duplicates (疑似重复法人): the same name under different credit codes."""
    groups = session.execute(
        select(Entity.name, func.count())
        .group_by(Entity.name)
        .having(func.count() > 1)
        .order_by(func.count().desc())
        .limit(limit)
    ).all()
    return [{"name": name, "count": count} for name, count in groups]


def quality_by_department(session: Session) -> list[dict[str, Any]]:
    """Data quality per source department (数据质量): imports, rejections, rows in error, gaps."""
    out: dict[int | None, dict[str, Any]] = {}
    for dept_id, accepted, batches, errors in session.execute(
        select(
            ImportBatch.source_department_id,
            ImportBatch.accepted,
            func.count(),
            func.coalesce(func.sum(ImportBatch.error_count), 0),
        ).group_by(ImportBatch.source_department_id, ImportBatch.accepted)
    ):
        entry = out.setdefault(dept_id, _quality_entry(session, dept_id))
        entry["accepted" if accepted else "rejected"] += batches
        entry["error_rows"] += int(errors)
    for dept_id, total, no_phone, no_address in session.execute(
        select(
            Person.source_department_id,
            func.count(),
            func.count() - func.count(Person.phone),
            func.count() - func.count(Person.current_address_id),
        ).group_by(Person.source_department_id)
    ):
        entry = out.setdefault(dept_id, _quality_entry(session, dept_id))
        entry.update(persons=total, missing_phone=no_phone, missing_address=no_address)
    for dept_id, total in session.execute(
        select(Entity.source_department_id, func.count()).group_by(Entity.source_department_id)
    ):
        out.setdefault(dept_id, _quality_entry(session, dept_id))["entities"] = total
    for entry in out.values():
        imports = entry["accepted"] + entry["rejected"]
        entry["rejected_share"] = round(entry["rejected"] / imports, 3) if imports else 0.0
        entry["complete_share"] = (
            round(1 - (entry["missing_phone"] + entry["missing_address"]) / (2 * entry["persons"]), 3)
            if entry["persons"]
            else None
        )
    return sorted(out.values(), key=lambda e: e["department"])


def _quality_entry(session: Session, department_id: int | None) -> dict[str, Any]:
    return {
        "department_id": department_id,
        "department": _department_label(session, department_id),
        "accepted": 0,
        "rejected": 0,
        "error_rows": 0,
        "persons": 0,
        "entities": 0,
        "missing_phone": 0,
        "missing_address": 0,
    }


def counts(session: Session) -> dict[str, int]:
    """How many records each registry holds (库容)."""
    return {
        "person": session.scalar(select(func.count()).select_from(Person)) or 0,
        "entity": session.scalar(select(func.count()).select_from(Entity)) or 0,
        "house": session.scalar(select(func.count()).select_from(House)) or 0,
        "rental": session.scalar(select(func.count()).select_from(House).where(House.is_rental)) or 0,
        "address": session.scalar(select(func.count()).select_from(RegAddress)) or 0,
    }


def persons_page(session: Session, *, offset: int = 0, limit: int = 100) -> tuple[list[dict[str, Any]], int]:
    """A page of the population registry and its size."""
    total = session.scalar(select(func.count()).select_from(Person)) or 0
    people = session.scalars(select(Person).order_by(Person.id).offset(offset).limit(limit)).all()
    return [person_record(session, p) for p in people], total


def entities_page(session: Session, *, offset: int = 0, limit: int = 100) -> tuple[list[dict[str, Any]], int]:
    """A page of the legal-entity registry and its size."""
    total = session.scalar(select(func.count()).select_from(Entity)) or 0
    rows = session.scalars(select(Entity).order_by(Entity.id).offset(offset).limit(limit)).all()
    return [entity_record(e) for e in rows], total


def load_demo_registries(
    session: Session,
    *,
    population_department_id: int,
    entity_department_id: int,
    house_department_id: int | None,
    seed: int = 20261121,
) -> None:
    """The demo district's synthetic registries (合成数据, never real people): the population and
    enterprises imported as their keepers would, addresses located to the grids, houses."""
    import random

    from smartgov.registry import demo, synthetic

    import_rows(
        session,
        "person",
        synthetic.persons(DEMO_PERSONS, area_code=DEMO_AREA_CODE, seed=seed),
        filename="示范区人口.csv",
        department_id=population_department_id,
        actor_name="演示数据",
    )
    import_rows(
        session,
        "entity",
        synthetic.entities(DEMO_ENTITIES, area_code=DEMO_AREA_CODE, seed=seed),
        filename="示范区法人.csv",
        department_id=entity_department_id,
        actor_name="演示数据",
    )
    rng = random.Random(seed)
    demo.locate_addresses(session, rng)
    demo.add_houses(session, rng, house_department_id)


DEMO_PERSONS, DEMO_ENTITIES, DEMO_AREA_CODE = 3000, 300, "330199"
