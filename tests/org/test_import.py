"""GeoJSON import: property detection, parent linking, multi-part areas, idempotency, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartgov.errors import ValidationFailed
from smartgov.org.models import Area
from smartgov.org.service import area_chain, detect_mapping, import_geojson
from tests.org.geojson import LAT0, LON0, box, cell, collection, feature

STREETS = collection(
    feature(box(LON0, LAT0, LON0 + 0.002, LAT0 + 0.002), 街道="一街道", 街道编码="S1"),
    feature(box(LON0 + 0.002, LAT0, LON0 + 0.004, LAT0 + 0.002), 街道="二街道", 街道编码="S2"),
)
COMMUNITIES = collection(*[
    feature(box(LON0 + i * 0.001, LAT0, LON0 + (i + 1) * 0.001, LAT0 + 0.002),
            街道="一街道" if i < 2 else "二街道", 街道编码="S1" if i < 2 else "S2",
            社区=f"社区{i}", 社区编码=f"S{1 + i // 2}-{1 + i % 2}")
    for i in range(4)
])
GRIDS = collection(*[
    feature(cell(i, row), 所属组织=f"{'一' if i < 2 else '二'}街道社区{i}社区{i}第{row + 1}网格",
            网格编号=f"S{1 + i // 2}-{1 + i % 2}-{row + 1}")
    for i in range(4) for row in range(2)
])


def import_all(session: Session) -> None:
    import_geojson(session, STREETS, "street")
    import_geojson(session, COMMUNITIES, "community")
    import_geojson(session, GRIDS, "grid")


def count(session: Session, level: str) -> int:
    return session.scalar(select(func.count(Area.id)).where(Area.level == level)) or 0


def by_code(session: Session, code: str) -> Area:
    area = session.scalar(select(Area).where(Area.code == code))
    assert area is not None, code
    return area


def test_detects_chinese_property_names() -> None:
    mapping = detect_mapping(COMMUNITIES["features"], "community")  # type: ignore[arg-type]
    assert (mapping.code, mapping.name, mapping.parent_code) == ("社区编码", "社区", "街道编码")
    grid = detect_mapping(GRIDS["features"], "grid")  # type: ignore[arg-type]
    assert (grid.code, grid.name, grid.parent_code) == ("网格编号", "所属组织", None)


def test_import_builds_the_chain(session: Session) -> None:
    import_all(session)
    assert (count(session, "district"), count(session, "street"), count(session, "community"),
            count(session, "grid")) == (1, 2, 4, 8)
    chain = area_chain(by_code(session, "S2-1-2"))
    assert [chain[level].code for level in ("community", "street")] == ["S2-1", "S2"]
    assert chain["district"].code == "DISTRICT"


def test_import_stores_geometry_centre_and_area(session: Session) -> None:
    import_all(session)
    grid = by_code(session, "S1-1-1")
    assert json.loads(grid.geometry or "")["type"] == "Polygon"
    assert grid.center_lon == pytest.approx(LON0 + 0.0005)
    assert grid.center_lat == pytest.approx(LAT0 + 0.0005)
    # 0.001° × 0.001° at 30.28°N ≈ 111.2 m × 96.0 m
    assert grid.area_m2 == pytest.approx(10_676, rel=0.005)


def test_short_grid_names_drop_the_chain_prefix(session: Session) -> None:
    import_all(session)
    assert by_code(session, "S1-2-1").name == "社区1第1网格"


def test_auto_district_gets_the_union_of_its_streets(session: Session) -> None:
    report = import_geojson(session, STREETS, "street", district_name="测试区")
    assert report.district_created == "DISTRICT"
    district = by_code(session, "DISTRICT")
    assert district.name == "测试区"
    assert district.area_m2 == pytest.approx(8 * 10_676, rel=0.01)


def test_district_outline_import_updates_the_existing_root(session: Session) -> None:
    import_geojson(session, STREETS, "street")
    outline = collection(feature(box(LON0, LAT0, LON0 + 0.004, LAT0 + 0.002), name="某区"))
    report = import_geojson(session, outline, "district")
    assert (report.created, report.updated) == (0, 1)
    assert count(session, "district") == 1
    assert by_code(session, "DISTRICT").name == "某区"


def test_reimport_is_idempotent(session: Session) -> None:
    import_all(session)
    ids = dict(session.execute(select(Area.code, Area.id)).all())
    report = import_geojson(session, GRIDS, "grid")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 8)
    assert dict(session.execute(select(Area.code, Area.id)).all()) == ids


def test_reimport_updates_changed_geometry_and_bumps_revision(session: Session) -> None:
    import_all(session)
    moved = json.loads(json.dumps(GRIDS))
    moved["features"][0]["geometry"] = cell(0, 0, size=0.0009)
    report = import_geojson(session, moved, "grid")
    assert (report.updated, report.unchanged) == (1, 7)
    session.flush()
    assert by_code(session, moved["features"][0]["properties"]["网格编号"]).revision == 1


def test_links_by_containment_when_codes_do_not_nest(session: Session) -> None:
    import_geojson(session, STREETS, "street")
    import_geojson(session, COMMUNITIES, "community")
    grids = collection(feature(cell(3, 1), 网格编号="G-77", 网格名称="东北角网格"))
    report = import_geojson(session, grids, "grid")
    assert report.linked == {"空间包含": 1}
    assert by_code(session, "G-77").parent_id == by_code(session, "S2-2").id


def test_containment_uses_largest_overlap_when_the_point_is_on_an_edge(session: Session) -> None:
    import_geojson(session, STREETS, "street")
    import_geojson(session, COMMUNITIES, "community")
    # straddles S1-2 and S2-1; 70 % lies in S2-1
    grids = collection(feature(box(LON0 + 0.0017, LAT0, LON0 + 0.0027, LAT0 + 0.001),
                               网格编号="X-1"))
    import_geojson(session, grids, "grid")
    assert by_code(session, "X-1").parent_id == by_code(session, "S2-1").id


def test_explicit_property_options(session: Session) -> None:
    import_geojson(session, STREETS, "street")
    import_geojson(session, COMMUNITIES, "community")
    grids = collection(feature(cell(0, 0), gid="A", title="甲网格", comm="S1-1"))
    import_geojson(session, grids, "grid", code_prop="gid", name_prop="title",
                   parent_code_prop="comm")
    grid = by_code(session, "A")
    assert (grid.name, grid.parent_id) == ("甲网格", by_code(session, "S1-1").id)


def test_multi_part_features_merge_into_one_area(session: Session) -> None:
    import_all(session)
    parts = collection(feature(cell(0, 0), 网格编号="S1-1-9", 所属组织="九号网格"),
                       feature(cell(0, 1), 网格编号="S1-1-9", 所属组织="九号网格"))
    report = import_geojson(session, parts, "grid")
    assert (report.created, report.merged_parts) == (1, 1)
    grid = by_code(session, "S1-1-9")
    assert json.loads(grid.geometry or "")["type"] in ("Polygon", "MultiPolygon")
    assert grid.area_m2 == pytest.approx(2 * 10_676, rel=0.01)


def test_multi_part_features_kept_separate_on_request(session: Session) -> None:
    import_all(session)
    parts = collection(feature(cell(0, 0), 网格编号="S1-1-9"),
                       feature(cell(0, 1), 网格编号="S1-1-9"))
    report = import_geojson(session, parts, "grid", parts="separate")
    assert report.renamed == [("S1-1-9", "S1-1-9#2")]
    assert by_code(session, "S1-1-9#2").parent_id == by_code(session, "S1-1").id


def test_same_code_under_different_parents_is_prefixed(session: Session) -> None:
    import_geojson(session, STREETS, "street")
    import_geojson(session, COMMUNITIES, "community")
    grids = collection(feature(cell(0, 0), 网格编号="7", 社区编码="S1-1"),
                       feature(cell(3, 0), 网格编号="7", 社区编码="S2-2"))
    report = import_geojson(session, grids, "grid")
    assert sorted(new for _, new in report.renamed) == ["S1-1/7", "S2-2/7"]
    assert by_code(session, "S2-2/7").parent_id == by_code(session, "S2-2").id


def test_invalid_polygon_is_repaired(session: Session) -> None:
    import_all(session)
    bowtie = {"type": "Polygon", "coordinates": [[[LON0, LAT0], [LON0 + 0.001, LAT0 + 0.001],
                                                  [LON0 + 0.001, LAT0], [LON0, LAT0 + 0.001],
                                                  [LON0, LAT0]]]}
    report = import_geojson(session, collection(feature(bowtie, 网格编号="S1-1-8")), "grid")
    assert report.repaired == 1
    assert by_code(session, "S1-1-8").area_m2 == pytest.approx(10_676 / 2, rel=0.01)


@pytest.mark.parametrize(("bad", "message"), [
    (feature(cell(0, 0), 网格编号=""), "缺少编码"),
    (feature(None, 网格编号="S1-1-5"), "没有几何图形"),  # type: ignore[arg-type]
    (feature({"type": "Point", "coordinates": [LON0, LAT0]}, 网格编号="S1-1-5"), "需要面"),
    (feature(box(13_380_000, 3_540_000, 13_380_100, 3_540_100), 网格编号="S1-1-5"), "经纬度"),
    (feature(cell(0, 0), 网格编号="S1-1-5", 社区编码="NOPE"), "找不到所属社区"),
])
def test_bad_features_abort_the_whole_import(session: Session, bad: dict, message: str) -> None:
    import_all(session)
    good = feature(cell(1, 1), 网格编号="S1-2-7")
    with pytest.raises(ValidationFailed) as err:
        import_geojson(session, collection(good, bad), "grid")
    assert message in err.value.message
    assert session.scalar(select(Area).where(Area.code == "S1-2-7")) is None


def test_unknown_property_and_missing_code_property_are_clear(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="不在文件中"):
        import_geojson(session, GRIDS, "grid", code_prop="nope")
    with pytest.raises(ValidationFailed, match="--code-prop"):
        import_geojson(session, collection(feature(cell(0, 0), foo="x")), "grid")


def test_not_a_feature_collection(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="GeoJSON"):
        import_geojson(session, path, "grid")
    with pytest.raises(ValidationFailed, match="FeatureCollection"):
        import_geojson(session, {"type": "Polygon"}, "grid")


def test_code_used_at_another_level_is_refused(session: Session) -> None:
    import_all(session)
    with pytest.raises(ValidationFailed, match="已被"):
        import_geojson(session, collection(feature(cell(0, 0), 网格编号="S1")), "grid")
