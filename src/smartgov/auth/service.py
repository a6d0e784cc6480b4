"""Accounts, login, sessions and API tokens (账号与登录), following the 等保 2.0 baseline.

Every login attempt, success or failure, is audited with the client address. Functions that
must leave a trace even when they fail (``authenticate``) commit themselves; the others add to
the caller's session and leave the commit to the caller unless their docstring says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, aliased, object_session

from smartgov.auth import audit
from smartgov.auth.models import ApiToken, User, UserArea, UserRole, WebSession
from smartgov.auth.passwords import (
    check_complexity,
    hash_password,
    needs_rehash,
    verify_dummy,
    verify_password,
)
from smartgov.auth.principal import Principal
from smartgov.auth.roles import ADMIN_ROLES, PUBLIC_ROLES, Role, parse_role
from smartgov.auth.tokens import hash_token, new_api_token, new_secret
from smartgov.config import get_settings
from smartgov.db import now
from smartgov.errors import AppError, Conflict, NotAuthenticated, NotFound, ValidationFailed
from smartgov.org.models import Area, Department

# An OAuth2 access token lives for one working day; personal tokens as long as asked (≤ 1 year).
ACCESS_TOKEN_MINUTES = 8 * 60
PERSONAL_TOKEN_DEFAULT_DAYS = 90
PERSONAL_TOKEN_MAX_DAYS = 365
# last_seen_at of a web session / last_used_at of a token is written at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{2,63}$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class LoginFailed(NotAuthenticated):
    """Wrong user name or password (the message never says which)."""

    code = "login_failed"


class AccountLocked(AppError):
    """Too many failed attempts: the account refuses every password until ``locked_until``."""

    status_code = 423
    code = "account_locked"


class AccountDisabled(AppError):
    status_code = 403
    code = "account_disabled"


# ---------------------------------------------------------------- users


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip()))


def _check_username(session: Session, username: str) -> str:
    username = username.strip()
    if not USERNAME_RE.match(username):
        raise ValidationFailed(
            "用户名须为 3–64 位字母、数字或 _ . @ -，以字母或数字开头 (invalid user name)",
            code="invalid_username")
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise Conflict(f"用户名 {username} 已存在 (user name taken)", code="username_taken")
    return username


def _check_password(username: str, password: str) -> None:
    check_complexity(password)
    if username and username.lower() in password.lower():
        raise ValidationFailed("密码不得包含用户名 (password must not contain the user name)",
                               code="weak_password")


def _check_roles(roles: Iterable[str | Role], is_staff: bool) -> list[Role]:
    parsed = sorted({parse_role(r) for r in roles}, key=lambda r: r.value)
    if not parsed:
        raise ValidationFailed("至少指定一个角色 (at least one role)", code="no_role")
    public = [r for r in parsed if r in PUBLIC_ROLES]
    if is_staff and public:
        raise ValidationFailed(
            "工作人员账号不能拥有群众/企业角色 (staff accounts hold staff roles)",
            code="role_mismatch")
    if not is_staff and len(public) != len(parsed):
        raise ValidationFailed(
            "群众/企业账号只能拥有群众或企业角色 (public accounts hold public roles)",
            code="role_mismatch")
    if len([r for r in parsed if r in ADMIN_ROLES]) > 1:
        raise ValidationFailed(
            "三权分立：系统管理员、安全管理员、审计管理员须由不同账号担任 "
            "(system, security and audit administrators must be separate accounts)",
            code="separation_of_duties")
    return parsed


def _check_department(session: Session, department_id: int | None) -> None:
    if department_id is not None and session.get(Department, department_id) is None:
        raise ValidationFailed(f"部门不存在：{department_id} (unknown department)",
                               code="unknown_department")


def _check_areas(session: Session, area_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(area_ids))
    if not wanted:
        return []
    found = set(session.scalars(select(Area.id).where(Area.id.in_(wanted))))
    missing = [a for a in wanted if a not in found]
    if missing:
        raise ValidationFailed(f"区域不存在：{missing} (unknown area)", code="unknown_area")
    return wanted


def _actor_name(actor: Principal | None) -> str:
    return actor.name if actor is not None else "cli"


def _new_user(session: Session, *, username: str, password: str, display_name: str,
              roles: Iterable[str | Role], department_id: int | None, area_ids: Iterable[int],
              is_staff: bool, phone: str | None, id_number: str | None) -> tuple[User, list[Role]]:
    username = _check_username(session, username)
    if not (display_name or "").strip():
        raise ValidationFailed("请填写姓名 (display name required)", code="name_required")
    _check_password(username, password)
    parsed = _check_roles(roles, is_staff)
    _check_department(session, department_id)
    areas = _check_areas(session, area_ids)
    at = now()
    user = User(username=username, display_name=display_name.strip(),
                password_hash=hash_password(password), is_staff=is_staff, is_active=True,
                department_id=department_id, phone=(phone or "").strip() or None,
                id_number=(id_number or "").strip() or None, failed_logins=0,
                password_changed_at=at, created_at=at)
    user.roles = [UserRole(role=r.value) for r in parsed]
    user.areas = [UserArea(area_id=a) for a in areas]
    session.add(user)
    session.flush()
    return user, parsed


def create_user(session: Session, *, username: str, password: str, display_name: str,
                roles: Iterable[str | Role], department_id: int | None = None,
                area_ids: Iterable[int] = (), is_staff: bool = True, phone: str | None = None,
                id_number: str | None = None, actor: Principal | None = None) -> User:
    """Create an account (新建用户); flushes and audits, the caller commits.

    On the web ``actor`` must be a 系统管理员; ``actor=None`` means the command line.

    Raises ValidationFailed (weak password, bad roles, unknown department/area) or
    Conflict ``username_taken``.
    """
    if actor is not None:
        actor.require_any(Role.SYSTEM_ADMIN)
    user, parsed = _new_user(session, username=username, password=password,
                             display_name=display_name, roles=roles, department_id=department_id,
                             area_ids=area_ids, is_staff=is_staff, phone=phone, id_number=id_number)
    audit.record(session, action="user_created", actor=actor.user if actor else None,
                 actor_name=_actor_name(actor), client_addr=actor.client_addr if actor else None,
                 object_type="user", object_id=user.id,
                 detail={"username": user.username, "roles": [r.value for r in parsed],
                         "department_id": department_id, "areas": user.area_ids,
                         "is_staff": is_staff})
    return user


def register_citizen(session: Session, *, phone: str, password: str, display_name: str,
                     username: str | None = None, client_addr: str | None = None) -> User:
    """Public self-registration (群众注册) with a mobile number, also the default user name.

    Flushes and audits; the caller commits. (No SMS check: the platform runs offline.)
    """
    phone = re.sub(r"[\s-]", "", phone or "")
    if not MOBILE_RE.match(phone):
        raise ValidationFailed("请输入正确的 11 位手机号 (mobile number required)",
                               code="invalid_phone")
    if session.scalar(select(User.id).where(User.phone == phone, User.is_staff.is_(False))):
        raise Conflict("该手机号已注册 (phone already registered)", code="phone_taken")
    user, _ = _new_user(session, username=username or phone, password=password,
                        display_name=display_name, roles=[Role.CITIZEN], department_id=None,
                        area_ids=(), is_staff=False, phone=phone, id_number=None)
    audit.record(session, action="user_registered", actor=user, client_addr=client_addr,
                 object_type="user", object_id=user.id)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.is_staff.desc(), User.username)))


def change_password(session: Session, user: User, old_password: str, new_password: str, *,
                    client_addr: str | None = None, keep_session_id: int | None = None) -> None:
    """Change one's own password (修改密码); ends the other web sessions. Flushes, audits."""
    if not verify_password(user.password_hash, old_password):
        audit.record(session, action="password_changed", actor=user, client_addr=client_addr,
                     object_type="user", object_id=user.id, result=audit.FAILURE,
                     detail={"reason": "wrong_old_password"})
        raise ValidationFailed("原密码不正确 (current password is wrong)", code="wrong_password")
    if new_password == old_password:
        raise ValidationFailed("新密码不能与原密码相同 (choose a new password)",
                               code="weak_password")
    _check_password(user.username, new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now()
    _end_sessions(session, user.id, keep_session_id)
    audit.record(session, action="password_changed", actor=user, client_addr=client_addr,
                 object_type="user", object_id=user.id)
    session.flush()


def reset_password(session: Session, user: User, new_password: str, *,
                   actor: Principal | None = None) -> None:
    """Set a password for someone else (安全管理员, or the command line); ends their sessions."""
    if actor is not None:
        actor.require_any(Role.SECURITY_ADMIN)
    _check_password(user.username, new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now()
    _end_sessions(session, user.id, None)
    audit.record(session, action="password_reset", actor=actor.user if actor else None,
                 actor_name=_actor_name(actor), client_addr=actor.client_addr if actor else None,
                 object_type="user", object_id=user.id, detail={"username": user.username})
    session.flush()


def unlock_user(session: Session, user: User, *, actor: Principal | None = None) -> None:
    """Clear a lockout (解锁): 安全管理员 on the web, ``actor=None`` the command line. Audits."""
    if actor is not None:
        actor.require_any(Role.SECURITY_ADMIN)
    was_locked = user.locked_until
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, action="account_unlocked", actor=actor.user if actor else None,
                 actor_name=_actor_name(actor), client_addr=actor.client_addr if actor else None,
                 object_type="user", object_id=user.id,
                 detail={"username": user.username, "locked_until": was_locked})
    session.flush()


# ---------------------------------------------------------------- login


def _lock_message(until: datetime) -> str:
    local = until.astimezone(get_settings().tz)
    return (f"账号已锁定，请于 {local:%Y-%m-%d %H:%M} 后再试，或联系安全管理员解锁 "
            f"(account locked until {local:%Y-%m-%d %H:%M})")


def _fail(session: Session, username: str, client_addr: str | None, reason: str, via: str,
          user: User | None = None, action: str = "login") -> None:
    audit.record(session, action=action, actor=user, actor_name=username[:100],
                 client_addr=client_addr, object_type="user",
                 object_id=user.id if user else None, result=audit.FAILURE,
                 detail={"reason": reason, "via": via})
    session.commit()


def authenticate(session: Session, username: str, password: str, client_addr: str | None,
                 *, via: str = "web") -> User:
    """Check a user name and password (登录认证); lock after repeated failures. Audits and commits.

    Raises LoginFailed (wrong name or password, same message and similar time for both),
    AccountLocked (with the time the lock ends) or AccountDisabled.
    """
    username = (username or "").strip()
    user = get_user_by_username(session, username) if username else None
    if user is None:
        verify_dummy(password)
        _fail(session, username or "(empty)", client_addr, "unknown_user", via)
        raise LoginFailed("用户名或密码错误 (wrong user name or password)")
    at = now()
    if user.locked_until is not None:
        if user.locked_until > at:
            verify_dummy(password)
            _fail(session, username, client_addr, "locked", via, user)
            raise AccountLocked(_lock_message(user.locked_until), details={
                "locked_until": user.locked_until.isoformat()})
        user.locked_until = None
        user.failed_logins = 0
    if not verify_password(user.password_hash, password):
        _register_failure(session, user, at)
        if user.locked_until is not None:
            audit.record(session, action="account_locked", actor=user, client_addr=client_addr,
                         object_type="user", object_id=user.id, result=audit.SUCCESS,
                         detail={"failed_logins": user.failed_logins,
                                 "locked_until": user.locked_until})
            _fail(session, username, client_addr, "wrong_password", via, user)
            raise AccountLocked(_lock_message(user.locked_until), details={
                "locked_until": user.locked_until.isoformat()})
        _fail(session, username, client_addr, "wrong_password", via, user)
        raise LoginFailed("用户名或密码错误 (wrong user name or password)")
    if not user.is_active:
        _fail(session, username, client_addr, "disabled", via, user)
        raise AccountDisabled("账号已停用，请联系系统管理员 (account disabled)")
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, action="login", actor=user, client_addr=client_addr,
                 object_type="user", object_id=user.id, detail={"via": via})
    session.commit()
    return user


