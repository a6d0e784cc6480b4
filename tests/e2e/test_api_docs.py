"""接口文档 in real Chromium with every request outside the server refused: the operations show."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import shot

pytestmark = pytest.mark.browser


def _offline(page, base: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Refuse every request that does not go to the server; the refused URLs are listed."""
    refused: list[str] = []

    def handle(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        if url.startswith(base) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    page.route("**/*", handle)
    return refused


def test_swagger_ui_renders_the_operations_offline(live_server, new_page) -> None:
    page = new_page()
    refused = _offline(page, live_server)
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".opblock-summary")
    assert page.locator(".opblock-summary").count() > 10
    assert page.locator(".opblock-summary-path[data-path='/open311/v2/services.{fmt}']").count() >= 1
    shot(page, "api-docs-swagger")
    assert refused == []


def test_redoc_renders_the_operations_offline(live_server, new_page) -> None:
    page = new_page()
    refused = _offline(page, live_server)
    page.goto(f"{live_server}/redoc")
    page.wait_for_selector("[data-section-id^='operation']", state="attached")
    assert page.locator("[data-section-id^='operation']").count() > 10
    assert refused == []
