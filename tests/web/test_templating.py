"""The shared page helpers: time limits in words, messages without their English gloss."""

from __future__ import annotations

import pytest

from smartgov.errors import Forbidden
from smartgov.web.forms import error_text
from smartgov.web.templating import for_people
from smartgov.workclock.limits import limit_label


@pytest.mark.parametrize(
    ("code", "label"),
    [("1wd", "1个工作日"), ("4wh", "4个工作时"), ("24h", "24小时"), ("2d", "2自然日"),
     ("1.5wh", "1.5个工作时")],
)
def test_limits_read_in_words(code: str, label: str) -> None:
    assert limit_label(code) == label


def test_a_limit_that_is_not_one_is_shown_as_it_is() -> None:
    assert limit_label("永久") == "永久" and limit_label(None) == "" and limit_label("") == ""


def test_english_glosses_are_removed_for_people() -> None:
    assert for_people("当前账号无权执行此操作 (your role may not do this)") == "当前账号无权执行此操作"
    assert for_people("输入有误（invalid input）") == "输入有误"
    kept = "时限单位 wh(工作时)/wd(工作日)"  # brackets that are not English only stay
    assert for_people(kept) == kept
    assert error_text(Forbidden("无权查看 (forbidden)")) == "无权查看"
