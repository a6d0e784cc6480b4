"""Accounts, login, sessions and API tokens (账号与登录), following the 等保 2.0 baseline.

Every login attempt, success or failure, is audited with the client address. Functions that
must leave a trace even when they fail (``authenticate``) commit themselves; the others add to
the caller's session and leave the commit to the caller unless their docstring says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from sqlalchemy import ColumnElement, case, func, literal, or_, select, update
from sqlalchemy.orm import Session, aliased, object_session

from smartgov.auth import audit, codes
from smartgov.auth.masking import mask_phone
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
from smartgov.errors import (
    AppError,
    Conflict,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)
from smartgov.org.models import Area, Department

# An OAuth2 access token lives for one working day; personal tokens as long as asked (≤ 1 year).
ACCESS_TOKEN_MINUTES = 8 * 60
PERSONAL_TOKEN_DEFAULT_DAYS = 90
PERSONAL_TOKEN_MAX_DAYS = 365
# last_seen_at of a web session / last_used_at of a token is written at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)
# The password hash of an account whose owner has not set a password yet (待激活): matches nothing.
UNUSABLE_PASSWORD = "!unusable"

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


def _new_user(session: Session, *, username: str, password: str | None, display_name: str,
              roles: Iterable[str | Role], department_id: int | None, area_ids: Iterable[int],
              is_staff: bool, phone: str | None, id_number: str | None) -> tuple[User, list[Role]]:
    """A new account; ``password=None`` makes it wait for its owner's activation (待激活)."""
    username = _check_username(session, username)
    if not (display_name or "").strip():
        raise ValidationFailed("请填写姓名 (display name required)", code="name_required")
    if password is not None:
        _check_password(username, password)
    parsed = _check_roles(roles, is_staff)
    _check_department(session, department_id)
    areas = _check_areas(session, area_ids)
    at = now()
    user = User(username=username, display_name=display_name.strip(),
                password_hash=hash_password(password) if password is not None else UNUSABLE_PASSWORD,
                is_staff=is_staff, is_active=password is not None,
                department_id=department_id, phone=(phone or "").strip() or None,
                id_number=(id_number or "").strip() or None, failed_logins=0,
                password_changed_at=at if password is not None else None, created_at=at)
    user.roles = [UserRole(role=r.value) for r in parsed]
    user.areas = [UserArea(area_id=a) for a in areas]
    session.add(user)
    session.flush()
    return user, parsed


def create_user(session: Session, *, username: str, password: str | None, display_name: str,
                roles: Iterable[str | Role], department_id: int | None = None,
                area_ids: Iterable[int] = (), is_staff: bool = True, phone: str | None = None,
                id_number: str | None = None, actor: Principal | None = None) -> User:
    """Create an account (新建用户); flushes and audits, the caller commits.

    On the web ``actor`` must be a 系统管理员; ``actor=None`` means the command line. An
    administrator account made on the web (三权分立) gets no password from its creator: it is
    created inactive and its owner activates it with the code sent to its phone.

    Raises ValidationFailed (weak password, bad roles, unknown department/area) or
    Conflict ``username_taken``.
    """
    if actor is not None:
        actor.require_any(Role.SYSTEM_ADMIN)
    owner_sets_password = actor is not None and holds_admin_role(roles)
    if owner_sets_password:
        phone = _owner_phone(phone)
    elif password is None:
        raise ValidationFailed("请填写初始密码 (password required)", code="weak_password")
    user, parsed = _new_user(session, username=username,
                             password=None if owner_sets_password else password,
                             display_name=display_name, roles=roles, department_id=department_id,
                             area_ids=area_ids, is_staff=is_staff, phone=phone, id_number=id_number)
    audit.record(session, action="user_created", actor=actor.user if actor else None,
                 actor_name=_actor_name(actor), client_addr=actor.client_addr if actor else None,
                 object_type="user", object_id=user.id,
                 detail={"username": user.username, "roles": [r.value for r in parsed],
                         "department_id": department_id, "areas": user.area_ids,
                         "is_staff": is_staff, "owner_activates": owner_sets_password})
    if owner_sets_password:
        _send_owner_code(session, user, actor)
    return user


