"""Import of 专网办件 from .xlsx and CSV: good files import in one go, bad rows are reported by
row and column and nothing is half-imported; open imported cases are swept like cases."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from conftest import login
from django.core.files.uploadedfile import SimpleUploadedFile

from govhall.cases.tests import factories as f
from govhall.catalog.models import ServiceItem
from govhall.supervision import imports
from govhall.supervision.models import Alert, ImportedCase, Level, Subject
from govhall.supervision.selectors import imported_cases
from govhall.supervision.services import sweep_run

pytestmark = pytest.mark.django_db

HEADER = [
    "办件编号",
    "事项编码",
    "申请人",
    "申请人类型",
    "申请渠道",
    "受理时间",
    "承诺时限(工作日)",
    "到期日",
    "办结时间",
    "状态",
]


def csv_bytes(rows, header=HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def good_rows():
    return [
        ["SC-2025-0001", f.FOOD, "王五", "自然人", "窗口受理", "2025-09-22 09:30", "5", "", "", "已受理（审查中）"],
        [
            "SC-2025-0002",
            f.FOOD,
            "西安某某餐饮有限公司",
            "法人",
            "网上申请",
            "2025-09-01 10:00",
            "",
            "2025-09-10",
            "2025-09-09 16:00",
            "已送达",
        ],
        [
            "SC-2025-0003",
            f.COMPANY,
            "西安某某科技有限公司",
            "legal",
            "",
            "2025-09-25",
            "",
            "2025-10-09",
            "",
            "accepted",
        ],
    ]


def test_a_good_csv_imports_every_row(demo):
    batch = imports.cases_import(actor=f.user("supervisor"), name="专网.csv", content=csv_bytes(good_rows()))
    assert (batch.rows, batch.created, batch.updated) == (3, 3, 0)
    first = ImportedCase.objects.get(external_number="SC-2025-0001")
    item = ServiceItem.objects.get(code=f.FOOD)
    assert (first.item, first.department, first.region_id) == (item, item.department, item.department.region_id)
    assert (first.channel, first.state, first.limit_workdays, first.concluded_at) == ("window", "accepted", 5, None)
    # 5 working days from Monday 2025-09-22: 23, 24, 25, 26, 28 (the Sunday worked for National Day)
    assert first.due_date == dt.date(2025, 9, 28)
    second = ImportedCase.objects.get(external_number="SC-2025-0002")
    assert (second.applicant_kind, second.channel, second.state) == ("legal", "online", "delivered")
    assert second.concluded_at is not None
    assert imported_cases().count() == 3
    assert imported_cases(f.user("supervisor")).count() == 3
    assert imported_cases(f.user("reviewer")).count() == 0  # not a board role


def test_reimport_updates_by_department_and_number(demo):
    imports.cases_import(actor=f.user("supervisor"), name="a.csv", content=csv_bytes(good_rows()))
    rows = good_rows()[:1]
    rows[0][8], rows[0][9] = "2025-09-26 15:00", "已送达"
    batch = imports.cases_import(actor=f.user("supervisor"), name="b.csv", content=csv_bytes(rows))
    assert (batch.created, batch.updated) == (0, 1)
    assert ImportedCase.objects.get(external_number="SC-2025-0001").state == "delivered"
    assert ImportedCase.objects.count() == 3


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(demo):
    rows = [
        *good_rows(),
        ["", "no-such-item", "", "外星人", "飞鸽", "昨天", "abc", "2025-13-40", "", "不存在"],
        ["SC-2025-0001", f.FOOD, "赵六", "自然人", "", "2025-09-22 09:30", "", "", "", "已受理（审查中）"],
        ["SC-2025-0005", f.FOOD, "赵六", "自然人", "", "2025-09-22 09:30", "5", "", "", "已送达"],
        ["SC-2025-0006", f.FOOD, "赵六", "自然人", "", "2025-09-22 09:30", "5", "", "2025-09-20 10:00", "不予许可"],
    ]
    with pytest.raises(imports.ImportRejected) as caught:
        imports.cases_import(actor=f.user("supervisor"), name="bad.csv", content=csv_bytes(rows))
    found = {(e.row, e.column) for e in caught.value.errors}
    assert {
        (5, "办件编号"),
        (5, "事项编码"),
        (5, "申请人"),
        (5, "申请人类型"),
        (5, "申请渠道"),
        (5, "受理时间"),
        (5, "承诺时限(工作日)"),
        (5, "到期日"),
        (5, "状态"),
        (6, "办件编号"),  # repeats row 2
        (6, "承诺时限(工作日)"),  # open without a limit or due date
        (7, "办结时间"),  # delivered needs its conclusion time
        (8, "办结时间"),  # concluded before it was accepted
    } <= found
    messages = {(e.row, e.column): e.message for e in caught.value.errors}
    assert messages[(6, "办件编号")] == "与第2行重复"
    assert "事项目录中没有编码为no-such-item的事项" == messages[(5, "事项编码")]
    assert ImportedCase.objects.count() == 0  # not even the good rows


def test_file_level_errors(demo):
    supervisor = f.user("supervisor")
    for name, content, message in [
        ("a.txt", b"x", "请上传 .xlsx 或 .csv 文件"),
        ("a.csv", b"", "文件是空的"),
        ("a.xlsx", b"not a workbook", "无法读取 .xlsx 文件"),
        ("a.csv", csv_bytes([], header=["办件编号", "申请人"]), "缺少此列"),
    ]:
        with pytest.raises(imports.ImportRejected) as caught:
            imports.cases_import(actor=supervisor, name=name, content=content)
        assert message in str(caught.value.errors[0])


def test_gbk_csv_and_xlsx(demo):
    from openpyxl import Workbook

    batch = imports.cases_import(
        actor=f.user("supervisor"), name="gbk.csv", content=csv_bytes(good_rows()[:1], encoding="gb18030")
    )
    assert batch.created == 1
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(
        [
            "X-1",
            f.FOOD,
            "钱七",
            "自然人",
            "窗口受理",
            dt.datetime(2025, 9, 22, 9, 30),
            5,
            None,
            None,
            "已受理（审查中）",
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    batch = imports.cases_import(actor=f.user("supervisor"), name="x.xlsx", content=buffer.getvalue())
    assert batch.created == 1
    assert ImportedCase.objects.get(external_number="X-1").due_date == dt.date(2025, 9, 28)


def test_open_imported_cases_are_swept(demo):
    imports.cases_import(actor=f.user("supervisor"), name="a.csv", content=csv_bytes(good_rows()))
    sweep_run(today=dt.date(2025, 9, 30))
    found = {a.imported.external_number: a.level for a in Alert.objects.filter(subject=Subject.IMPORTED)}
    # 0001 was due 09-28: overdue; 0002 concluded: none; 0003 due 10-09, 1 working day left: red
    assert found == {"SC-2025-0001": Level.OVERDUE, "SC-2025-0003": Level.RED}
    assert sweep_run(today=dt.date(2025, 9, 30)).total == 0


def test_import_page_and_api(client, bearer, demo):
    login(client, "supervisor")
    assert client.get("/supervision/import/").status_code == 200
    upload = SimpleUploadedFile("a.csv", csv_bytes(good_rows()), content_type="text/csv")
    assert client.post("/supervision/import/", {"file": upload}).status_code == 302
    assert ImportedCase.objects.count() == 3
    bad = SimpleUploadedFile(
        "b.csv", csv_bytes([["Y", "nope", "a", "自然人", "", "2025-09-01", "3", "", "", "已受理（审查中）"]])
    )
    response = client.post("/supervision/import/", {"file": bad})
    assert response.status_code == 422
    assert "第2行" in response.content.decode() and "事项编码" in response.content.decode()
    assert client.get("/supervision/import/template.csv").status_code == 200
    # API: 201, 422 with the rows, 403 for other roles
    headers = bearer("supervisor")
    ok = SimpleUploadedFile("c.csv", csv_bytes(good_rows()[:1]), content_type="text/csv")
    r = client.post("/api/v1/supervision/imports", {"file": ok}, headers=headers)
    assert r.status_code == 201 and r.json()["updated"] == 1
    bad = SimpleUploadedFile(
        "d.csv", csv_bytes([["Y", "nope", "a", "自然人", "", "2025-09-01", "3", "", "", "accepted"]])
    )
    r = client.post("/api/v1/supervision/imports", {"file": bad}, headers=headers)
    assert r.status_code == 422
    assert r.json()["code"] == "import_rejected"
    assert r.json()["detail"]["errors"][0] == {
        "row": 2,
        "column": "事项编码",
        "message": "事项目录中没有编码为nope的事项",
    }
    ok = SimpleUploadedFile("e.csv", csv_bytes(good_rows()[:1]), content_type="text/csv")
    r = client.post("/api/v1/supervision/imports", {"file": ok}, headers=bearer("reviewer"))
    assert r.status_code == 403


@pytest.mark.parametrize("username", ["reviewer", "manager", "citizen"])
def test_import_page_refuses_other_roles(client, demo, username):
    assert login(client, username).get("/supervision/import/").status_code == 403


def test_the_demo_loads_a_board_with_warnings_an_import_and_a_bulletin(client, demo):
    from govhall.supervision import demo as supervision_demo
    from govhall.supervision.models import Bulletin

    made = supervision_demo.load()
    assert made["imported"] == 8 and made["bulletin"]
    assert {a.level for a in Alert.objects.filter(subject=Subject.IMPORTED)} == {Level.OVERDUE, Level.RED, Level.YELLOW}
    again = supervision_demo.load()  # idempotent
    assert "imported" not in again and "bulletin" not in again and again["warnings"] == 0
    assert Bulletin.objects.count() == 1
    page = login(client, "supervisor").get("/supervision/").content.decode()
    assert "ZW-SCJG-0001" in page and "刘*" in page and "刘德明" not in page
