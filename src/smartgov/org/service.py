"""Areas and departments: upserts, queries and the GeoJSON import (区/街道/社区/单元网格导入)."""

from __future__ import annotations

import hashlib
import json
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from smartgov.errors import NotFound, ValidationFailed
from smartgov.org.geo import (
    LocateResult,
    area_m2,
    bump_version,
    center_point,
    check_lonlat,
    get_locator,
    grid_signature,
    parse_geometry,
    polygonal,
    to_geojson,
)
from smartgov.org.models import Area, AreaLevel, Department

PARENT_LEVEL: dict[AreaLevel, AreaLevel | None] = {
    AreaLevel.DISTRICT: None,
    AreaLevel.STREET: AreaLevel.DISTRICT,
    AreaLevel.COMMUNITY: AreaLevel.STREET,
    AreaLevel.GRID: AreaLevel.COMMUNITY,
}

# Property names tried, in order, when no --code-prop/--name-prop/--parent-code-prop is given.
CODE_PROPS: dict[AreaLevel, tuple[str, ...]] = {
    AreaLevel.DISTRICT: ("区划代码", "行政区划代码", "区县编码", "区编码", "adcode", "code",
                         "编码"),
    AreaLevel.STREET: ("街道编码", "街道代码", "街道编号", "street_code", "code", "编码", "编号"),
    AreaLevel.COMMUNITY: ("社区编码", "社区代码", "社区编号", "community_code", "code", "编码",
                          "编号"),
    AreaLevel.GRID: ("网格编号", "网格编码", "网格代码", "grid_code", "code", "编码", "编号"),
}
NAME_PROPS: dict[AreaLevel, tuple[str, ...]] = {
    AreaLevel.DISTRICT: ("区县", "区", "区名称", "name", "名称"),
    AreaLevel.STREET: ("街道", "街道名称", "name", "名称"),
    AreaLevel.COMMUNITY: ("社区", "社区名称", "name", "名称"),
    AreaLevel.GRID: ("网格名称", "所属组织", "name", "名称"),
}
PARENT_CODE_PROPS: dict[AreaLevel, tuple[str, ...]] = {
    AreaLevel.DISTRICT: (),
    AreaLevel.STREET: ("区划代码", "区县编码", "区编码", "district_code", "parent_code"),
    AreaLevel.COMMUNITY: ("街道编码", "街道代码", "street_code", "parent_code"),
    AreaLevel.GRID: ("社区编码", "社区代码", "community_code", "parent_code"),
}
CODE_SEPARATORS = "-_./ "
DEFAULT_DISTRICT_CODE = "DISTRICT"
DEFAULT_DISTRICT_NAME = "本区"
MAX_REPORTED_PROBLEMS = 20

ProgressHook = Callable[[str, int, int], None]
"""Called as ``hook(stage, done, total)`` during long work (the CLI draws a progress bar)."""


# --- queries ------------------------------------------------------------------------------------


def get_area(session: Session, area_id: int) -> Area:
    area = session.get(Area, area_id)
    if area is None:
        raise NotFound(f"区域不存在: {area_id}")
    return area


def get_area_by_code(session: Session, code: str) -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        raise NotFound(f"区域编码不存在: {code}")
    return area


def list_areas(session: Session, *, level: AreaLevel | str | None = None,
               parent_id: int | None = None, limit: int | None = None,
               offset: int = 0) -> list[Area]:
    """Areas ordered by level and code, optionally of one level and/or under one parent."""
    query = select(Area).order_by(Area.code)
    if level is not None:
        query = query.where(Area.level == AreaLevel(level).value)
    if parent_id is not None:
        query = query.where(Area.parent_id == parent_id)
    query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query).unique())


def area_chain(area: Area) -> dict[str, Area]:
    """The area and its ancestors keyed by level ("grid", "community", "street", "district")."""
    chain: dict[str, Area] = {}
    node: Area | None = area
    while node is not None and node.level not in chain:
        chain[node.level] = node
        node = node.parent
    return chain


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))


