"""The dashboard's figures as a workbook (openpyxl): one sheet per chart, the filter and the
definitions on the first. Numbers are numbers (rates as fractions formatted as %), so the
workbook can be summed and charted again. No personal data: statistics are counts."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from govhall.stats.selectors import Figures

PERCENT = "0.0%"
BASIS = {"item": "按事项", "case": "按办件"}


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], percent_columns=()) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), fill
    for row in rows:
        ws.append(row)
    for column in percent_columns:
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = PERCENT
    for i, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(name) * 2 + 4)
    ws.freeze_panes = "A2"


def export(figures: Figures) -> bytes:
    f = figures.filter
    t = figures.timeliness
    wb = Workbook()
    wb.remove(wb.active)
    summary = [
        ["统计区间", f"{f.start:%Y-%m-%d} 至 {f.end:%Y-%m-%d}"],
        ["区划", f"{f.region.name}（{f.region.code}）及下级" if f.region else "全部"],
        ["部门", f.department.name if f.department else "全部"],
        ["办件量（件）", figures.total],
        ["其中专网导入（件）", figures.imported_total if figures.imported_included else "未接入"],
        ["办结量（件）", t["decided"]],
        ["平均用时（工作日）", t["average_workdays"]],
        ["平均法定时限（工作日）", t["average_statutory_days"]],
        ["平均承诺时限（工作日）", t["average_promised_days"]],
        ["提速率", t["speedup_rate"]],
        ["承诺时限压缩率（办结件）", t["promise_compression_rate"]],
        ["承诺时限压缩率（事项）", t["catalogue_compression_rate"]],
        ["按期办结率", t["on_time_rate"]],
        ["超期办结（件）", figures.overdue["decided_late"]],
        ["当前超期未办结（件）", figures.overdue["open_overdue"]],
        ["容缺受理办件（件）", figures.deferrals["cases"]],
        ["容缺材料（份）", figures.deferrals["materials"]],
        ["容缺材料逾期未补齐（份）", figures.deferrals["overdue"]],
        ["评价数（件）", figures.satisfaction["total"] if figures.satisfaction else "未接入"],
        ["满意率", figures.satisfaction["rate"] if figures.satisfaction else "未接入"],
        ["统计时间", f"{figures.today:%Y-%m-%d}" if figures.today else ""],
    ]
    ws = wb.create_sheet("概览")
    ws.append(["指标", "数值"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for label, value in summary:
        ws.append([label, value])
        if "率" in label and isinstance(value, float):
            ws.cell(row=ws.max_row, column=2).number_format = PERCENT
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 30
    for row in ws.iter_rows(min_row=2):
        row[1].alignment = Alignment(horizontal="left")

    _sheet(wb, "每日办件量", ["日期", "办件量（件）"], [[d["date"], d["count"]] for d in figures.by_day])
    for row in wb["每日办件量"].iter_rows(min_row=2, max_col=1):
        row[0].number_format = "yyyy-mm-dd"
    _sheet(wb, "渠道", ["渠道", "办件量（件）"], [[c["label"], c["count"]] for c in figures.channels])
    _sheet(
        wb,
        "部门",
        ["部门", "部门编码", "办件量（件）", "办结（件）", "超期办结（件）", "当前超期（件）", "平均用时（工作日）"],
        [
            [d["name"], d["code"], d["count"], d["decided"], d["late"], d["open_overdue"], d["average_workdays"]]
            for d in figures.departments
        ],
    )
    _sheet(
        wb, "事项", ["事项", "实施编码", "办件量（件）"], [[i["name"], i["code"], i["count"]] for i in figures.items]
    )
    _sheet(
        wb,
        "比率",
        ["指标", "口径", "分子", "分母", "比率"],
        [[r.label, BASIS[r.basis], r.numerator, r.denominator, r.rate] for r in figures.rates],
        percent_columns=(5,),
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