# ---------------------------------------------------------------- administrators (三权分立)


def holds_admin_role(roles: Iterable[str | Role]) -> bool:
    """Whether any of ``roles`` is one of the three administrators (系统/安全/审计管理员)."""
    return any(parse_role(r) in ADMIN_ROLES for r in roles)


def awaits_activation(user: User) -> bool:
    """An account whose owner has not set its password yet (待激活)."""
    return user.password_hash == UNUSABLE_PASSWORD


def _owner_phone(phone: str | None) -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if not MOBILE_RE.match(phone):
        raise ValidationFailed(
            "管理员账号须填写本人的 11 位手机号，激活码以短信发给本人 (owner's mobile number required)",
            code="owner_phone_required")
    return phone


OWNER_CODE_SMS = ("【智慧政务】您的账号 {username} 需由本人设置密码。验证码 {{code}}，"
                  "{{minutes}} 分钟内有效。请打开“账号激活”页面，凭验证码设置密码；"
                  "如非本人操作请联系安全管理员。")


def _send_owner_code(session: Session, user: User, actor: Principal | None) -> None:
    """Send the account's owner a code to set the password (账号激活 / 重置密码); audits."""
    phone = _owner_phone(user.phone)
    codes.issue(session, purpose=codes.ACTIVATE, phone=phone, user_id=user.id,
                body=OWNER_CODE_SMS.format(username=user.username),
                lifetime=timedelta(hours=get_settings().activation_code_hours))
    audit.record(session, action="activation_sent", actor=actor.user if actor else None,
                 actor_name=_actor_name(actor), client_addr=actor.client_addr if actor else None,
                 object_type="user", object_id=user.id, detail={"username": user.username})


def _hand_to_owner(session: Session, user: User) -> None:
    """No password anyone else knows opens the account any more: it waits for its owner."""
    user.password_hash = UNUSABLE_PASSWORD
    user.is_active = False
    _end_sessions(session, user.id, None)
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=now()))


def set_roles(session: Session, user: User, roles: Iterable[str | Role], *,
              actor: Principal | None = None) -> None:
    """Change an account's roles (角色变更): 系统管理员 on the web, ``actor=None`` the command line.

    Making an account an administrator on the web hands it to its owner (三权分立): its password
    stops working, its sessions and tokens end, and the owner sets a new password with the code
    sent to its phone. Flushes and audits; the caller commits.
    """
    if actor is not None:
        actor.require_any(Role.SYSTEM_ADMIN)
    parsed = _check_roles(roles, user.is_staff)
    before = sorted(user.role_names)
    after = sorted(r.value for r in parsed)
    if before == after:
        return
    to_owner = actor is not None and holds_admin_role(after)
    if to_owner:
        _owner_phone(user.phone)
    user.roles = [r for r in user.roles if r.role in after]
    user.roles.extend(UserRole(role=r) for r in after if r not in before)
    audit.record(session, action="roles_changed", actor=actor.user if actor else None,
                 actor_name=_actor_name(actor), client_addr=actor.client_addr if actor else None,
                 object_type="user", object_id=user.id,
                 detail={"username": user.username, "from": before, "to": after,
                         "owner_activates": to_owner})
    session.flush()
    if to_owner:
        _hand_to_owner(session, user)
        _send_owner_code(session, user, actor)
        session.flush()


def activate_account(session: Session, username: str, code: str, new_password: str, *,
                     client_addr: str | None = None) -> User:
    """The owner sets the password with the code sent to its phone (账号激活 / 凭验证码重置密码).

    A wrong code counts against the code's attempts and is committed; the caller commits success.
    """
    user = get_user_by_username(session, username or "") if (username or "").strip() else None
    if user is None or not user.phone:
        raise ValidationFailed("用户名或验证码不正确", code="wrong_code")
    try:
        codes.consume(session, purpose=codes.ACTIVATE, phone=user.phone, code=code, user_id=user.id)
    except ValidationFailed:
        audit.record(session, action="account_activated", actor=user, client_addr=client_addr,
                     object_type="user", object_id=user.id, result=audit.FAILURE)
        session.commit()
        raise
    _check_password(user.username, new_password)
    if awaits_activation(user):
        user.is_active = True
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now()
    user.failed_logins = 0
    user.locked_until = None
    _end_sessions(session, user.id, None)
    audit.record(session, action="account_activated", actor=user, client_addr=client_addr,
                 object_type="user", object_id=user.id)
    session.flush()
    return user