def _register_failure(session: Session, user: User, at: datetime) -> None:
    """Count a failed attempt atomically; lock when the configured number is reached."""
    settings = get_settings()
    session.flush()
    session.execute(update(User).where(User.id == user.id)
                    .values(failed_logins=User.failed_logins + 1))
    session.refresh(user, ["failed_logins"])
    if user.failed_logins >= settings.lockout_attempts:
        user.locked_until = at + timedelta(minutes=settings.lockout_minutes)


# ---------------------------------------------------------------- web sessions


def start_web_session(session: Session, user: User,
                      client_addr: str | None) -> tuple[WebSession, str]:
    """Open a browser session: returns it and the raw cookie value (only its hash is stored)."""
    raw = new_secret()
    at = now()
    web = WebSession(token_hash=hash_token(raw), user_id=user.id, csrf_token=new_secret(),
                     created_at=at, last_seen_at=at, client_addr=client_addr)
    session.add(web)
    session.flush()
    return web, raw


def find_web_session(session: Session, raw: str) -> WebSession | None:
    return session.scalar(select(WebSession).where(WebSession.token_hash == hash_token(raw)))


def end_web_session(session: Session, raw_or_session: str | WebSession, *,
                    client_addr: str | None = None, reason: str = "logout") -> WebSession | None:
    """End a browser session (退出 or 超时). Audits; the caller commits."""
    web = (find_web_session(session, raw_or_session) if isinstance(raw_or_session, str)
           else raw_or_session)
    if web is None or web.ended_at is not None:
        return None
    web.ended_at = now()
    user = session.get(User, web.user_id)
    action = "session_expired" if reason == "idle_timeout" else "logout"
    audit.record(session, action=action, actor=user,
                 client_addr=client_addr or web.client_addr, object_type="web_session",
                 object_id=web.id, detail={"reason": reason})
    return web


