"""Import and export of items: a round trip, and a bad row that changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from smartgov.errors import ValidationFailed
from smartgov.services.catalogue import transfer
from smartgov.services.models import ServiceItem
from tests.services.conftest import World


def _count(world: World) -> int:
    return world.session.scalar(select(func.count()).select_from(ServiceItem))


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_export_then_import_makes_the_next_version(world: World, kind: str) -> None:
    content = transfer.export_csv(world.session) if kind == "csv" else transfer.export_xlsx(world.session)
    before = _count(world)
    n = transfer.import_items(
        world.session, content, f"items.{kind}", principal=world.p("lead"), publish=True
    )
    assert n == 2 and _count(world) == before + 2
    joint = world.session.scalar(
        select(ServiceItem).where(ServiceItem.name == "企业开办", ServiceItem.status == "published")
    )
    assert joint.version == 2 and [j["code"] for j in joint.joint_departments] == ["tax", "gongan", "renshe"]
    assert world.item.status == "retired"


def test_a_bad_row_changes_nothing_and_says_which_and_why(world: World) -> None:
    rows = list(csv.reader(io.StringIO(transfer.export_csv(world.session).decode("utf-8-sig"))))
    header = rows[0]
    rows[2][header.index("承诺办结时限")] = "99"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    before = _count(world)
    with pytest.raises(ValidationFailed) as caught:
        transfer.import_items(
            world.session, out.getvalue().encode(), "items.csv", principal=world.p("lead"), publish=True
        )
    assert caught.value.message.startswith("第3行：承诺办结时限")
    assert _count(world) == before


def test_bad_json_and_missing_columns(world: World) -> None:
    with pytest.raises(ValidationFailed, match="缺少列"):
        transfer.import_items(
            world.session, "事项名称\n测试\n".encode(), "x.csv", principal=world.p("lead"), publish=False
        )
    content = (
        "基本编码,实施编码,事项名称,实施主体编码,事项类型,法定办结时限,承诺办结时限,申请材料\n"
        "1,X1,测试,shichang,行政许可,5,3,[oops\n"
    ).encode()
    with pytest.raises(ValidationFailed, match="第2行「申请材料」不是有效的 JSON"):
        transfer.import_items(world.session, content, "x.csv", principal=world.p("lead"), publish=False)
