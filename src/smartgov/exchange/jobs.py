"""Background side of the exchange: importing the service registers the requests' sweep hook (催办, 超期)."""

from __future__ import annotations

from smartgov.exchange import service as _service  # noqa: F401 — registers the exchange sweep hook