def _end_sessions(session: Session, user_id: int, keep_session_id: int | None) -> None:
    stmt = update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
    if keep_session_id is not None:
        stmt = stmt.where(WebSession.id != keep_session_id)
    session.execute(stmt.values(ended_at=now()))


def is_locked(user: User, at: datetime | None = None) -> bool:
    """Locked out after repeated failures (账号锁定) until ``locked_until``."""
    return user.locked_until is not None and user.locked_until > (at or now())


def area_ids_for_codes(session: Session, codes: Sequence[str]) -> list[int]:
    """The ids of areas by code, in the given order; every unknown code is named in the error."""
    if not codes:
        return []
    found = dict(session.execute(select(Area.code, Area.id).where(Area.code.in_(codes))).all())
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(f"区域编码不存在：{'、'.join(missing)} (unknown area code)",
                               code="unknown_area")
    return [found[c] for c in codes]


def _usable(user: User | None, at: datetime) -> bool:
    return user is not None and user.is_active and not is_locked(user, at)


def touch_web_session(session: Session, raw: str, client_addr: str | None) -> WebSession | None:
    """The live session for a cookie, or None; ends it when idle too long (会话超时).

    The caller commits.

    last_seen_at is written at most once a minute so that a page view is not a write.
    """
    web = find_web_session(session, raw)
    if web is None or web.ended_at is not None:
        return None
    at = now()
    idle = timedelta(minutes=get_settings().idle_timeout_minutes)
    if at - web.last_seen_at > idle:
        end_web_session(session, web, client_addr=client_addr, reason="idle_timeout")
        return None
    if not _usable(session.get(User, web.user_id), at):
        end_web_session(session, web, client_addr=client_addr, reason="account_unusable")
        return None
    if at - web.last_seen_at >= TOUCH_INTERVAL:
        web.last_seen_at = at
    return web


