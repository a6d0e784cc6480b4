"""The top menu (导航), filled by the domains: a page declares its guard and its menu entry in
one place (``menu_entry``), so the menu shows a person exactly the pages they may open."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from smartgov.auth.deps import require_roles
from smartgov.auth.principal import Principal
from smartgov.auth.roles import Role
from smartgov.web.templating import register_context


@dataclass(frozen=True)
class MenuEntry:
    href: str
    label: str
    order: int
    roles: frozenset[str]


_ENTRIES: dict[str, MenuEntry] = {}


def menu_entry(href: str, label: str, order: int, *roles: str | Role) -> Callable[..., Principal]:
    """Register ``href`` in the menu for ``roles`` and return the dependency that guards it."""
    _ENTRIES[href] = MenuEntry(href, label, order, frozenset(str(r) for r in roles))
    return require_roles(*roles)


# A staff member whose roles open no menu page yet starts on their own account page.
ACCOUNT_PAGE = "/account"


def first_page(role_names: Iterable[str]) -> str:
    """Where a staff member starts (工作台入口): the first menu page their roles open."""
    held = {str(r) for r in role_names}
    entries = sorted((e for e in _ENTRIES.values() if e.roles & held), key=lambda e: e.order)
    return entries[0].href if entries else ACCOUNT_PAGE


def links_for(principal: Principal | None) -> list[MenuEntry]:
    """The staff pages this person may open, in menu order (the public links are in base.html)."""
    if principal is None or not principal.is_staff:
        return []
    return sorted((e for e in _ENTRIES.values() if principal.has_any(*e.roles)), key=lambda e: e.order)


register_context("menu", lambda request, principal: links_for(principal))
# The home page's 进入工作台 and the post-login redirect lead to the same page.
register_context("first_page", lambda request, principal: first_page(principal.roles)
                 if principal is not None and principal.is_staff else None)