def _citizen_phone(session: Session, phone: str) -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if not MOBILE_RE.match(phone):
        raise ValidationFailed("请输入正确的 11 位手机号 (mobile number required)",
                               code="invalid_phone")
    if session.scalar(select(User.id).where(User.phone == phone, User.is_staff.is_(False))):
        raise Conflict("该手机号已注册 (phone already registered)", code="phone_taken")
    return phone


REGISTER_CODE_SMS = "【智慧政务】您的注册验证码为 {code}，{minutes} 分钟内有效。如非本人操作请忽略。"


def send_registration_code(session: Session, phone: str, *, client_addr: str | None = None) -> str:
    """Send a registration code to ``phone`` (获取短信验证码); returns the normalised number.

    Rate-limited per phone (429). Flushes and audits; the caller commits.
    """
    phone = _citizen_phone(session, phone)
    codes.issue(session, purpose=codes.REGISTER, phone=phone, body=REGISTER_CODE_SMS)
    audit.record(session, action="registration_code_sent", client_addr=client_addr,
                 object_type="phone", detail={"phone": mask_phone(phone)})
    return phone


def register_citizen(session: Session, *, phone: str, code: str, password: str, display_name: str,
                     username: str | None = None, client_addr: str | None = None) -> User:
    """Public self-registration (群众注册) with a mobile number proved by an SMS code.

    The number is also the default user name. A wrong code is counted and committed (see
    ``codes.consume``); otherwise flushes and audits, the caller commits.
    """
    phone = _citizen_phone(session, phone)
    _check_password(username or phone, password)
    codes.consume(session, purpose=codes.REGISTER, phone=phone, code=code)
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


