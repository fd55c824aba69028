import io

import pytest
from openpyxl import load_workbook

from govhall.catalog import services, xlsx
from govhall.catalog.models import ServiceItem
from govhall.catalog.selectors import published_items
from govhall.catalog.tests.factories import item_data

pytestmark = pytest.mark.django_db


def _all_data():
    items = (
        published_items()
        .prefetch_related("topics", "materials", "situations__options__adds", "situations__options__removes")
        .order_by("code")
    )
    return [services.item_to_data(i) for i in items]


def _workbook(items):
    return load_workbook(io.BytesIO(xlsx.export_workbook(items)))


def _bytes(wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_round_trip_changes_nothing(demo):
    before = _all_data()
    count = ServiceItem.objects.count()
    result = xlsx.import_workbook(xlsx.export_workbook(before))
    assert result.created == [] and result.revised == []
    assert len(result.unchanged) == len(before) >= 60
    assert ServiceItem.objects.count() == count
    assert _all_data() == before


def test_good_file_creates_items(demo):
    content = xlsx.export_workbook(
        [
            services.normalize_item_data(item_data("XLSX-001")),
            services.normalize_item_data(item_data("XLSX-002", name="另一个事项")),
        ]
    )
    result = xlsx.import_workbook(content)
    assert result.created == ["XLSX-001", "XLSX-002"]
    item = published_items().get(code="XLSX-001")
    assert item.situations.get().options.get(label="是").adds.get().name == "租赁合同"


def test_sheet_uses_chinese_labels(demo):
    wb = _workbook([services.normalize_item_data(item_data())])
    ws = wb["事项"]
    header = [c.value for c in ws[1]]
    row = dict(zip(header, [c.value for c in ws[2]], strict=True))
    assert row["事项类型*"] == "行政许可"
    assert row["可容缺受理"] == "是"
    assert row["办理渠道"] == "网上办理、窗口办理"


def _bad(demo_items, mutate):
    wb = _workbook(demo_items)
    mutate(wb)
    before = ServiceItem.objects.count()
    with pytest.raises(xlsx.XlsxImportError) as exc:
        xlsx.import_workbook(_bytes(wb))
    assert ServiceItem.objects.count() == before, "a bad file must not be half-imported"
    return exc.value.errors


def _cell(wb, sheet, header):
    ws = wb[sheet]
    for i, c in enumerate(ws[1]):
        if str(c.value).rstrip("*") == header:
            return ws.cell(row=2, column=i + 1)
    raise AssertionError(header)


@pytest.fixture
def two_items():
    return [
        services.normalize_item_data(item_data("BAD-001")),
        services.normalize_item_data(item_data("BAD-002", name="第二个")),
    ]


def test_not_an_xlsx_file(demo):
    with pytest.raises(xlsx.XlsxImportError) as exc:
        xlsx.import_workbook(b"name,code\n1,2\n")
    assert ".xlsx" in str(exc.value.errors[0])


def test_missing_sheet(demo, two_items):
    errors = _bad(two_items, lambda wb: wb.remove(wb["材料"]))
    assert errors[0].sheet == "材料" and "缺少工作表" in errors[0].message


def test_missing_column(demo, two_items):
    errors = _bad(two_items, lambda wb: wb["事项"].delete_cols(5))  # 事项类型
    assert any(e.header == "事项类型" and "缺少列" in e.message for e in errors)


def test_bad_choice_names_sheet_row_and_column(demo, two_items):
    errors = _bad(two_items, lambda wb: setattr(_cell(wb, "事项", "事项类型"), "value", "行政审批"))
    [error] = errors
    assert (error.sheet, error.row, error.column, error.header) == ("事项", 2, "E", "事项类型")
    assert "不是可选值" in error.message
    assert str(error).startswith("“事项”表第2行E列（事项类型）")


def test_not_a_number(demo, two_items):
    errors = _bad(two_items, lambda wb: setattr(_cell(wb, "事项", "承诺时限（工作日）"), "value", "五天"))
    assert errors[0].header == "承诺时限（工作日）" and "整数" in errors[0].message


def test_bad_boolean(demo, two_items):
    errors = _bad(two_items, lambda wb: setattr(_cell(wb, "材料", "可容缺"), "value", "也许"))
    assert errors[0].sheet == "材料" and "是" in errors[0].message


def test_rule_violation_is_located(demo, two_items):
    # the first item's second row is promised 30 > statutory 20 days
    errors = _bad(two_items, lambda wb: setattr(_cell(wb, "事项", "承诺时限（工作日）"), "value", 30))
    [error] = errors
    assert (error.sheet, error.row, error.header) == ("事项", 2, "承诺时限（工作日）")
    assert "法定时限" in error.message


def test_deferrable_main_material_is_located_on_materials_sheet(demo, two_items):
    def mutate(wb):
        _cell(wb, "材料", "可容缺").value = "是"  # row 2 = 申请书, a main material

    errors = _bad(two_items, mutate)
    assert any(e.sheet == "材料" and e.row == 2 and e.header == "可容缺" for e in errors)


def test_material_of_unknown_item(demo, two_items):
    errors = _bad(two_items, lambda wb: setattr(_cell(wb, "材料", "实施编码"), "value", "NOPE"))
    assert errors[0].sheet == "材料" and "NOPE" in errors[0].message


def test_unknown_department(demo, two_items):
    errors = _bad(two_items, lambda wb: setattr(_cell(wb, "事项", "实施部门编码"), "value", "xx"))
    assert errors[0].header == "实施部门编码" and "不存在" in errors[0].message


def test_duplicate_code(demo, two_items):
    def mutate(wb):
        wb["事项"].cell(row=3, column=1, value="BAD-001")

    errors = _bad(two_items, mutate)
    assert any(e.row == 3 and "重复" in e.message for e in errors)


def test_situation_naming_an_unknown_material(demo, two_items):
    errors = _bad(two_items, lambda wb: setattr(_cell(wb, "情形", "增加材料"), "value", "不存在"))
    assert errors[0].sheet == "情形" and errors[0].header == "增加材料"


def test_every_error_is_reported_at_once(demo, two_items):
    def mutate(wb):
        _cell(wb, "事项", "事项类型").value = "错"
        _cell(wb, "材料", "原件份数").value = "-1"

    assert len(_bad(two_items, mutate)) == 2


def test_bad_application_form_cell_is_located(demo, two_items):
    errors = _bad(two_items, lambda wb: setattr(_cell(wb, "事项", "申请表字段"), "value", "经营场所|必填\n名称|颜色"))
    [error] = errors
    assert (error.sheet, error.row, error.header) == ("事项", 2, "申请表字段")
    assert "第1行：类型“必填”不支持" in error.message


def test_application_form_definition_rules_are_located(demo, two_items):
    errors = _bad(two_items, lambda wb: setattr(_cell(wb, "事项", "申请表字段"), "value", "业态|单选|必填"))
    assert any(e.header == "申请表字段" and "须列出选项" in e.message for e in errors)


def test_text_no_form_would_let_through_is_refused(demo, two_items):
    """Issue 13: text that cannot be stored and printed is refused at every door, the
    spreadsheet's included (a lone surrogate or a C0 control another tool wrote into the
    sheet's XML), and nothing is half-imported; a tab stays text."""
    before = ServiceItem.objects.count()
    for raw in (b"&#xD800;", b"&#x1b;", b"&#0;", b"\xed\xa0\x80"):  # the last: a surrogate in UTF-8
        errors = _errors_of(_with_cell_text(two_items, "事项名称", raw))
        assert errors and any("表格内容损坏" in e.message or "控制字符" in e.message for e in errors), raw
    assert ServiceItem.objects.count() == before
    errors = _errors_of(_with_cell_text(two_items, "事项名称", "名&#x9;称".encode()))
    assert not any("控制字符" in e.message or "损坏" in e.message for e in errors)


def _errors_of(content: bytes) -> list:
    try:
        xlsx.import_workbook(content, dry_run=True)
    except xlsx.XlsxImportError as exc:
        return exc.errors
    return []


def _with_cell_text(items, header: str, raw: bytes) -> bytes:
    """The exported workbook with ``raw`` written into the first item's cell under ``header``
    straight into the sheet's XML, as another tool might write it."""
    import zipfile

    wb = _workbook(items)
    _cell(wb, "事项", header).value = "MARKER-TEXT"
    source = zipfile.ZipFile(io.BytesIO(_bytes(wb)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename.startswith("xl/worksheets/"):
                data = data.replace(b"MARKER-TEXT", raw)
            target.writestr(entry, data)
    return out.getvalue()
