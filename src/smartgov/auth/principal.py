"""Who is acting: the principal every page, API call and service check uses."""

from __future__ import annotations

from dataclasses import dataclass, field

from smartgov.auth.models import User
from smartgov.auth.roles import (
    ADMIN_ROLES,
    CITYWIDE_ROLES,
    MAY_REVEAL_PERSONAL_DATA,
    SEES_PERSONAL_DATA,
    Role,
)
from smartgov.errors import Forbidden, NotAuthenticated


@dataclass(frozen=True)
class Principal:
    """The acting person (or anonymous visitor) with roles, department and area scope."""

    user: User | None = None
    roles: frozenset[str] = frozenset()
    department_id: int | None = None
    # Areas the account is scoped to, expanded to every descendant (街道 → 社区 → 网格).
    area_ids: frozenset[int] = frozenset()
    client_addr: str | None = None
    via: str = "anonymous"  # "session", "token" or "anonymous"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_anonymous(self) -> bool:
        return self.user is None

    @property
    def is_staff(self) -> bool:
        return self.user is not None and self.user.is_staff

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def name(self) -> str:
        return self.user.username if self.user else "anonymous"

    def has_any(self, *roles: str | Role) -> bool:
        return any(str(r) in self.roles for r in roles)

    def require_any(self, *roles: str | Role) -> None:
        """Raise 401 for anonymous visitors and 403 for a logged-in account without the role."""
        if self.has_any(*roles):
            return
        if self.is_anonymous:
            raise NotAuthenticated("请先登录 (login required)")
        raise Forbidden("当前账号无权执行此操作 (your role may not do this)")

    @property
    def is_admin(self) -> bool:
        return bool(self.roles & {str(r) for r in ADMIN_ROLES})

    @property
    def sees_personal_data(self) -> bool:
        return bool(self.roles & {str(r) for r in SEES_PERSONAL_DATA})

    @property
    def may_reveal_personal_data(self) -> bool:
        """Sees personal data masked but may ask to reveal it, audited (显示完整信息)."""
        return self.sees_personal_data or bool(self.roles & {str(r) for r in MAY_REVEAL_PERSONAL_DATA})

    @property
    def is_area_scoped(self) -> bool:
        return bool(self.area_ids)

    @property
    def is_public(self) -> bool:
        """A logged-in citizen or enterprise account (群众 / 企业): sees only its own records."""
        return self.user is not None and not self.user.is_staff

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user else "访客"

    def require_login(self) -> None:
        if self.is_anonymous:
            raise NotAuthenticated("请先登录 (login required)")

    # Scope helpers: the cases domain applies them to its queries (最小权限).

    @property
    def sees_all_departments(self) -> bool:
        """Command-centre roles (话务员, 值班长, 派遣员, 督办, 领导) see every department's work."""
        return self.is_staff and bool(self.roles & {str(r) for r in CITYWIDE_ROLES})

    def can_see_department(self, department_id: int | None) -> bool:
        """Whether work of ``department_id`` is visible: command-centre roles or own department."""
        if not self.is_staff:
            return False
        if self.sees_all_departments:
            return True
        return department_id is not None and department_id == self.department_id

    def in_area(self, area_id: int | None) -> bool:
        """Whether the area restriction allows ``area_id``.

        Accounts without area rows are not area-restricted (True for any area); area-scoped
        accounts see only their areas and every descendant (already expanded). This is the
        area dimension only: combine it with role, department or ownership checks.
        """
        if not self.area_ids:
            return True
        return area_id is not None and area_id in self.area_ids

    def owns(self, user_id: int | None) -> bool:
        """Whether a record created by ``user_id`` is this account's own (群众只看自己的)."""
        return self.user is not None and user_id is not None and user_id == self.user.id


ANONYMOUS = Principal()
