import pytest
from hypothesis import given
from hypothesis import strategies as st

from govhall.catalog import formfields
from govhall.catalog.formfields import clean_answers, definition_errors, from_lines, normalize_fields, to_lines

FIELDS = normalize_fields(
    [
        {"name": "经营者名称", "required": True},
        {"name": "从业人数", "type": "number"},
        {"name": "开业日期", "type": "date"},
        {"name": "主体业态", "type": "choice", "choices": ["食品销售经营者", "餐饮服务经营者"], "required": True},
        {"name": "经营项目", "type": "textarea", "help": "如：热食类食品制售"},
    ]
)


def test_answers_are_checked_field_by_field():
    clean, errors = clean_answers(FIELDS, {"经营者名称": " 张明小吃店 ", "主体业态": "餐饮服务经营者", "从业人数": "3"})
    assert errors == {}
    assert clean == {"经营者名称": "张明小吃店", "主体业态": "餐饮服务经营者", "从业人数": "3"}
    _, errors = clean_answers(FIELDS, {"从业人数": "三个", "开业日期": "2026-13-01", "主体业态": "网吧", "别的": "x"})
    assert errors == {
        "经营者名称": "必填",
        "从业人数": "应填写数字",
        "开业日期": "应填写日期，如2026-11-24",
        "主体业态": "应为以下之一：食品销售经营者、餐饮服务经营者",
        "别的": "申请表中没有这一项",
    }


def test_definition_errors():
    bad = normalize_fields(
        [{"name": "a"}, {"name": "a"}, {"name": "b", "type": "color"}, {"name": "c", "type": "choice"}, {"name": ""}]
    )
    errors = "；".join(definition_errors(bad))
    assert "字段“a”重复" in errors and "类型“color”不支持" in errors and "须列出选项" in errors and "名称为空" in errors
    assert definition_errors(FIELDS) == []


def test_spreadsheet_lines_round_trip():
    text = to_lines(FIELDS)
    assert text.splitlines()[3] == "主体业态|单选|必填|食品销售经营者、餐饮服务经营者"
    assert from_lines(text) == FIELDS
    with pytest.raises(ValueError, match="第1行：类型“颜色”不支持"):
        from_lines("名称|颜色|必填")
    with pytest.raises(ValueError, match="第2行：第三项应为"):
        from_lines("名称\n日期|日期|要填")


names = st.text(alphabet="营业执照经营场所名称人数日期abc", min_size=1, max_size=8)


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "name": names,
                "type": st.sampled_from(["text", "textarea", "number", "date"]),
                "required": st.booleans(),
                "help": st.text(alphabet="请填写说明", max_size=6),
            }
        ),
        max_size=6,
        unique_by=lambda f: f["name"],
    )
)
def test_any_valid_form_survives_the_spreadsheet(fields):
    fields = normalize_fields(fields)
    assert from_lines(to_lines(fields)) == fields


def test_types_have_chinese_labels():
    assert set(formfields.FIELD_TYPES) == {"text", "textarea", "number", "date", "choice"}
