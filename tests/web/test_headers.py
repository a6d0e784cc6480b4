"""Security headers on every response, and a CSP the pages' own scripts fit."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from smartgov.web.headers import content_security_policy, tile_origin
from tests.cases.conftest import World
from tests.web.conftest import log_in

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "smartgov"


@pytest.mark.parametrize("url", ["/", "/login", "/report", "/api/v1/categories", "/healthz",
                                 "/static/app.css", "/no-such-page", "/open311/v2/services.json"])
def test_every_response_carries_the_security_headers(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_each_page_gets_a_fresh_nonce_that_its_inline_scripts_carry(client: TestClient, world: World) -> None:
    log_in(client, world, "chief")
    first, second = client.get("/map"), client.get("/map")
    nonces = [re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]).group(1)
              for r in (first, second)]
    assert nonces[0] != nonces[1]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", first.text)
    assert inline, "the map page has an inline script"
    assert all(f'nonce="{nonces[0]}"' in attrs for attrs in inline)


def test_templates_hold_no_code_the_policy_would_block() -> None:
    offending = []
    for template in PACKAGE.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (r"<script(?![^>]*\b(src|nonce)=)(?![^>]*application/json)[^>]*>",
                        r"<style(?![^>]*\bnonce=)[^>]*>", r"\son[a-z]+\s*=", r"javascript:", r"hx-vals='js:"):
            offending += [f"{template.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offending == []


def test_the_docs_pages_get_their_own_policy() -> None:
    assert "script-src 'self' 'unsafe-inline'" in content_security_policy("n", docs=True)
    assert "script-src 'self' 'nonce-n'" in content_security_policy("n")


@pytest.mark.parametrize(("url", "origin"), [
    ("", ""),
    ("https://tiles.example.gov.cn/{z}/{x}/{y}.png", "https://tiles.example.gov.cn"),
    ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
    ("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png", "http://10.1.2.3:8080"),
    ("/tiles/{z}/{x}/{y}.png", ""),
])
def test_map_tiles_are_allowed_from_the_configured_origin_only(url: str, origin: str) -> None:
    assert tile_origin(url) == origin
    images = content_security_policy("n", url).split("img-src ", 1)[1].split(";", 1)[0]
    assert images == " ".join(filter(None, ["'self'", "data:", "blob:", origin]))