# ---------------------------------------------------------------- API tokens


@dataclass(frozen=True)
class IssuedToken:
    """A freshly made token: ``raw`` is shown once and never stored."""

    token: ApiToken
    raw: str


def _make_token(session: Session, user: User, name: str,
                expires_at: datetime | None) -> IssuedToken:
    raw = new_api_token()
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(raw), created_at=now(),
                     expires_at=expires_at)
    session.add(token)
    session.flush()
    return IssuedToken(token, raw)


def issue_access_token(session: Session, user: User, client_addr: str | None) -> IssuedToken:
    """The bearer token of the OAuth2 password flow (after ``authenticate``); caller commits."""
    issued = _make_token(session, user, "oauth2",
                         now() + timedelta(minutes=ACCESS_TOKEN_MINUTES))
    audit.record(session, action="token_issued", actor=user, client_addr=client_addr,
                 object_type="api_token", object_id=issued.token.id)
    return issued


def create_api_token(session: Session, principal: Principal, name: str,
                     expires_days: int | None = PERSONAL_TOKEN_DEFAULT_DAYS) -> IssuedToken:
    """A personal API token (个人令牌) for the acting account. Audits; caller commits."""
    principal.require_login()
    assert principal.user is not None
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("令牌名称为 1–100 个字符 (token name required)", code="invalid_name")
    days = expires_days or PERSONAL_TOKEN_DEFAULT_DAYS
    if not 1 <= days <= PERSONAL_TOKEN_MAX_DAYS:
        raise ValidationFailed(f"有效期为 1–{PERSONAL_TOKEN_MAX_DAYS} 天 (expiry out of range)",
                               code="invalid_expiry")
    issued = _make_token(session, principal.user, name, now() + timedelta(days=days))
    audit.record(session, action="token_created", principal=principal, object_type="api_token",
                 object_id=issued.token.id, detail={"name": name, "days": days})
    return issued


