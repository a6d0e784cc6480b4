"""Bounded integer parameters (参数范围) shared by every API and page: an id, page number, offset or
year beyond what the database and the calendar hold is a 422, never a 500 (SQLite overflows past
64 bits, PostgreSQL past an INTEGER column's 32 bits, the calendar past its years)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

INTEGER_MAX = 2**31 - 1  # the largest value of an INTEGER column on PostgreSQL: every key is one
BIGINT_MAX = 2**63 - 1  # the largest OFFSET PostgreSQL and SQLite take

Id = Annotated[int, Field(ge=1, le=INTEGER_MAX, description="编号 (id)")]
"""编号: a database key."""

Version = Annotated[int, Field(ge=0, le=INTEGER_MAX, description="版本号 (version)")]
"""版本号: an optimistic-check version."""

Page = Annotated[int, Field(ge=1, le=1_000_000, description="页码，从 1 开始 (page)")]
"""页码: a page number; beyond a million pages no list reaches."""

Offset = Annotated[int, Field(ge=0, le=BIGINT_MAX, description="跳过条数 (offset)")]
"""跳过条数: rows skipped before a list starts."""

Year = Annotated[int, Field(ge=1900, le=2100, description="年份 (year)")]
"""年份: a calendar year the working calendar can hold."""
