"""接口文档 at /docs and /redoc come from the vendored assets: nothing is fetched from a CDN."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']|url:\s*["']([^"']+)["']""")


def _assets(html: str) -> list[str]:
    return [a or b for a, b in ASSET.findall(html)]


@pytest.mark.parametrize(("path", "expected"), [
    ("/docs", {"/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css"}),
    ("/redoc", {"/static/vendor/redoc/redoc.standalone.js"}),
])
def test_docs_pages_reference_only_local_assets(client: TestClient, path: str, expected: set[str]) -> None:
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = _assets(page.text)
    assert expected <= set(assets)
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert "cdn" not in page.text and "fonts.googleapis" not in page.text
    for asset in assets:
        assert client.get(asset).status_code == 200, asset  # the vendored file is served


def test_vendored_docs_assets_keep_their_licences(client: TestClient) -> None:
    for path in ("/static/vendor/swagger-ui/LICENSE.txt", "/static/vendor/redoc/LICENSE.txt"):
        licence = client.get(path)
        assert licence.status_code == 200 and "License" in licence.text


def test_openapi_still_served_and_docs_pages_not_in_it(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["info"]["title"].startswith("smartgov")
    assert "/docs" not in spec["paths"] and "/redoc" not in spec["paths"]
