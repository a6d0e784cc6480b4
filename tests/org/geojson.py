"""Small GeoJSON builders for the org tests (squares in lon/lat near 120.17E 30.28N)."""

from __future__ import annotations

from typing import Any

LON0, LAT0 = 120.17, 30.28


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """A rectangle in lon/lat, counter-clockwise."""
    return {"type": "Polygon",
            "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def cell(col: int, row: int, size: float = 0.001) -> dict[str, Any]:
    """The square at column ``col`` (eastward) and row ``row`` (northward) from (LON0, LAT0)."""
    x0, y0 = LON0 + col * size, LAT0 + row * size
    return box(x0, y0, x0 + size, y0 + size)
