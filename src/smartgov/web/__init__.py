"""Shared web layer: base templates, vendored static assets, template environment."""
