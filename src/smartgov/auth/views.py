"""JSON API of accounts and audit: OAuth2 password flow, personal tokens, /me, audit search."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from smartgov.auth import audit, masking, service
from smartgov.auth.deps import current_principal, require_login
from smartgov.auth.middleware import client_addr as request_addr
from smartgov.auth.principal import Principal
from smartgov.auth.schemas import (
    AccessToken,
    AuditEntryOut,
    AuditPage,
    Me,
    PersonalTokenCreate,
    PersonalTokenCreated,
    PersonalTokenInfo,
)
from smartgov.db import get_session
from smartgov.params import Id, Page

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", response_model=AccessToken)
def issue_token(request: Request, form: OAuth2PasswordRequestForm = Depends(),
                session: Session = Depends(get_session)) -> AccessToken:
    """OAuth2 password flow: user name + password → bearer token (same lockout and audit)."""
    addr = request_addr(request)
    user = service.authenticate(session, form.username, form.password, addr, via="token")
    issued = service.issue_access_token(session, user, addr)
    session.commit()
    return AccessToken(access_token=issued.raw, expires_in=service.ACCESS_TOKEN_MINUTES * 60)


@router.get("/auth/me", response_model=Me)
def me(principal: Principal = Depends(require_login)) -> Me:
    """The acting account with its roles and expanded area scope."""
    assert principal.user is not None
    return Me(id=principal.user.id, username=principal.user.username,
              display_name=principal.user.display_name, is_staff=principal.user.is_staff,
              roles=sorted(principal.roles), department_id=principal.department_id,
              area_ids=sorted(principal.area_ids), via=principal.via)


@router.post("/auth/tokens", response_model=PersonalTokenCreated, status_code=201)
def create_token(body: PersonalTokenCreate, principal: Principal = Depends(require_login),
                 session: Session = Depends(get_session)) -> PersonalTokenCreated:
    """Create a personal API token; the token is in this answer only."""
    issued = service.create_api_token(session, principal, body.name, body.expires_days)
    session.commit()
    info = PersonalTokenInfo.model_validate(issued.token)
    return PersonalTokenCreated(**info.model_dump(), token=issued.raw)


@router.get("/auth/tokens", response_model=list[PersonalTokenInfo])
def list_tokens(principal: Principal = Depends(require_login),
                session: Session = Depends(get_session)) -> list[PersonalTokenInfo]:
    """The acting account's personal tokens that are not revoked (never the tokens themselves)."""
    tokens = service.list_api_tokens(session, principal)
    return [PersonalTokenInfo.model_validate(t) for t in tokens]


@router.delete("/auth/tokens/{token_id}", status_code=204)
def revoke_token(token_id: Id, principal: Principal = Depends(require_login),
                 session: Session = Depends(get_session)) -> Response:
    """Revoke one of the acting account's tokens."""
    service.revoke_api_token(session, principal, token_id)
    session.commit()
    return Response(status_code=204)


@router.get("/audit", response_model=AuditPage, tags=["audit"])
def search_audit(
    actor: str = "", action: str = "", object_type: str = "", object_id: str = "",
    result: str = "", client_addr: str = "",
    date_from: date | None = None, date_to: date | None = None,
    page: Page = 1, per_page: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> AuditPage:
    """Search the audit log (审计管理员 only); the search itself is audited."""
    query = audit.AuditQuery(actor=actor, action=action, object_type=object_type,
                             object_id=object_id, result=result, client_addr=client_addr,
                             date_from=date_from, date_to=date_to)
    rows, total = audit.search_as(session, principal, query, page=page, per_page=per_page)
    return AuditPage(items=[AuditEntryOut.model_validate(r) for r in rows], total=total,
                     page=page, per_page=per_page)


@router.post("/personal-data/{object_type}/{object_id}/reveal", tags=["auth"])
def reveal_personal_data(object_type: str, object_id: Id,
                         principal: Principal = Depends(require_login),
                         session: Session = Depends(get_session)) -> dict[str, str | None]:
    """显示完整信息: one object's personal data unmasked, for roles that may ask; audited."""
    values = masking.reveal_on_request(session, principal, object_type, object_id)
    session.commit()
    return values
