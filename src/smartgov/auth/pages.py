"""Pages: 登录 / 退出 / 群众注册 / 我的账号 / 审计日志 / 用户管理."""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from smartgov.auth import audit, service
from smartgov.auth.deps import current_principal, require_login, require_roles
from smartgov.auth.masking import KIND_LABELS, mask_phone, personal_view, reveal_on_request
from smartgov.auth.menu import first_page, menu_entry
from smartgov.auth.middleware import (
    SESSION_COOKIE,
    clear_session_cookie,
    set_session_cookie,
)
from smartgov.auth.middleware import client_addr as request_addr
from smartgov.auth.models import User
from smartgov.auth.principal import Principal
from smartgov.auth.roles import ROLE_LABELS, Role
from smartgov.config import get_settings
from smartgov.db import get_session
from smartgov.errors import AppError, NotFound, ValidationFailed
from smartgov.org.models import Department
from smartgov.org.service import list_departments
from smartgov.params import Id, Page
from smartgov.web.templating import render

router = APIRouter(include_in_schema=False)

PUBLIC_HOME = "/"
AUDIT_PER_PAGE = 50


def safe_next(value: str | None, default: str) -> str:
    """``value`` when it is a path on this site, otherwise ``default`` (no open redirects)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")):
        return default
    if any(ord(c) < 32 or c == "\\" for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    if parts.path in ("/login", "/logout", "/register", "/register/code", "/activate"):
        return default
    return value


def home_for(user: User | None) -> str:
    """The page after logging in: a staff member's first page in the menu (the workbench for
    those with queues, the admin page for administrators), the portal for the public."""
    if user is None or not user.is_staff:
        return PUBLIC_HOME
    return first_page(user.role_names)


# ---------------------------------------------------------------- login / logout


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "",
               principal: Principal = Depends(current_principal)) -> Response:
    if not principal.is_anonymous:
        return RedirectResponse(safe_next(next, home_for(principal.user)), status_code=303)
    return render(request, "auth/login.html", {"next": safe_next(next, "")})


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form(""), session: Session = Depends(get_session)) -> Response:
    addr = request_addr(request)
    try:
        user = service.authenticate(session, username, password, addr, via="web")
    except (service.LoginFailed, service.AccountLocked, service.AccountDisabled) as exc:
        return render(request, "auth/login.html",
                      {"error": exc.message, "username": username, "next": safe_next(next, "")},
                      status_code=exc.status_code)
    return _log_in(request, session, user, safe_next(next, home_for(user)))


def _log_in(request: Request, session: Session, user: User, target: str) -> Response:
    addr = request_addr(request)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        service.end_web_session(session, old, client_addr=addr, reason="relogin")
    _, raw = service.start_web_session(session, user, addr)
    session.commit()
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, raw)
    return response


@router.post("/logout")
def logout(request: Request, session: Session = Depends(get_session)) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        service.end_web_session(session, raw, client_addr=request_addr(request))
        session.commit()
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response)
    return response


# ---------------------------------------------------------------- citizen registration


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request) -> Response:
    return render(request, "auth/register.html", {"form": {}})


@router.post("/register/code", response_class=HTMLResponse)
def register_code(request: Request, display_name: str = Form(""), phone: str = Form(""),
                  session: Session = Depends(get_session)) -> Response:
    """获取短信验证码: the code goes to the phone through the outbox."""
    form = {"display_name": display_name, "phone": phone}
    try:
        service.send_registration_code(session, phone, client_addr=request_addr(request))
    except AppError as exc:
        session.rollback()
        return render(request, "auth/register.html", {"form": form, "error": exc.message},
                      status_code=exc.status_code)
    session.commit()
    return render(request, "auth/register.html", {
        "form": form, "code_sent": True,
        "flash": [f"验证码已发送至 {mask_phone(phone.strip())}，"
                  f"{get_settings().sms_code_minutes} 分钟内有效"]})


@router.post("/register", response_class=HTMLResponse)
def register(request: Request, display_name: str = Form(""), phone: str = Form(""),
             code: str = Form(""), password: str = Form(""), password2: str = Form(""),
             session: Session = Depends(get_session)) -> Response:
    form = {"display_name": display_name, "phone": phone}
    try:
        if password != password2:
            raise ValidationFailed("两次输入的密码不一致 (passwords differ)",
                                   code="password_mismatch")
        user = service.register_citizen(session, phone=phone, code=code, password=password,
                                        display_name=display_name,
                                        client_addr=request_addr(request))
    except AppError as exc:
        session.rollback()
        return render(request, "auth/register.html", {"form": form, "error": exc.message},
                      status_code=exc.status_code)
    return _log_in(request, session, user, PUBLIC_HOME)


# ---------------------------------------------------------------- activation (账号激活)


@router.get("/activate", response_class=HTMLResponse)
def activate_page(request: Request, username: str = "") -> Response:
    return render(request, "auth/activate.html", {"form": {"username": username}})


@router.post("/activate", response_class=HTMLResponse)
def activate(request: Request, username: str = Form(""), code: str = Form(""),
             password: str = Form(""), password2: str = Form(""),
             session: Session = Depends(get_session)) -> Response:
    """The owner of an administrator account sets its password with the code from the SMS."""
    form = {"username": username}
    try:
        if password != password2:
            raise ValidationFailed("两次输入的密码不一致 (passwords differ)",
                                   code="password_mismatch")
        service.activate_account(session, username, code, password,
                                 client_addr=request_addr(request))
    except AppError as exc:
        session.rollback()
        return render(request, "auth/activate.html", {"form": form, "error": exc.message},
                      status_code=exc.status_code)
    session.commit()
    return render(request, "auth/login.html", {
        "username": username.strip(), "next": "", "flash": ["密码已设置，请登录"]})


# ---------------------------------------------------------------- my account


def _account_page(request: Request, session: Session, principal: Principal,
                  status_code: int = 200, **extra: Any) -> Response:
    tokens = service.list_api_tokens(session, principal)
    department = (session.get(Department, principal.department_id)
                  if principal.department_id else None)
    return render(request, "auth/account.html",
                  {"tokens": tokens, "department": department, "role_labels": _role_labels(),
                   **extra}, status_code=status_code)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, principal: Principal = Depends(require_login),
                 session: Session = Depends(get_session)) -> Response:
    return _account_page(request, session, principal)


@router.post("/account/password", response_class=HTMLResponse)
def account_password(request: Request, old_password: str = Form(""), new_password: str = Form(""),
                     new_password2: str = Form(""), principal: Principal = Depends(require_login),
                     session: Session = Depends(get_session)) -> Response:
    user = session.get(User, principal.user_id)
    assert user is not None
    try:
        if new_password != new_password2:
            raise ValidationFailed("两次输入的新密码不一致 (passwords differ)",
                                   code="password_mismatch")
        keep = principal.extra.get("web_session_id")
        service.change_password(session, user, old_password, new_password,
                                client_addr=principal.client_addr,
                                keep_session_id=int(keep) if keep else None)
    except AppError as exc:
        session.commit()  # a wrong old password is audited
        return _account_page(request, session, principal, status_code=exc.status_code,
                             error=exc.message)
    session.commit()
    return _account_page(request, session, principal, flash=["密码已修改"])


@router.post("/account/tokens", response_class=HTMLResponse)
def account_token_create(request: Request, name: str = Form(""), expires_days: int = Form(90),
                         principal: Principal = Depends(require_login),
                         session: Session = Depends(get_session)) -> Response:
    try:
        issued = service.create_api_token(session, principal, name, expires_days)
    except AppError as exc:
        return _account_page(request, session, principal, status_code=exc.status_code,
                             error=exc.message)
    session.commit()
    return _account_page(request, session, principal, new_token=issued.raw,
                         flash=[f"已创建令牌“{issued.token.name}”，请立即复制保存，它只显示这一次"])


@router.post("/account/tokens/{token_id}/revoke")
def account_token_revoke(token_id: Id, principal: Principal = Depends(require_login),
                         session: Session = Depends(get_session)) -> Response:
    service.revoke_api_token(session, principal, token_id)
    session.commit()
    return RedirectResponse("/account", status_code=303)


# ---------------------------------------------------------------- audit (审计管理员)


def _parse_day(value: str, label: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(f"{label}格式应为 YYYY-MM-DD (date expected)",
                               code="invalid_date") from None


# The audit page checks its reader itself (and audits refusals); this only puts it in the menu.
menu_entry("/admin/audit", "审计日志", 90, Role.AUDIT_ADMIN)


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, actor: str = "", action: str = "", object_type: str = "",
               object_id: str = "", result: str = "", client_addr: str = "",
               date_from: str = "", date_to: str = "", page: Page = 1,
               principal: Principal = Depends(current_principal),
               session: Session = Depends(get_session)) -> Response:
    filters = {"actor": actor, "action": action, "object_type": object_type,
               "object_id": object_id, "result": result, "client_addr": client_addr,
               "date_from": date_from, "date_to": date_to}
    error = None
    try:
        day_from, day_to = _parse_day(date_from, "开始日期"), _parse_day(date_to, "结束日期")
    except ValidationFailed as exc:
        day_from = day_to = None
        error = exc.message
    query = audit.AuditQuery(actor=actor, action=action, object_type=object_type,
                             object_id=object_id, result=result, client_addr=client_addr,
                             date_from=day_from, date_to=day_to)
    page = max(page, 1)
    rows, total = audit.search_as(session, principal, query, page=page, per_page=AUDIT_PER_PAGE)
    pages = max((total + AUDIT_PER_PAGE - 1) // AUDIT_PER_PAGE, 1)
    base = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "auth/audit.html", {
        "rows": rows, "total": total, "page": page, "pages": pages, "filters": filters,
        "query_string": base, "error": error, "action_labels": audit.ACTION_LABELS,
        "results": audit.RESULTS, "action_label": audit.action_label,
        "object_label": audit.object_label, "detail_text": audit.detail_text,
    })


# ---------------------------------------------------------------- users (系统管理员 / 安全管理员)


def _role_labels() -> dict[str, str]:
    return {r.value: ROLE_LABELS[r] for r in Role}


def _users_page(request: Request, session: Session, principal: Principal,
                status_code: int = 200, **extra: Any) -> Response:
    users = service.list_users(session)
    departments = list_departments(session)
    dept_names = {d.id: d.name for d in departments}
    rows = [{
        "user": u,
        "department": dept_names.get(u.department_id, "") if u.department_id else "",
        "phone": personal_view(principal, {"phone": u.phone}, listed=True)["phone"],
        "roles": sorted(u.role_names),
        "locked": service.is_locked(u),
        "awaits_activation": service.awaits_activation(u),
        "is_admin": service.holds_admin_role(u.role_names),
    } for u in users]
    return render(request, "auth/users.html", {
        "rows": rows, "departments": departments, "role_labels": _role_labels(),
        "can_create": principal.has_any(Role.SYSTEM_ADMIN),
        "can_unlock": principal.has_any(Role.SECURITY_ADMIN),
        "form": extra.pop("form", {}), **extra,
    }, status_code=status_code)


USER_ADMINS = menu_entry("/admin/users", "用户管理", 100, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, principal: Principal = Depends(USER_ADMINS),
               session: Session = Depends(get_session)) -> Response:
    return _users_page(request, session, principal)


def _area_ids_from_codes(session: Session, text: str) -> list[int]:
    codes = [c for c in text.replace("，", ",").replace(",", " ").split() if c]
    return service.area_ids_for_codes(session, codes)


@router.post("/admin/users", response_class=HTMLResponse)
def users_create(request: Request, username: str = Form(""), display_name: str = Form(""),
                 password: str = Form(""), roles: list[str] = Form([]),
                 department_id: str = Form(""), area_codes: str = Form(""),
                 is_staff: str = Form(""), phone: str = Form(""), id_number: str = Form(""),
                 principal: Principal = Depends(require_roles(Role.SYSTEM_ADMIN)),
                 session: Session = Depends(get_session)) -> Response:
    form = {"username": username, "display_name": display_name, "roles": roles,
            "department_id": department_id, "area_codes": area_codes, "is_staff": bool(is_staff),
            "phone": phone, "id_number": id_number}
    try:
        user = service.create_user(
            session, username=username, password=password, display_name=display_name,
            roles=roles, department_id=int(department_id) if department_id.strip() else None,
            area_ids=_area_ids_from_codes(session, area_codes), is_staff=bool(is_staff),
            phone=phone, id_number=id_number, actor=principal)
    except AppError as exc:
        session.rollback()
        return _users_page(request, session, principal, status_code=exc.status_code,
                           error=exc.message, form=form)
    session.commit()
    done = {"created": user.username}
    if service.awaits_activation(user):
        done["code_sent"] = user.username
    return RedirectResponse(f"/admin/users?{urlencode(done)}", status_code=303)


def _user_or_404(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在 (no such user)")
    return user


@router.post("/admin/users/{user_id}/unlock")
def users_unlock(user_id: Id,
                 principal: Principal = Depends(require_roles(Role.SECURITY_ADMIN)),
                 session: Session = Depends(get_session)) -> Response:
    service.unlock_user(session, _user_or_404(session, user_id), actor=principal)
    session.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/password", response_class=HTMLResponse)
def users_reset_password(request: Request, user_id: Id, new_password: str = Form(""),
                         principal: Principal = Depends(require_roles(Role.SECURITY_ADMIN)),
                         session: Session = Depends(get_session)) -> Response:
    user = _user_or_404(session, user_id)
    try:
        was_set = service.reset_password(session, user, new_password or None, actor=principal)
    except AppError as exc:
        session.rollback()
        return _users_page(request, session, principal, status_code=exc.status_code,
                           error=f"{user.username}：{exc.message}")
    session.commit()
    if was_set:
        return RedirectResponse("/admin/users", status_code=303)
    return RedirectResponse(f"/admin/users?{urlencode({'code_sent': user.username})}",
                            status_code=303)


@router.post("/admin/users/{user_id}/roles", response_class=HTMLResponse)
def users_set_roles(request: Request, user_id: Id, roles: list[str] = Form([]),
                    principal: Principal = Depends(require_roles(Role.SYSTEM_ADMIN)),
                    session: Session = Depends(get_session)) -> Response:
    """角色变更; making an account an administrator hands it to its owner (三权分立)."""
    user = _user_or_404(session, user_id)
    try:
        service.set_roles(session, user, roles, actor=principal)
    except AppError as exc:
        session.rollback()
        return _users_page(request, session, principal, status_code=exc.status_code,
                           error=f"{user.username}：{exc.message}")
    session.commit()
    done = {"code_sent": user.username} if service.awaits_activation(user) else {}
    return RedirectResponse(f"/admin/users?{urlencode(done)}".rstrip("?"), status_code=303)


# ---------------------------------------------------------------- personal data (显示完整信息)


@router.post("/personal-data/{object_type}/{object_id}/reveal", response_class=HTMLResponse)
def reveal_personal_data(object_type: str, object_id: Id,
                         principal: Principal = Depends(require_login),
                         session: Session = Depends(get_session)) -> Response:
    """The htmx fragment of the reveal button: the full values in place of the masked ones."""
    values = reveal_on_request(session, principal, object_type, object_id)
    session.commit()
    items = "".join(f"<span>{escape(KIND_LABELS.get(k, k))}：{escape(v)}</span> "
                    for k, v in values.items() if v)
    return HTMLResponse(f'<span class="revealed" data-testid="revealed">{items}</span>')
