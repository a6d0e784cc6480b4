"""Fixtures of the workflow tests: the toy machine's table."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.workflow.toy import CALLS, ToyBase


@pytest.fixture()
def toy_tables(engine: Engine, session: Session) -> Iterator[None]:
    """The toy table beside the platform's, gone after the test."""
    ToyBase.metadata.create_all(engine)
    CALLS.clear()
    yield
    session.rollback()
    session.close()
    ToyBase.metadata.drop_all(engine)
