"""The case catalogue (案件分类目录): seed data from DOMAIN §2.2 and CSV/XLSX import/export."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smartgov.cases.models import Category, RequestType
from smartgov.errors import ValidationFailed
from smartgov.org.models import Department
from smartgov.web.exports import csv_text, xlsx_bytes

# code, name, kind
MAJOR_CLASSES = [
    ("01", "公用设施", "component"),
    ("02", "交通设施", "component"),
    ("03", "市容环境设施", "component"),
    ("04", "园林绿化设施", "component"),
    ("05", "其他设施", "component"),
    ("11", "市容环境", "event"),
    ("12", "宣传广告", "event"),
    ("13", "施工管理", "event"),
    ("14", "街面秩序", "event"),
    ("15", "突发事件", "event"),
    ("16", "其他事件", "event"),
]

# code, name, default department code, handle limit, verify?, recheck?, direct dispatch?
MINOR_CLASSES = """
0101|井盖破损缺失|shizheng|4wh|1|1|0
0102|路灯不亮|shizheng|2wd|1|1|1
0103|报刊亭破损|chengguan|5wd|1|1|0
0104|消防栓损坏|xiaofang|1wd|1|1|0
0105|供水井盖|shuiwu|4wh|1|1|0
0106|燃气设施异常|ranqi|2h|0|1|1
0107|电力设施破损|gongdian|1wd|1|1|0
0201|交通信号灯故障|jiaojing|4wh|0|1|1
0202|交通标志牌损坏|jiaojing|3wd|1|1|0
0203|道路护栏损坏|shizheng|3wd|1|1|0
0204|公交站亭破损|jiaotong|3wd|1|1|0
0205|非机动车停放点|chengguan|5wd|1|1|0
0301|公厕设施损坏|huanwei|1wd|1|1|0
0302|垃圾箱破损满溢|huanwei|4wh|1|1|1
0303|果皮箱缺失|huanwei|2wd|1|1|0
0304|户外广告设施破损|chengguan|3wd|1|1|0
0401|行道树倒伏|yuanlin|4wh|0|1|1
0402|绿地护栏损坏|yuanlin|5wd|1|1|0
0403|花坛破损|yuanlin|5wd|1|1|0
0501|健身器材损坏|wenlv|5wd|1|1|0
0502|无障碍设施损坏|zhujian|5wd|1|1|0
1101|暴露垃圾|huanwei|4wh|1|1|1
1102|道路不洁|huanwei|2wh|1|1|1
1103|积存渣土|chengguan|2wd|1|1|0
1104|私搭乱建|chengguan|7wd|1|1|0
1105|乱堆物料|chengguan|1wd|1|1|0
1106|绿地脏乱|yuanlin|5wd|1|1|0
1107|噪声扰民|chengguan|3wd|0|0|1
1108|油烟污染|shengtai|5wd|1|1|0
1109|污水冒溢|shuiwu|4wh|0|1|1
1201|违规张贴小广告|chengguan|1wd|1|1|0
1202|违规户外广告|chengguan|5wd|1|1|0
1203|条幅标语|chengguan|1wd|1|1|0
1301|施工扰民|zhujian|3wd|0|0|1
1302|工地扬尘|shengtai|1wd|1|1|0
1303|道路挖掘未恢复|shizheng|5wd|1|1|0
1304|渣土车遗撒|chengguan|4wh|1|1|0
1401|无照经营游商|shichang|1wd|1|1|0
1402|占道经营|chengguan|4wh|1|1|1
1403|店外经营|chengguan|1wd|1|1|0
1404|机动车乱停放|jiaojing|4wh|1|1|0
1405|非法小广告派发|chengguan|1wd|1|1|0
1501|道路积水|shuiwu|2h|0|1|1
1502|路面塌陷|shizheng|2h|0|1|1
1503|火灾隐患|xiaofang|4wh|0|1|1
1601|其他市容问题|chengguan|5wd|1|1|0
1602|宠物扰民|gongan|5wd|0|0|1
"""



def _choice(code: str, description: str, values: str, *, required: bool = True, order: int = 1,
            many: bool = False) -> dict[str, Any]:
    """A list attribute; ``values`` is "key=名称,key=名称"."""
    return {"code": code, "description": description, "required": required, "order": order,
            "datatype": "multivaluelist" if many else "singlevaluelist",
            "values": [dict(zip(("key", "name"), v.split("="), strict=True)) for v in values.split(",")]}


def _field(code: str, description: str, datatype: str, hint: str, *, required: bool = False,
           order: int = 1) -> dict[str, Any]:
    return {"code": code, "description": description, "datatype": datatype, "required": required,
            "datatype_description": hint, "order": order}


# 附加属性 (Open311 service definition attributes) asked on the report form of these classes.
CATEGORY_ATTRIBUTES: dict[str, list[dict[str, Any]]] = {
    "0101": [
        _choice("cover_type", "井盖类型", "rain=雨水,sewage=污水,power=电力,telecom=通信,gas=燃气,"
                "water=供水,unknown=不清楚"),
        _choice("damage", "破损情况", "missing=缺失,broken=破损,loose=松动异响,sunk=下沉凸起,moved=移位",
                order=2),
        _choice("position", "所在位置", "road=机动车道,bike=非机动车道,walk=人行道,estate=小区内",
                required=False, order=3),
    ],
    "0102": [
        _field("pole_no", "灯杆编号", "string", "灯杆上喷涂的编号，如 XC-0123"),
        _choice("fault", "故障现象", "dark=整灯不亮,flicker=闪烁,daytime=白天亮灯,cover=灯罩脱落,"
                "tilt=灯杆倾斜", required=False, order=2),
        _field("lamps", "不亮盏数", "number", "连续不亮的路灯盏数", order=3),
    ],
    "0302": [
        _choice("issue", "问题情况", "full=满溢,broken=箱体破损,lid=缺盖,smell=异味"),
        _choice("bin_type", "垃圾箱类型", "other=其他垃圾,kitchen=厨余垃圾,recyclable=可回收物,"
                "hazardous=有害垃圾", required=False, order=2),
    ],
    "0401": [
        _choice("blocking", "是否阻断交通", "yes=是,no=否"),
        _field("tree_no", "树木编号", "string", "树干挂牌上的编号（如有）", order=2),
    ],
    "1101": [
        _choice("amount", "垃圾量", "small=少量（一袋以内）,cart=较多（约一车）,large=大量（多于一车）"),
        _choice("kind", "垃圾种类", "household=生活垃圾,renovation=装修垃圾,bulky=大件垃圾,garden=园林垃圾",
                required=False, order=2, many=True),
    ],
    "1107": [
        _choice("period", "发生时段", "day=白天,night=夜间（22:00至次日6:00）,allday=全天", required=False),
        _choice("noise_source", "噪声来源", "shop=商铺音响,venue=娱乐场所,dance=广场舞,vehicle=车辆,"
                "other=其他", required=False, order=2),
    ],
    "1404": [
        _choice("place", "占用位置", "walk=人行道,fire=消防通道,blind=盲道,bus=公交站台,gate=小区出入口"),
        _field("plate", "车牌号", "string", "如 浙A12345（可不填）", order=2),
    ],
    "1501": [
        _choice("depth", "积水深度", "ankle=没过脚踝（10厘米以下）,calf=没过小腿（10至30厘米）,"
                "knee=没过膝盖（30厘米以上）"),
        _choice("passable", "车辆能否通行", "yes=可以通行,hard=勉强通行,no=无法通行", order=2),
    ],
}

REQUEST_TYPES = [
    ("consult", "咨询", "1wd", False),
    ("help", "求助", "3wd", True),
    ("complaint", "投诉", "13wd", True),
    ("report", "举报", "13wd", True),
    ("suggestion", "建议", "13wd", True),
    ("praise", "表扬", "3wd", False),
]

# Columns of the catalogue file (CSV/XLSX), in order. Limits are checked before anything changes.
LIMIT_FIELDS = ("verify_limit", "file_limit", "dispatch_limit", "handle_limit", "recheck_limit")
FLAG_FIELDS = ("needs_verify", "needs_recheck", "direct_dispatch")
TEXT_FIELDS = ("filing_condition", "closing_condition", "legal_basis", "urgency_levels", "keywords")
CSV_FIELDS = [
    "code", "name", "kind", "level", "parent_code", "default_department_code",
    *LIMIT_FIELDS, *FLAG_FIELDS, *TEXT_FIELDS,
]


def _department(session: Session, code: str) -> Department | None:
    return session.scalar(select(Department).where(Department.code == code))


def load_demo_catalogue(session: Session) -> int:
    """Create the demo catalogue (≥ 6 major, ≥ 40 minor classes) and the 12345 request types."""
    majors: dict[str, Category] = {}
    for order, (code, name, kind) in enumerate(MAJOR_CLASSES):
        majors[code] = Category(code=code, name=name, kind=kind, level="major", sort_order=order)
        session.add(majors[code])
    session.flush()
    count = 0
    for order, line in enumerate(MINOR_CLASSES.strip().splitlines()):
        code, name, dept_code, limit, verify, recheck, direct = line.split("|")
        major = majors[code[:2]]
        dept = _department(session, dept_code) or _department(session, "chengguan")
        session.add(
            Category(
                code=code,
                name=name,
                kind=major.kind,
                level="minor",
                parent_id=major.id,
                default_department_id=dept.id if dept else None,
                handle_limit=limit,
                needs_verify=verify == "1",
                needs_recheck=recheck == "1",
                direct_dispatch=direct == "1",
                filing_condition=f"{name}，位于本辖区公共区域，属于{major.name}类问题",
                closing_condition=f"{name}已处置到位，现场核查无误",
                keywords=name,
                attributes=CATEGORY_ATTRIBUTES.get(code),
                sort_order=100 + order,
            )
        )
        count += 1
    for code, name, limit, callback in REQUEST_TYPES:
        session.add(RequestType(code=code, name=name, handle_limit=limit, needs_callback=callback))
    session.flush()
    return count


def catalogue_rows(session: Session) -> list[list[Any]]:
    """The whole catalogue as a table: the header (CSV_FIELDS), then one row per class."""
    departments = {dept_id: code for dept_id, code in session.execute(select(Department.id, Department.code))}
    categories = session.scalars(select(Category).order_by(Category.level, Category.code)).all()
    codes = {c.id: c.code for c in categories}
    rows: list[list[Any]] = [list(CSV_FIELDS)]
    for cat in categories:
        values = {
            "code": cat.code,
            "name": cat.name,
            "kind": cat.kind,
            "level": cat.level,
            "parent_code": codes.get(cat.parent_id, ""),
            "default_department_code": departments.get(cat.default_department_id, ""),
            **{field: getattr(cat, field) for field in LIMIT_FIELDS},
            **{field: int(getattr(cat, field)) for field in FLAG_FIELDS},
            **{field: getattr(cat, field) or "" for field in TEXT_FIELDS},
        }
        rows.append([values[field] for field in CSV_FIELDS])
    return rows


def export_csv(session: Session) -> str:
    """The whole catalogue as CSV (UTF-8 with BOM so spreadsheet software reads Chinese)."""
    return csv_text(catalogue_rows(session))


def export_xlsx(session: Session) -> bytes:
    """The catalogue as an Excel workbook with the same columns as the CSV."""
    return xlsx_bytes(catalogue_rows(session), "案件分类目录")


def _rows_from_file(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        header = [str(h).strip() for h in rows[0]]
        return [
            {h: "" if v is None else str(v) for h, v in zip(header, row, strict=False)}
            for row in rows[1:]
            if any(v is not None for v in row)
        ]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def import_file(session: Session, path: Path) -> int:
    """Create or update categories from CSV/XLSX; checks every row before changing anything."""
    from smartgov.workclock.service import TimeLimit

    rows = _rows_from_file(path)
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        if not row.get("code") or not row.get("name"):
            errors.append(f"第 {number} 行：缺少 code 或 name")
        for field in LIMIT_FIELDS:
            if row.get(field):
                try:
                    TimeLimit.parse(row[field])
                except Exception as exc:  # noqa: BLE001 - report every bad cell at once
                    errors.append(f"第 {number} 行 {field}：{exc}")
    if errors:
        raise ValidationFailed(
            "导入文件有误，未做任何修改：" + "；".join(errors), code="bad_import", details=errors
        )
    by_code = {c.code: c for c in session.scalars(select(Category))}
    departments = {code: dept_id for dept_id, code in session.execute(select(Department.id, Department.code))}
    for row in sorted(rows, key=lambda r: r.get("level") != "major"):
        cat = by_code.get(row["code"]) or Category(code=row["code"])
        cat.name = row["name"]
        cat.kind = row.get("kind") or cat.kind or "event"
        cat.level = row.get("level") or "minor"
        if row.get("parent_code"):
            parent = by_code.get(row["parent_code"])
            cat.parent_id = parent.id if parent else None
        if row.get("default_department_code"):
            cat.default_department_id = departments.get(row["default_department_code"])
        for field in (*LIMIT_FIELDS, *TEXT_FIELDS):
            if row.get(field):
                setattr(cat, field, row[field])
        for flag in FLAG_FIELDS:
            if row.get(flag, "") != "":
                setattr(cat, flag, row[flag].strip().lower() in ("1", "true", "是", "yes"))
        session.add(cat)
        session.flush()
        by_code[cat.code] = cat
    return len(rows)
