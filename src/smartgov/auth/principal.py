"""Who is acting: the principal every page, API call and service check uses."""

from __future__ import annotations

from dataclasses import dataclass, field

from smartgov.auth.models import User
from smartgov.auth.roles import ADMIN_ROLES, SEES_PERSONAL_DATA, Role
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
    def is_area_scoped(self) -> bool:
        return bool(self.area_ids)


ANONYMOUS = Principal()
