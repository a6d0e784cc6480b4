"""附加信息: the definitions of a class's attributes and the check of the answers to them."""

from __future__ import annotations

import pytest
from starlette.datastructures import ImmutableMultiDict

from smartgov.cases.attributes import answer_lines, answers_in_form, checked_answers, definitions_of
from smartgov.cases.catalogue.service import CATEGORY_ATTRIBUTES
from smartgov.errors import ValidationFailed

COVER = [
    {"code": "cover_type", "description": "井盖类型", "datatype": "singlevaluelist", "required": True,
     "order": 1, "values": [{"key": "rain", "name": "雨水"}, {"key": "gas", "name": "燃气"}]},
    {"code": "kinds", "description": "垃圾种类", "datatype": "multivaluelist", "order": 2,
     "values": [{"key": "a", "name": "生活垃圾"}, {"key": "b", "name": "装修垃圾"}]},
    {"code": "lamps", "description": "不亮盏数", "datatype": "number", "order": 3},
    {"code": "seen", "description": "发现时间", "datatype": "datetime", "order": 4},
    {"code": "pole_no", "description": "灯杆编号", "datatype": "string", "order": 5},
    {"code": "note", "description": "说明", "datatype": "text", "order": 6, "required": True,
     "variable": False},
]


def _error(submitted: dict[str, list[str]]) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        checked_answers(COVER, submitted)
    return caught.value


def test_answers_are_kept_with_label_and_shown_value() -> None:
    answers = checked_answers(COVER, {"cover_type": ["gas"], "kinds": ["a", "b"], "lamps": ["3"],
                                      "seen": ["2026-11-30T09:30:00+08:00"], "pole_no": [" XC-01 "]})
    assert answers == [
        {"code": "cover_type", "label": "井盖类型", "values": ["gas"], "shown": "燃气"},
        {"code": "kinds", "label": "垃圾种类", "values": ["a", "b"], "shown": "生活垃圾、装修垃圾"},
        {"code": "lamps", "label": "不亮盏数", "values": ["3"], "shown": "3"},
        {"code": "seen", "label": "发现时间", "values": ["2026-11-30T09:30:00+08:00"],
         "shown": "2026-11-30T09:30:00+08:00"},
        {"code": "pole_no", "label": "灯杆编号", "values": ["XC-01"], "shown": "XC-01"},
    ]
    assert answer_lines(answers[:2]) == ["井盖类型：燃气", "垃圾种类：生活垃圾、装修垃圾"]


def test_required_answer_missing_or_blank_is_refused_in_chinese() -> None:
    for submitted in ({}, {"cover_type": [""]}, {"cover_type": ["  "]}):
        error = _error(submitted)
        assert error.code == "attribute_required" and error.message == "请填写「井盖类型」"
    assert checked_answers(COVER, {"cover_type": ["rain"]})[0]["shown"] == "雨水"  # the other side


def test_a_fixed_attribute_needs_no_answer() -> None:
    assert [a["code"] for a in checked_answers(COVER, {"cover_type": ["rain"]})] == ["cover_type"]


def test_unknown_code_is_refused() -> None:
    error = _error({"cover_type": ["rain"], "colour": ["红"]})
    assert error.code == "unknown_attribute" and "colour" in error.message


def test_value_outside_the_list_is_refused_with_the_choices() -> None:
    error = _error({"cover_type": ["sewer"]})
    assert error.code == "bad_attribute"
    assert error.message == "「井盖类型」的取值无效：sewer（可选：雨水、燃气）"


def test_single_value_list_takes_one_value_multi_value_list_several() -> None:
    assert _error({"cover_type": ["rain", "gas"]}).message == "「井盖类型」只能填写一项"
    assert _error({"cover_type": ["rain"], "pole_no": ["1", "2"]}).code == "bad_attribute"
    kept = checked_answers(COVER, {"cover_type": ["rain"], "kinds": ["a", "b"]})
    assert kept[1]["values"] == ["a", "b"]


@pytest.mark.parametrize(("code", "good", "bad", "word"), [
    ("lamps", "12.5", "三盏", "数字"),
    ("seen", "2026-11-30T09:30:00+08:00", "昨天晚上", "日期时间"),
])
def test_number_and_datetime_are_checked(code: str, good: str, bad: str, word: str) -> None:
    assert checked_answers(COVER, {"cover_type": ["rain"], code: [good]})[1]["values"] == [good]
    error = _error({"cover_type": ["rain"], code: [bad]})
    assert error.code == "bad_attribute" and word in error.message and bad in error.message


def test_a_class_without_attributes_takes_no_answers() -> None:
    assert checked_answers(None, {}) == [] and checked_answers([], {}) == []
    with pytest.raises(ValidationFailed):
        checked_answers(None, {"cover_type": ["rain"]})


def test_definitions_are_normalised_for_open311() -> None:
    raw = [{"code": "b", "datatype": "colour", "order": 2},
           {"code": "a", "datatype": "singlevaluelist", "order": "1",
            "values": ["大", {"key": "s", "name": "小"}]},
           "not an attribute"]
    assert definitions_of(raw) == [
        {"variable": True, "code": "a", "datatype": "singlevaluelist", "required": False,
         "datatype_description": None, "order": 1, "description": None,
         "values": [{"key": "大", "name": "大"}, {"key": "s", "name": "小"}]},
        {"variable": True, "code": "b", "datatype": "string", "required": False,
         "datatype_description": None, "order": 2, "description": None},
    ]


def test_form_fields_named_attribute_code_are_read() -> None:
    form = ImmutableMultiDict([("attribute[cover_type]", "rain"), ("attribute[kinds][]", "a"),
                               ("attribute[kinds][]", "b"), ("attribute[]", "x"), ("description", "d")])
    assert answers_in_form(form) == {"cover_type": ["rain"], "kinds": ["a", "b"]}


def test_demo_catalogue_attributes_are_answerable() -> None:
    """Every seeded class with attributes takes its first listed value for each list attribute."""
    assert set(CATEGORY_ATTRIBUTES) == {"0101", "0102", "0302", "0401", "1101", "1107", "1404", "1501"}
    for raw in CATEGORY_ATTRIBUTES.values():
        definitions = definitions_of(raw)
        assert all(d["description"] for d in definitions)  # every field has a Chinese label
        submitted = {d["code"]: [d["values"][0]["key"]] for d in definitions if "values" in d}
        submitted |= {d["code"]: ["1"] for d in definitions if "values" not in d}
        assert len(checked_answers(raw, submitted)) == len(definitions)
