"""Reading an uploaded registry file (CSV or XLSX) into rows of text, checked by content and size."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from smartgov.errors import ValidationFailed
from smartgov.files.policy import size_text

MAX_BYTES = 50 * 1024 * 1024  # 50 MB per uploaded file (导入文件大小上限)
XLSX_SIGNATURE = b"PK\x03\x04"


def check_upload(content: bytes, filename: str) -> str:
    """ "csv" or "xlsx" for an acceptable file, else a Chinese 422 (type by content, never by name)."""
    if not content:
        raise ValidationFailed("文件为空", code="empty_file")
    if len(content) > MAX_BYTES:
        raise ValidationFailed(f"文件超过 {size_text(MAX_BYTES)}", code="file_too_large")
    if content.startswith(XLSX_SIGNATURE):
        return "xlsx"
    if b"\x00" in content[:65536]:
        raise ValidationFailed("只能导入 CSV 或 XLSX 格式的文件", code="unsupported_file_type")
    try:
        content[:65536].decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < 65530:  # a character cut at the window's end is fine
            raise ValidationFailed("CSV 文件须为 UTF-8 编码", code="bad_encoding") from None
    return "csv"


def read_rows(content: bytes, filename: str) -> Iterator[dict[str, str]]:
    """Rows (header → text) of a CSV or the first sheet of an XLSX file."""
    kind = check_upload(content, filename)
    if kind == "csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("CSV 文件须为 UTF-8 编码", code="bad_encoding") from None
        yield from csv.DictReader(io.StringIO(text))
        return
    yield from _xlsx_rows(content)


def _xlsx_rows(content: bytes) -> Iterator[dict[str, str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # a damaged or foreign zip file
        raise ValidationFailed("无法读取 XLSX 文件", code="bad_xlsx") from None
    sheet = book.worksheets[0]
    header: list[str] | None = None
    for values in sheet.iter_rows(values_only=True):
        cells = ["" if v is None else str(v).strip() for v in values]
        if header is None:
            header = cells
            continue
        if any(cells):
            yield dict(zip(header, cells, strict=False))
    book.close()
