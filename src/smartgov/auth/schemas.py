"""Pydantic shapes of the auth API (令牌, 当前用户, 审计日志)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class AccessToken(BaseModel):
    """The OAuth2 password-flow answer."""

    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the token expires")


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    is_staff: bool
    roles: list[str]
    department_id: int | None
    area_ids: list[int] = Field(description="areas in scope, expanded to every descendant")
    via: str = Field(description='"session" or "token"')


class PersonalTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["数据对接"])
    expires_days: int | None = Field(default=None, ge=1, le=365,
                                     description="default 90 days")


class PersonalTokenInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class PersonalTokenCreated(PersonalTokenInfo):
    token: str = Field(description="shown once; only its hash is stored")


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    object_type: str | None
    object_id: str | None
    result: str
    client_addr: str | None
    detail: str | None


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    total: int
    page: int
    per_page: int
