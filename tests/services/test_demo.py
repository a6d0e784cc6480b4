"""The services demo: ≥ 30 items of ≥ 8 departments with ≥ 5 joint items, applications in every
state, and certificates any third party verifies against the published key."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from rich.console import Console
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from smartgov.services.models import Application, Certificate, ServiceItem
from smartgov.services.workflow import Status
from tests.conftest import migrated_engine


@pytest.fixture(scope="module")
def demo(_template_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from smartgov.config import reset_settings
    from smartgov.demo import load_demo

    var_dir = tmp_path_factory.mktemp("services-demo-var")
    with pytest.MonkeyPatch.context() as patch, migrated_engine(_template_db, var_dir) as engine:
        patch.setenv("SMARTGOV_VAR_DIR", str(var_dir))
        reset_settings()
        assert load_demo(cases=0, console=Console(quiet=True)) is True
        yield engine
        reset_settings()


@pytest.fixture()
def db(demo: Engine) -> Iterator[Session]:
    with Session(demo) as session:
        yield session


def test_catalogue_size(db: Session) -> None:
    items = db.scalars(select(ServiceItem).where(ServiceItem.status == "published")).all()
    assert len(items) >= 30
    assert len({i.department_id for i in items}) >= 8
    joint = [i for i in items if i.joint_departments]
    assert len(joint) >= 5
    names = {i.name for i in joint}
    assert {"企业开办", "新生儿出生“一件事”", "餐饮店开办", "二手房转移登记"} <= names


def test_applications_in_every_state(db: Session) -> None:
    assert set(db.scalars(select(Application.status))) == {str(s) for s in Status}


def test_demo_certificates_verify_independently_and_a_changed_byte_fails(db: Session) -> None:
    from smartgov.services.certificates import signing

    key = load_pem_public_key(signing.public_key_pem().encode())
    certs = db.scalars(select(Certificate)).all()
    assert certs
    for cert in certs:
        key.verify(base64.b64decode(cert.signature), cert.payload.encode("utf-8"))
        changed = bytearray(cert.payload.encode("utf-8"))
        changed[-3] ^= 0x01
        with pytest.raises(InvalidSignature):
            key.verify(base64.b64decode(cert.signature), bytes(changed))
