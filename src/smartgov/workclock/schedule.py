"""Holiday-schedule files (节假日安排) an administrator loads: CSV or JSON, parsed and checked.

CSV: ``date,is_workday,name`` (header optional; is_workday 1/0, true/false, 班/休 …).
JSON: a list of ``{"date", "is_workday", "name"}`` or
``{"year": 2027, "holidays": [...], "workdays": [...]}`` whose items are "2027-10-01",
a range "2027-10-01..2027-10-07", or ``{"date": ..., "name": ...}``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from smartgov.errors import ValidationFailed

_TRUE = {"1", "true", "t", "yes", "y", "workday", "work",
         "班", "上班", "工作日", "补班", "调休上班", "是"}
_FALSE = {"0", "false", "f", "no", "n", "holiday", "off",
          "休", "休息", "放假", "假", "节假日", "否"}


class BadSchedule(ValidationFailed):
    code = "bad_schedule"


@dataclass(frozen=True, slots=True)
class ScheduleDay:
    day: date
    is_workday: bool
    name: str


def read_schedule(path: str | Path) -> list[ScheduleDay]:
    """Parse a CSV or JSON schedule file; every problem is reported with its line or item."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadSchedule(f"无法读取文件 {path} (cannot read file): {exc}") from exc
    kind = "json" if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{") else "csv"
    return parse_schedule(text, kind)


def parse_schedule(text: str, kind: str) -> list[ScheduleDay]:
    """Parse schedule ``text`` of ``kind`` "csv" or "json" into days sorted by date."""
    text = text.removeprefix("\ufeff")
    days = _parse_json(text) if kind == "json" else _parse_csv(text)
    if not days:
        raise BadSchedule("文件中没有任何日期 (the schedule lists no days)")
    seen: dict[date, ScheduleDay] = {}
    for item in days:
        earlier = seen.get(item.day)
        if earlier is not None and earlier.is_workday != item.is_workday:
            raise BadSchedule(f"{item.day} 同时被标为上班和休息 "
                              f"(listed both as workday and day off)")
        seen[item.day] = item
    return sorted(seen.values(), key=lambda d: d.day)


def _parse_csv(text: str) -> list[ScheduleDay]:
    days: list[ScheduleDay] = []
    errors: list[str] = []
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if lineno == 1 and _is_header(cells[0]):
            continue
        if len(cells) < 2:
            errors.append(f"第 {lineno} 行缺少 is_workday 列 (line {lineno}: need date,is_workday)")
            continue
        try:
            days.append(ScheduleDay(_date(cells[0]), _flag(cells[1]),
                                    cells[2] if len(cells) > 2 else ""))
        except ValueError as exc:
            errors.append(f"第 {lineno} 行 (line {lineno}): {exc}")
    if errors:
        raise BadSchedule("节假日安排文件有误 (bad schedule file): " + "; ".join(errors[:20]),
                          details=errors)
    return days


def _parse_json(text: str) -> list[ScheduleDay]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadSchedule(f"JSON 格式错误 (bad JSON): {exc}") from exc
    try:
        if isinstance(data, list):
            return [_json_day(item) for item in data]
        if isinstance(data, dict) and ("holidays" in data or "workdays" in data):
            year = data.get("year")
            days = [*_json_group(data.get("holidays") or [], False),
                    *_json_group(data.get("workdays") or [], True)]
            if year is not None:
                wrong = [str(d.day) for d in days if d.day.year != int(year)]
                if wrong:
                    raise ValueError(f"日期不在 {year} 年 (dates outside {year}): "
                                     f"{', '.join(wrong)}")
            return days
        if isinstance(data, dict) and "days" in data:
            return [_json_day(item) for item in data["days"]]
    except (ValueError, TypeError, KeyError) as exc:
        raise BadSchedule(f"节假日安排文件有误 (bad schedule file): {exc}") from exc
    raise BadSchedule('JSON 应为 [{"date","is_workday","name"}, …] 或 '
                      '{"year", "holidays", "workdays"} (unexpected JSON shape)')


def _json_day(item: Any) -> ScheduleDay:
    if not isinstance(item, dict):
        raise ValueError(f"应为对象 (expected an object): {item!r}")
    if "date" not in item or "is_workday" not in item:
        raise ValueError(f"缺少 date 或 is_workday (missing date or is_workday): {item!r}")
    return ScheduleDay(_date(str(item["date"])), _flag(item["is_workday"]),
                       str(item.get("name") or ""))


def _json_group(items: list[Any], is_workday: bool) -> list[ScheduleDay]:
    days: list[ScheduleDay] = []
    for item in items:
        if isinstance(item, dict):
            spec = str(item.get("date") or item.get("range") or "")
            name = str(item.get("name") or "")
        else:
            spec, name = str(item), ""
        first, _, last = spec.partition("..")
        start = _date(first)
        end = _date(last) if last else start
        if end < start or (end - start).days > 366:
            raise ValueError(f"日期范围无效 (bad range): {spec}")
        while start <= end:
            days.append(ScheduleDay(start, is_workday, name))
            start += timedelta(days=1)
    return days


def _is_header(cell: str) -> bool:
    return not cell[:1].isdigit()


def _date(text: str) -> date:
    text = text.strip().replace("/", "-")
    try:
        return date.fromisoformat(text)
    except ValueError:
        parts = text.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                pass
    raise ValueError(f"日期无效 {text!r}，应为 2027-01-01 (bad date)")


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"is_workday 值无效 {value!r}，应为 1/0、true/false 或 班/休 (bad is_workday)")