def grids_feature_collection(session: Session) -> dict[str, Any]:
    """Every unit grid as a GeoJSON FeatureCollection with its community and street (for maps)."""
    areas = {a.id: a for a in session.scalars(
        select(Area).where(Area.level.in_([AreaLevel.STREET.value, AreaLevel.COMMUNITY.value])))}
    features = []
    grids = session.scalars(select(Area).where(Area.level == AreaLevel.GRID.value,
                                               Area.geometry.is_not(None)).order_by(Area.code))
    for grid in grids.unique():
        community = areas.get(grid.parent_id) if grid.parent_id else None
        street = areas.get(community.parent_id) if community and community.parent_id else None
        if community is not None and community.level == AreaLevel.STREET.value:
            community, street = None, community
        features.append({
            "type": "Feature",
            "id": grid.id,
            "geometry": json.loads(grid.geometry or "null"),
            "properties": {
                "id": grid.id, "code": grid.code, "name": grid.name,
                "community": community.name if community else None,
                "community_code": community.code if community else None,
                "street": street.name if street else None,
                "street_code": street.code if street else None,
                "area_m2": round(grid.area_m2 or 0.0, 1),
            },
        })
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class Located:
    """A point's grid lookup with the areas themselves."""

    result: LocateResult
    grid: Area
    community: Area | None
    street: Area | None


def locate_point(session: Session, lon: float, lat: float) -> Located:
    """The grid, community and street of (lon, lat); raises OutsideJurisdiction (网格定位)."""
    found = get_locator(session).locate(lon, lat)
    grid = get_area(session, found.grid_id)
    community = session.get(Area, found.community_id) if found.community_id else None
    street = session.get(Area, found.street_id) if found.street_id else None
    return Located(found, grid, community, street)


_geojson_cache: weakref.WeakKeyDictionary[Engine, tuple[tuple[int, ...], str, bytes]] = \
    weakref.WeakKeyDictionary()


def grids_geojson(session: Session) -> tuple[str, bytes]:
    """(etag, body) of the grids FeatureCollection, cached until any area changes."""
    bind = session.get_bind()
    engine: Engine = getattr(bind, "engine", bind)
    signature = grid_signature(session, levels=(AreaLevel.STREET, AreaLevel.COMMUNITY,
                                                AreaLevel.GRID))
    cached = _geojson_cache.get(engine)
    if cached is None or cached[0] != signature:
        body = json.dumps(grids_feature_collection(session), ensure_ascii=False,
                          separators=(",", ":")).encode()
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        cached = (signature, etag, body)
        _geojson_cache[engine] = cached
    return cached[1], cached[2]


# --- upserts ------------------------------------------------------------------------------------


_LOOKUP: Any = object()


def upsert_area(session: Session, *, level: AreaLevel | str, code: str, name: str,
                geometry: BaseGeometry | None, parent: Area | None,
                existing: Area | None = _LOOKUP) -> tuple[Area, str]:
    """Create or update the area with ``code``; returns (area, "created"|"updated"|"unchanged").

    ``existing`` skips the lookup by code when the caller already knows the row (or None).
    """
    level = AreaLevel(level)
    area = session.scalar(select(Area).where(Area.code == code)) if existing is _LOOKUP \
        else existing
    if area is not None and area.level != level.value:
        raise ValidationFailed(f"编码 {code} 已被{AreaLevel(area.level).label}「{area.name}」使用",
                               code="area_code_conflict")
    values: dict[str, Any] = {"code": code, "name": name[:100], "level": level.value,
                              "parent_id": parent.id if parent is not None else None}
    if geometry is not None:
        center = center_point(geometry)
        values.update(geometry=to_geojson(geometry), center_lon=round(center.x, 7),
                      center_lat=round(center.y, 7), area_m2=round(area_m2(geometry), 1))
    if area is None:
        area = Area(**values)
        session.add(area)
        return area, "created"
    changed = False
    for key, value in values.items():
        if getattr(area, key) != value:
            setattr(area, key, value)
            changed = True
    return area, "updated" if changed else "unchanged"