def list_api_tokens(session: Session, principal: Principal) -> list[ApiToken]:
    """The acting account's personal tokens that are not revoked (newest first)."""
    principal.require_login()
    return list(session.scalars(
        select(ApiToken).where(ApiToken.user_id == principal.user_id, ApiToken.name != "oauth2",
                               ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_api_token(session: Session, principal: Principal, token_id: int) -> ApiToken:
    """Revoke one of one's own tokens (吊销). Audits; caller commits."""
    principal.require_login()
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != principal.user_id or token.revoked_at is not None:
        raise NotFound("令牌不存在 (no such token)")
    token.revoked_at = now()
    audit.record(session, action="token_revoked", principal=principal, object_type="api_token",
                 object_id=token.id)
    return token


def user_for_api_token(session: Session, raw: str) -> tuple[User, ApiToken] | None:
    """The account behind a live bearer token, or None (revoked, expired, unknown, locked)."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    at = now()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= at:
        return None
    user = session.get(User, token.user_id)
    if not _usable(user, at):
        return None
    assert user is not None
    if token.last_used_at is None or at - token.last_used_at >= TOUCH_INTERVAL:
        token.last_used_at = at
    return user, token


# ---------------------------------------------------------------- principal


def expand_areas(session: Session, area_ids: Iterable[int]) -> frozenset[int]:
    """The areas and all their descendants (街道 → 社区 → 网格) in one recursive query."""
    roots = sorted(set(area_ids))
    if not roots:
        return frozenset()
    tree = select(Area.id).where(Area.id.in_(roots)).cte("area_tree", recursive=True)
    child = aliased(Area)
    tree = tree.union(select(child.id).where(child.parent_id == tree.c.id))
    return frozenset(session.scalars(select(tree.c.id)))


def principal_for(user: User, client_addr: str | None = None, via: str = "session", *,
                  session: Session | None = None) -> Principal:
    """The Principal of ``user``: roles, department and areas expanded to every descendant."""
    session = session or object_session(user)
    if session is None:
        raise ValueError("principal_for needs a session (the user is detached)")
    roles = frozenset(r.role for r in user.roles)
    areas = expand_areas(session, (a.area_id for a in user.areas)) if user.is_staff else frozenset()
    return Principal(user=user, roles=roles, department_id=user.department_id, area_ids=areas,
                     client_addr=client_addr, via=via)
