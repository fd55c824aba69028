"""manage.py catalog_export and catalog_import: the admin page's rules from the command line."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from govhall.catalog import services, xlsx
from govhall.catalog.models import SearchDocument, ServiceItem
from govhall.catalog.selectors import item_get
from govhall.catalog.tests.factories import item_data

pytestmark = pytest.mark.django_db


def _run(name: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _snapshot():
    return (
        list(ServiceItem.objects.order_by("pk").values_list("pk", "code", "version", "status", "name")),
        SearchDocument.objects.count(),
    )


def test_export_then_import_changes_nothing(demo, tmp_path):
    path = tmp_path / "catalog.xlsx"
    out, _ = _run("catalog_export", str(path))
    published = ServiceItem.objects.filter(status="published").count()
    assert f"已导出 {published} 项" in out
    assert load_workbook(path).sheetnames == ["事项", "材料", "情形", "一件事", "一件事情形", "一件事共享"]
    before = _snapshot()
    out, _ = _run("catalog_import", str(path))
    assert f"新增 0 项，修订 0 项，未变化 {published} 项" in out
    assert _snapshot() == before


def test_import_creates_and_revises(demo, tmp_path):
    services.catalog_import([item_data("CLI-001")])
    path = tmp_path / "items.xlsx"
    path.write_bytes(
        xlsx.export_workbook(
            [
                services.normalize_item_data(item_data("CLI-001", name="改过名的事项")),
                services.normalize_item_data(item_data("CLI-002")),
            ]
        )
    )
    out, err = _run("catalog_import", str(path))
    assert "新增 CLI-002" in out and "修订 CLI-001" in out and "导入完成：新增 1 项，修订 1 项" in out and not err
    assert item_get("CLI-001").name == "改过名的事项" and item_get("CLI-001").version == 2


def test_dry_run_reports_and_writes_nothing(demo, tmp_path):
    services.catalog_import([item_data("CLI-003")])
    path = tmp_path / "items.xlsx"
    path.write_bytes(
        xlsx.export_workbook(
            [
                services.normalize_item_data(item_data("CLI-003", promised_days=3)),
                services.normalize_item_data(item_data("CLI-004")),
            ]
        )
    )
    before = _snapshot()
    out, _ = _run("catalog_import", str(path), "--dry-run")
    assert "将新增 CLI-004" in out and "将修订 CLI-003" in out
    assert "未写入" in out and "新增 1 项，修订 1 项，未变化 0 项" in out
    assert _snapshot() == before


def test_a_failing_import_prints_every_error_and_leaves_the_database_unchanged(demo, tmp_path):
    wb = load_workbook(
        io.BytesIO(
            xlsx.export_workbook(
                [
                    services.normalize_item_data(item_data("CLI-005")),  # good on its own
                    services.normalize_item_data(item_data("CLI-006", name="第二个")),
                ]
            )
        )
    )
    wb["事项"]["E3"] = "行政审批"  # 事项类型 of the second item
    wb["材料"]["G2"] = "-1"  # 原件份数 of the first item's first material
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    before = _snapshot()
    for args in ([str(path)], [str(path), "--dry-run"]):
        err = io.StringIO()
        with pytest.raises(CommandError) as exc:
            call_command("catalog_import", *args, stdout=io.StringIO(), stderr=err)
        assert exc.value.returncode == 1 and "2 处问题" in str(exc.value)
        lines = err.getvalue().splitlines()
        assert lines == [
            "“事项”表第3行E列（事项类型）：“行政审批”不是可选值（可选：行政许可、行政确认、行政给付、行政裁决、其他行政权力、公共服务）",
            "“材料”表第2行G列（原件份数）：应为非负整数，实际为“-1”",
        ]
    assert _snapshot() == before
    assert not ServiceItem.objects.filter(code__startswith="CLI-").exists()


def test_a_rule_broken_deep_in_one_item_stops_the_whole_file(demo, tmp_path):
    path = tmp_path / "items.xlsx"
    path.write_bytes(
        xlsx.export_workbook(
            [
                services.normalize_item_data(item_data("CLI-007")),
                services.normalize_item_data(item_data("CLI-008", promised_days=30)),  # > statutory 20
            ]
        )
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("catalog_import", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith("“事项”表第3行")
    assert "法定时限" in err.getvalue()
    assert not ServiceItem.objects.filter(code="CLI-007").exists()


def test_missing_and_unreadable_files(demo, tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("catalog_import", str(tmp_path / "none.xlsx"))
    assert "无法读取文件" in str(exc.value)
    (tmp_path / "notes.txt").write_text("实施编码,名称\n")
    with pytest.raises(CommandError):
        call_command("catalog_import", str(tmp_path / "notes.txt"), stderr=io.StringIO())
    with pytest.raises(CommandError) as exc:
        call_command("catalog_export", str(tmp_path / "no-such-dir" / "out.xlsx"))
    assert "无法写入文件" in str(exc.value)