def upsert_department(session: Session, *, code: str, name: str, duties: str | None = None,
                      phone: str | None = None, area: Area | None = None) -> Department:
    """Create or update the department with ``code``."""
    dept = session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        dept = Department(code=code)
        session.add(dept)
    dept.name, dept.duties, dept.phone = name, duties, phone
    dept.area_id = area.id if area is not None else None
    return dept


# --- GeoJSON import -------------------------------------------------------------------------------


@dataclass
class PropertyMapping:
    """Which feature properties hold the code, the name and the parent's code."""

    code: str | None
    name: str | None
    parent_code: str | None


@dataclass
class ImportReport:
    """What an import did (the CLI prints it as a table)."""

    level: str
    source: str
    mapping: PropertyMapping
    features: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    merged_parts: int = 0
    repaired: int = 0
    dropped_parts: int = 0
    renamed: list[tuple[str, str]] = field(default_factory=list)
    linked: Counter[str] = field(default_factory=Counter)
    district_created: str | None = None
    total_area_m2: float = 0.0
    codes: list[str] = field(default_factory=list)
    empty_codes: set[str] = field(default_factory=set)

    @property
    def areas(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Feature:
    index: int
    code: str
    name: str
    parent_code: str | None
    geometry: BaseGeometry
    parent: Area | None = None


def load_feature_collection(
        source: Path | str | dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """The features of a GeoJSON FeatureCollection (file path, text or mapping) and a label."""
    if isinstance(source, dict):
        data, label = source, "<mapping>"
    else:
        path = Path(source)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError as exc:
            raise ValidationFailed(f"文件不存在: {path}", code="file_not_found") from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValidationFailed(f"不是有效的 GeoJSON 文件: {path} ({exc})",
                                   code="bad_geojson") from exc
        label = str(path)
    if data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise ValidationFailed(f"需要 GeoJSON FeatureCollection: {label}", code="bad_geojson")
    return data["features"], label


def detect_mapping(features: Sequence[dict[str, Any]], level: AreaLevel, *,
                   code_prop: str | None = None, name_prop: str | None = None,
                   parent_code_prop: str | None = None) -> PropertyMapping:
    """Explicit property names (checked) or the first known name present in the features."""
    keys: dict[str, None] = {}
    for feature in features:
        keys.update(dict.fromkeys((feature.get("properties") or {}).keys()))

    def pick(explicit: str | None, candidates: Iterable[str], what: str) -> str | None:
        if explicit:
            if explicit not in keys:
                raise ValidationFailed(f"属性 {explicit!r} ({what}) 不在文件中；可用属性: "
                                       f"{', '.join(keys) or '无'}", code="unknown_property")
            return explicit
        lowered = {k.lower(): k for k in keys}
        for candidate in candidates:
            if candidate.lower() in lowered:
                return lowered[candidate.lower()]
        return None

    code = pick(code_prop, CODE_PROPS[level], "编码")
    name = pick(name_prop, NAME_PROPS[level], "名称")
    parent = pick(parent_code_prop, PARENT_CODE_PROPS[level], "上级编码")
    if parent == code:
        parent = None
    if code is None and level is not AreaLevel.DISTRICT:
        raise ValidationFailed(
            f"找不到{level.label}编码属性 (tried {', '.join(CODE_PROPS[level])})；请用 --code-prop "
            f"指定。可用属性: {', '.join(keys) or '无'}", code="unknown_property")
    return PropertyMapping(code=code, name=name, parent_code=parent)


def import_geojson(session: Session, source: Path | str | dict[str, Any],
                   level: AreaLevel | str, *, code_prop: str | None = None,
                   name_prop: str | None = None, parent_code_prop: str | None = None,
                   parts: str = "merge", district_code: str | None = None,
                   district_name: str | None = None,
                   progress: ProgressHook | None = None) -> ImportReport:
    """Upsert the features of a GeoJSON file as areas of ``level`` linked to their parents.

    Features sharing a code under the same parent are parts of one area: ``parts="merge"``
    stores them as one MultiPolygon, ``parts="separate"`` keeps each with a ``#n`` suffix.
    A code repeated under different parents is made unique as ``<parent code>/<code>``.
    Nothing is written when any feature is unusable (the error lists them). Does not commit.
    """
    level = AreaLevel(level)
    if parts not in ("merge", "separate"):
        raise ValidationFailed("parts 只能是 merge 或 separate", code="bad_option")
    raw, label = load_feature_collection(source)
    mapping = detect_mapping(raw, level, code_prop=code_prop, name_prop=name_prop,
                             parent_code_prop=parent_code_prop)
    report = ImportReport(level=level.value, source=label, mapping=mapping, features=len(raw))
    problems: list[str] = []
    features = _parse_features(session, raw, level, mapping, report, problems, district_code,
                               progress)
    kept = {f.code for f in features}
    problems.extend(f"{code} 只有面积为零的图形" for code in sorted(report.empty_codes - kept))
    _raise_problems(problems, label)
    parent_level = PARENT_LEVEL[level]
    if parent_level is not None:
        _link_parents(session, features, parent_level, report, problems, district_code,
                      district_name, progress)
    _raise_problems(problems, label)
    groups = _group_by_code(features, parts, report)
    _write(session, level, groups, report, progress)
    if report.district_created:
        _outline_district(session, report.district_created)
    session.flush()
    bump_version()
    return report


def _raise_problems(problems: list[str], label: str) -> None:
    if problems:
        shown = "; ".join(problems[:MAX_REPORTED_PROBLEMS])
        more = f" … 共 {len(problems)} 处" if len(problems) > MAX_REPORTED_PROBLEMS else ""
        raise ValidationFailed(f"{label}: 未导入任何数据，{len(problems)} 处问题: {shown}{more}",
                               code="bad_features", details=problems)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _parse_features(session: Session, raw: Sequence[dict[str, Any]], level: AreaLevel,
                    mapping: PropertyMapping, report: ImportReport, problems: list[str],
                    district_code: str | None, progress: ProgressHook | None) -> list[_Feature]:
    features: list[_Feature] = []
    default_code = None
    if mapping.code is None:  # a district outline without a code: reuse the existing root's
        default_code = district_code or _sole_district_code(session) or DEFAULT_DISTRICT_CODE
    for i, feature in enumerate(raw):
        props = feature.get("properties") or {}
        code = _text(props.get(mapping.code)) if mapping.code else default_code
        if not code:
            problems.append(f"#{i + 1} 缺少编码 ({mapping.code})")
            continue
        if len(code) > 64:
            problems.append(f"#{i + 1} 编码过长 ({code[:20]}…)")
            continue
        name = _text(props.get(mapping.name)) if mapping.name else None
        parent_code = _text(props.get(mapping.parent_code)) if mapping.parent_code else None
        geometry = _feature_geometry(feature, i, code, report, problems)
        if geometry is not None:
            features.append(_Feature(i, code, name or code, parent_code, geometry))
        if progress:
            progress("读取要素", i + 1, len(raw))
    return features


def _feature_geometry(feature: dict[str, Any], i: int, code: str, report: ImportReport,
                      problems: list[str]) -> BaseGeometry | None:
    where = f"#{i + 1} ({code})"
    spec = feature.get("geometry")
    if not spec:
        problems.append(f"{where} 没有几何图形")
        return None
    try:
        geom = parse_geometry(spec)
        check_lonlat(geom)
    except ValidationFailed as exc:
        problems.append(f"{where} {exc.message}")
        return None
    except Exception as exc:  # shapely raises GEOSException for malformed input
        problems.append(f"{where} 几何图形无法解析: {exc}")
        return None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        problems.append(f"{where} 需要面 (Polygon/MultiPolygon)，实际为 {geom.geom_type}")
        return None
    if not geom.is_valid:
        report.repaired += 1
    clean = polygonal(geom)
    if clean is None:
        report.dropped_parts += 1  # a zero-area sliver; its code usually has other parts
        report.empty_codes.add(code)
        return None
    return clean


def _sole_district_code(session: Session) -> str | None:
    codes = session.scalars(select(Area.code).where(Area.level == AreaLevel.DISTRICT.value)).all()
    return codes[0] if len(codes) == 1 else None


def _link_parents(session: Session, features: list[_Feature], parent_level: AreaLevel,
                  report: ImportReport, problems: list[str], district_code: str | None,
                  district_name: str | None, progress: ProgressHook | None) -> None:
    parents = {a.code: a for a in session.scalars(
        select(Area).where(Area.level == parent_level.value)).unique()}
    if not parents and parent_level is AreaLevel.DISTRICT:
        root = _create_district(session, features, district_code, district_name)
        parents[root.code] = root
        report.district_created = root.code
    finder = _ContainmentFinder(list(parents.values()))
    sole = next(iter(parents.values())) if len(parents) == 1 else None
    for done, feature in enumerate(features, start=1):
        parent, how = _find_parent(feature, parents, finder, sole)
        if parent is None:
            problems.append(f"#{feature.index + 1} ({feature.code}) 找不到所属{parent_level.label}"
                            + (f" (上级编码 {feature.parent_code})" if feature.parent_code else ""))
        else:
            feature.parent = parent
            report.linked[how] += 1
        if progress:
            progress(f"关联{parent_level.label}", done, len(features))


def _find_parent(feature: _Feature, parents: dict[str, Area], finder: _ContainmentFinder,
                 sole: Area | None) -> tuple[Area | None, str]:
    if feature.parent_code is not None:
        return parents.get(feature.parent_code), "上级编码属性"
    by_prefix = _parent_by_prefix(feature.code, parents)
    if by_prefix is not None:
        return by_prefix, "编码前缀"
    if sole is not None:
        return sole, "唯一上级"
    return finder.find(feature.geometry), "空间包含"


def _parent_by_prefix(code: str, parents: dict[str, Area]) -> Area | None:
    """The parent whose code is the longest proper prefix of ``code`` at a code boundary.

    "SQ-3-2" nests in "SQ-3" (separator) and 15-digit 110101001002003 in 110101001002 (digits);
    "SQ-10-3" does not nest in "SQ-1".
    """
    for cut in range(len(code) - 1, 0, -1):
        prefix = code[:cut]
        if prefix not in parents:
            continue
        rest = code[cut:]
        if rest[0] in CODE_SEPARATORS or (prefix.isdigit() and rest.isdigit()):
            return parents[prefix]
    return None


class _ContainmentFinder:
    """Parent by containment of the child's representative point, else largest overlap."""

    def __init__(self, parents: list[Area]) -> None:
        self.parents = [p for p in parents if p.geometry]
        self.geoms = [parse_geometry(p.geometry) for p in self.parents if p.geometry]
        self.tree = STRtree(self.geoms) if self.geoms else None

    def find(self, geom: BaseGeometry) -> Area | None:
        if self.tree is None:
            return None
        point = geom.point_on_surface()
        hits = self.tree.query(point, predicate="within")
        if len(hits) == 1:
            return self.parents[int(hits[0])]
        candidates = self.tree.query(geom, predicate="intersects")
        best, best_area = None, 0.0
        for i in sorted(int(c) for c in candidates):
            overlap = shapely.intersection(geom, self.geoms[i]).area
            if overlap > best_area:
                best, best_area = self.parents[i], overlap
        return best


def _create_district(session: Session, features: list[_Feature], code: str | None,
                     name: str | None) -> Area:
    """The root 区 when streets arrive before any district (outline = union of the streets)."""
    if not code:
        codes = [f.code for f in features]
        numeric = all(c.isdigit() and len(c) >= 9 for c in codes) and codes
        prefixes = {c[:6] for c in codes} if numeric else set()
        code = prefixes.pop() if len(prefixes) == 1 else DEFAULT_DISTRICT_CODE
    district, _ = upsert_area(session, level=AreaLevel.DISTRICT, code=code,
                              name=name or DEFAULT_DISTRICT_NAME, geometry=None, parent=None)
    session.flush()
    return district


def _outline_district(session: Session, code: str) -> None:
    district = session.scalar(select(Area).where(Area.code == code))
    if district is None or district.geometry:
        return
    session.flush()
    streets = session.scalars(select(Area.geometry).where(Area.parent_id == district.id,
                                                          Area.geometry.is_not(None))).all()
    if not streets:
        return
    outline = polygonal(shapely.union_all([parse_geometry(g) for g in streets]))
    if outline is not None:
        upsert_area(session, level=AreaLevel.DISTRICT, code=district.code, name=district.name,
                    geometry=outline, parent=None, existing=district)


@dataclass
class _Group:
    code: str
    name: str
    parent: Area | None
    geometries: list[BaseGeometry]


def _group_by_code(features: list[_Feature], parts: str, report: ImportReport) -> list[_Group]:
    """One group per stored area: merged parts, ``#n`` parts, or ``parent/code`` disambiguation."""
    parents_of: dict[str, set[str | None]] = defaultdict(set)
    for f in features:
        parents_of[f.code].add(f.parent.code if f.parent else None)
    groups: dict[str, _Group] = {}
    seen: Counter[str] = Counter()
    for f in features:
        code = f.code
        if len(parents_of[code]) > 1:
            code = f"{f.parent.code}/{code}" if f.parent else code
        seen[code] += 1
        if seen[code] > 1 and parts == "separate":
            code = f"{code}#{seen[code]}"
        if code != f.code:
            report.renamed.append((f.code, code))
        if code in groups:
            groups[code].geometries.append(f.geometry)
            report.merged_parts += 1
        else:
            groups[code] = _Group(code, _short_name(f.name, f.parent), f.parent, [f.geometry])
    return list(groups.values())


def _short_name(name: str, parent: Area | None) -> str:
    """Drop leading ancestor names: 石桥街道华丰社区华丰社区第六网格 → 华丰社区第六网格."""
    ancestors = list(reversed(area_chain(parent).values())) if parent is not None else []
    for ancestor in ancestors:
        if ancestor.level == AreaLevel.DISTRICT.value:
            continue
        if name.startswith(ancestor.name) and len(name) > len(ancestor.name):
            name = name[len(ancestor.name):]
    return name


def _write(session: Session, level: AreaLevel, groups: list[_Group], report: ImportReport,
           progress: ProgressHook | None) -> None:
    codes = [g.code for g in groups]
    existing: dict[str, Area] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start:start + 500]
        existing.update({a.code: a for a in session.scalars(
            select(Area).where(Area.code.in_(chunk))).unique()})
    for done, group in enumerate(groups, start=1):
        geometry = group.geometries[0] if len(group.geometries) == 1 else \
            polygonal(shapely.union_all(group.geometries))
        _area, status = upsert_area(session, level=level, code=group.code, name=group.name,
                                    geometry=geometry, parent=group.parent,
                                    existing=existing.get(group.code))
        if status == "created":
            existing[group.code] = _area
        setattr(report, status, getattr(report, status) + 1)
        report.total_area_m2 += area_m2(geometry) if geometry is not None else 0.0
        report.codes.append(group.code)
        if progress:
            progress("写入数据库", done, len(groups))