def reset_password(session: Session, user: User, new_password: str | None, *,
                   actor: Principal | None = None) -> bool:
    """Reset someone else's password (安全管理员, or the command line); ends their sessions.

    An administrator's password is never set by another administrator (三权分立): on the web
    its owner gets a code by SMS and sets the password itself, and the typed one is not used.
    Returns True when the password was set, False when the code went to the owner.
    """
    if actor is not None:
        actor.require_any(Role.SECURITY_ADMIN)
        if holds_admin_role(user.role_names):
            _send_owner_code(session, user, actor)
            session.flush()
            return False
    if new_password is None:
        raise ValidationFailed("请填写新密码 (password required)", code="weak_password")
    _check_password(user.username, new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = now()
    _end_sessions(session, user.id, None)
    audit.record(session, action="password_reset", actor=actor.user if actor else None,
                 actor_name=_actor_name(actor), client_addr=actor.client_addr if actor else None,
                 object_type="user", object_id=user.id, detail={"username": user.username})
    session.flush()
    return True


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
    if is_locked(user, at):
        verify_dummy(password)
        _refuse_locked(session, user, username, client_addr, via)
    if not verify_password(user.password_hash, password):
        counted = _register_failure(session, user, at)
        if counted is None:  # locked by other attempts while this one was being checked
            _refuse_locked(session, user, username, client_addr, via)
        failed_logins, locked_until = counted
        if locked_until is not None:
            audit.record(session, action="account_locked", actor=user, client_addr=client_addr,
                         object_type="user", object_id=user.id, result=audit.SUCCESS,
                         detail={"failed_logins": failed_logins, "locked_until": locked_until})
            _fail(session, username, client_addr, "wrong_password", via, user)
            raise AccountLocked(_lock_message(locked_until), details={
                "locked_until": locked_until.isoformat()})
        _fail(session, username, client_addr, "wrong_password", via, user)
        raise LoginFailed("用户名或密码错误 (wrong user name or password)")
    if not user.is_active:
        _fail(session, username, client_addr, "disabled", via, user)
        raise AccountDisabled("账号已停用，请联系系统管理员 (account disabled)")
    cleared = session.execute(
        update(User).where(User.id == user.id, _not_locked(at))
        .values(failed_logins=0, locked_until=None).returning(User.id)
        .execution_options(synchronize_session=False)).scalar()
    session.expire(user, ["failed_logins", "locked_until"])
    if cleared is None:
        _refuse_locked(session, user, username, client_addr, via)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit.record(session, action="login", actor=user, client_addr=client_addr,
                 object_type="user", object_id=user.id, detail={"via": via})
    session.commit()
    return user


def _not_locked(at: datetime) -> ColumnElement[bool]:
    return or_(User.locked_until.is_(None), User.locked_until <= at)


def _refuse_locked(session: Session, user: User, username: str, client_addr: str | None,
                   via: str) -> NoReturn:
    session.refresh(user, ["failed_logins", "locked_until"])
    until = user.locked_until or now()
    _fail(session, username, client_addr, "locked", via, user)
    raise AccountLocked(_lock_message(until), details={"locked_until": until.isoformat()})


def _register_failure(session: Session, user: User,
                      at: datetime) -> tuple[int, datetime | None] | None:
    """Count a wrong password in one statement (UPDATE … RETURNING); lock at the configured number.

    Returns the new count and the lock's end (None while not locked), or None when the account
    was locked meanwhile (the attempt is then a locked one, not counted). A lock that has ended
    starts the count again.
    """
    settings = get_settings()
    session.flush()
    count = case((User.locked_until.is_(None), User.failed_logins + 1), else_=1)
    until = literal(at + timedelta(minutes=settings.lockout_minutes), User.locked_until.type)
    row = session.execute(
        update(User).where(User.id == user.id, _not_locked(at))
        .values(failed_logins=count,
                locked_until=case((count >= settings.lockout_attempts, until), else_=None))
        .returning(User.failed_logins, User.locked_until)
        .execution_options(synchronize_session=False)).one_or_none()
    session.expire(user, ["failed_logins", "locked_until"])
    if row is None:
        return None
    return row[0], _aware(row[1])


def _aware(value: datetime | None) -> datetime | None:
    """A time read by a plain statement, in the configured zone (SQLite returns it naive, UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(get_settings().tz)


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


def _usable(user: User | None) -> bool:
    """Whether existing sessions and tokens of the account still work.

    A lockout (账号锁定) refuses new password logins only: strangers guessing a password must not
    end the owner's sessions and tokens. Disabling the account ends them.
    """
    return user is not None and user.is_active


def touch_web_session(session: Session, raw: str, client_addr: str | None,
                      seen_at: datetime | None = None) -> WebSession | None:
    """The live session for a cookie, or None; ends it when idle too long (会话超时).

    The caller commits.

    last_seen_at is written at most once a minute so that a page view is not a write; the
    requests in between are known from ``seen_at``, the time of this browser's last request
    that the middleware reads from a signed cookie. The idle time runs from the later of the two,
    so a session ends exactly ``idle_timeout_minutes`` after its last request.
    """
    web = find_web_session(session, raw)
    if web is None or web.ended_at is not None:
        return None
    at = now()
    idle = timedelta(minutes=get_settings().idle_timeout_minutes)
    last_seen = web.last_seen_at
    # Any request after the last write came less than TOUCH_INTERVAL after it (else it would
    # have written): a time outside that window is not this session's and is ignored.
    if seen_at is not None and last_seen < seen_at < last_seen + TOUCH_INTERVAL and seen_at <= at:
        last_seen = seen_at
    if at - last_seen > idle:
        end_web_session(session, web, client_addr=client_addr, reason="idle_timeout")
        return None
    if not _usable(session.get(User, web.user_id)):
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
    if not _usable(user):
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
