"""Tables as files people open in spreadsheet software (导出): CSV that Excel reads in Chinese,
an XLSX workbook, and the download response for either."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV, with a byte-order mark so that Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return "\ufeff" + buffer.getvalue()


def xlsx_bytes(rows: Iterable[Sequence[Any]], sheet_title: str) -> bytes:
    """Rows as a one-sheet Excel workbook (sheet titles are at most 31 characters)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def download(content: str | bytes, media_type: str, filename: str) -> Response:
    """The file as an attachment; a Chinese file name is kept for browsers that read filename*."""
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename={quote(filename)}; filename*=UTF-8''{quote(filename)}"})
