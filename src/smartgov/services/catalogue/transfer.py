"""CSV and Excel import and export of items with their materials and forms (事项导入导出).

One row per item version; list columns (materials, form, joint departments …) hold JSON. An
import checks every row first: a file with a bad row changes nothing and names the row and why."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smartgov.errors import ValidationFailed
from smartgov.services.catalogue import service as catalogue
from smartgov.services.schemas import ItemIn

# column header (Chinese, as the file shows it) → field of ItemIn
COLUMNS: dict[str, str] = {
    "基本编码": "base_code",
    "实施编码": "impl_code",
    "事项名称": "name",
    "事项类型": "item_type",
    "设定依据": "legal_basis",
    "行使层级": "level",
    "实施主体编码": "department_code",
    "受理条件": "conditions",
    "服务对象": "audience",
    "办理形式": "handling_form",
    "办理流程": "process",
    "法定办结时限": "statutory_days",
    "承诺办结时限": "promised_days",
    "特别程序": "special_procedures",
    "是否收费": "charged",
    "收费金额（分）": "fee_cents",
    "收费标准": "fee_standard",
    "收费依据": "fee_basis",
    "缴费后送达": "pay_before_delivery",
    "到现场次数": "visits",
    "咨询电话": "consult_phone",
    "监督投诉电话": "complaint_phone",
    "办理地点": "location",
    "办理时间": "office_hours",
    "联办机构": "joint_departments",
    "逾期视为同意": "deemed_consent",
    "审签级数": "sign_off_levels",
    "审批结果": "certificate_type",
    "常见问题": "faq",
    "主项编码": "parent_code",
    "业务办理项": "business_kind",
    "申请材料": "materials",
    "申请表": "form_fields",
}
JSON_FIELDS = {
    "special_procedures",
    "joint_departments",
    "certificate_type",
    "faq",
    "materials",
    "form_fields",
}
BOOL_FIELDS = {"charged", "pay_before_delivery", "deemed_consent"}
MAX_ROWS = 2000


def _cell(field: str, value: Any) -> Any:
    if field in JSON_FIELDS:
        return json.dumps(value, ensure_ascii=False) if value not in (None, []) else ""
    if field in BOOL_FIELDS:
        return "是" if value else "否"
    return "" if value is None else value


def export_rows(session: Session) -> list[list[Any]]:
    """The header and one row per published item."""
    rows: list[list[Any]] = [list(COLUMNS)]
    for item in catalogue.published(session, limit=MAX_ROWS):
        values = catalogue.as_input(session, item)
        rows.append([_cell(field, values.get(field)) for field in COLUMNS.values()])
    return rows


def export_csv(session: Session) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(export_rows(session))
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(session: Session) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "事项目录"
    for row in export_rows(session):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _parse(header: list[str], row: list[Any], line: int) -> ItemIn:
    values: dict[str, Any] = {}
    for title, raw in zip(header, row, strict=False):
        field = COLUMNS.get(str(title or "").strip())
        if field is None:
            continue
        text = "" if raw is None else str(raw).strip()
        if field in JSON_FIELDS:
            if text:
                try:
                    values[field] = json.loads(text)
                except ValueError:
                    raise ValidationFailed(f"第{line}行「{title}」不是有效的 JSON", code="bad_row") from None
        elif field in BOOL_FIELDS:
            values[field] = text in ("是", "true", "True", "1")
        elif text:
            values[field] = text
    try:
        return ItemIn(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ValidationFailed(f"第{line}行「{where}」有误：{first.get('msg')}", code="bad_row") from None


def read_rows(content: bytes, filename: str) -> tuple[list[str], list[list[Any]]]:
    """The header and data rows of a CSV or XLSX file."""
    if filename.lower().endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception:  # openpyxl raises many kinds for a file that is not a workbook
            raise ValidationFailed("无法读取 Excel 文件", code="bad_file") from None
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    else:
        try:
            rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        except UnicodeDecodeError:
            raise ValidationFailed("CSV 文件须为 UTF-8 编码", code="bad_encoding") from None
    if not rows:
        raise ValidationFailed("文件为空", code="empty_file")
    if len(rows) > MAX_ROWS + 1:
        raise ValidationFailed(f"一次最多导入 {MAX_ROWS} 个事项", code="too_many_rows")
    return [str(h or "").strip() for h in rows[0]], [
        r for r in rows[1:] if any(c not in (None, "") for c in r)
    ]


def import_items(session: Session, content: bytes, filename: str, *, principal: Any, publish: bool) -> int:
    """Create a draft (the next version) of every row, and publish them; all or nothing."""
    header, rows = read_rows(content, filename)
    missing = [
        t
        for t, f in COLUMNS.items()
        if f in ("base_code", "impl_code", "name", "department_code") and t not in header
    ]
    if missing:
        raise ValidationFailed(f"缺少列：{'、'.join(missing)}", code="bad_columns")
    items = [(line, _parse(header, row, line)) for line, row in enumerate(rows, start=2)]
    savepoint = session.begin_nested()
    try:
        for line, data in items:
            try:
                item = catalogue.create_draft(session, data, principal=principal)
                if publish:
                    catalogue.publish(session, item.id, principal=principal)
            except ValidationFailed as exc:
                raise ValidationFailed(f"第{line}行：{exc.message}", code="bad_row") from None
            except Exception as exc:
                message = getattr(exc, "message", str(exc))
                raise ValidationFailed(f"第{line}行：{message}", code="bad_row") from None
    except ValidationFailed:
        savepoint.rollback()
        raise
    savepoint.commit()
    return len(items)
