"""The catalogue as a spreadsheet: sheets 事项 (items), 材料 (materials), 情形 (situations),
and for bundles (一件事) 一件事 (one row per member), 一件事情形 (one row per answer) and
一件事共享 (declared shared fields and materials). The bundle sheets are optional: a
workbook without them imports items only.

Service centres keep their lists in spreadsheets, so cells hold what a person types:
Chinese labels for choices (行政许可, 全程网办), 是/否 for flags, 、 between list
values, one "环节：说明" per line for steps and one material name per line in the
situation sheet. Parsing reports every bad cell as sheet + row + column; the import
itself (services.catalog_import) is all-or-nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from govhall.catalog import formfields
from govhall.catalog.models import (
    Bundle,
    Channel,
    DeliveryMode,
    ItemKind,
    LifeStage,
    MaterialRequirement,
    OnlineDepth,
    Region,
    ResultType,
    ServiceItem,
)
from govhall.catalog.selectors import published_items
from govhall.catalog.services import (
    BundleData,
    CatalogImportError,
    ImportResult,
    ItemData,
    bundle_import,
    bundle_to_data,
    catalog_import,
    item_to_data,
)
from govhall.core import text as core_text

ITEMS_SHEET, MATERIALS_SHEET, SITUATIONS_SHEET = "事项", "材料", "情形"


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    kind: str = "text"  # text, int, bool, choice, choices, steps, lines, codes, formfields
    choices: Any = None
    required: bool = False


ITEM_COLUMNS = [
    Column("code", "实施编码", required=True),
    Column("base_code", "基本编码", required=True),
    Column("name", "事项名称", required=True),
    Column("aliases", "别名"),
    Column("kind", "事项类型", "choice", ItemKind, True),
    Column("department", "实施部门编码", required=True),
    Column("region_level", "行使层级", "choice", Region.Level),
    Column("applicant_type", "服务对象", "choice", ServiceItem.ApplicantType, True),
    Column("topics", "主题编码", "codes"),
    Column("legal_basis", "设定依据", required=True),
    Column("conditions", "受理条件", required=True),
    Column("review_points", "审查要点", "lines"),
    Column("statutory_days", "法定时限（工作日）", "int", required=True),
    Column("promised_days", "承诺时限（工作日）", "int", required=True),
    Column("extension_days", "可延长时限（工作日）", "int"),
    Column("is_instant", "即办件", "bool"),
    Column("green_channel", "绿色通道事项", "bool"),
    Column("green_days", "绿色通道承诺时限（工作日）", "int"),
    Column("max_visits", "到现场次数", "int"),
    Column("online_depth", "网办深度", "choice", OnlineDepth, True),
    Column("channels", "办理渠道", "choices", Channel),
    Column("nearby", "可就近办", "bool"),
    Column("is_free", "不收费", "bool"),
    Column("fee_description", "收费标准"),
    Column("fee_basis", "收费依据"),
    Column("result_type", "结果类型", "choice", ResultType, True),
    Column("result_name", "结果名称", required=True),
    Column("licence_type_code", "证照类型代码"),
    Column("delivery_modes", "送达方式", "choices", DeliveryMode),
    Column("steps", "办理流程", "steps"),
    Column("hall_location", "办理地点"),
    Column("window", "办理窗口"),
    Column("enquiry_phone", "咨询电话"),
    Column("complaint_phone", "监督投诉电话"),
    Column("service_hours", "办理时间"),
    Column("form_fields", "申请表字段", "formfields"),
    Column("deferral_allowed", "可容缺受理", "bool"),
    Column("deferral_days", "容缺补齐时限（工作日）", "int"),
    Column("commitment_allowed", "可告知承诺", "bool"),
]
MATERIAL_COLUMNS = [
    Column("item", "实施编码", required=True),
    Column("name", "材料名称", required=True),
    Column("required", "必要", "bool"),
    Column("is_main", "主要材料", "bool"),
    Column("deferrable", "可容缺", "bool"),
    Column("conditional", "仅特定情形提交", "bool"),
    Column("originals", "原件份数", "int"),
    Column("copies", "复印件份数", "int"),
    Column("form", "材料形式", "choice", MaterialRequirement.Form),
    Column("source", "来源渠道", "choice", MaterialRequirement.Source),
    Column("licence_type", "对应证照"),
    Column("notes", "填报须知"),
]
SITUATION_COLUMNS = [
    Column("item", "实施编码", required=True),
    Column("question", "情形问题", required=True),
    Column("help_text", "说明"),
    Column("label", "答案", required=True),
    Column("adds", "增加材料", "lines"),
    Column("removes", "免交材料", "lines"),
]
SHEETS = {ITEMS_SHEET: ITEM_COLUMNS, MATERIALS_SHEET: MATERIAL_COLUMNS, SITUATIONS_SHEET: SITUATION_COLUMNS}

BUNDLES_SHEET, BUNDLE_SITUATIONS_SHEET, BUNDLE_SHARED_SHEET = "一件事", "一件事情形", "一件事共享"
# One row per member; the bundle's own columns are read from its first row (later rows may
# leave them empty, and must agree when they do not).
BUNDLE_OWN_COLUMNS = [
    Column("code", "一件事编码", required=True),
    Column("name", "一件事名称"),
    Column("aliases", "群众说法"),
    Column("description", "简介"),
    Column("applicant_type", "服务对象", "choice", ServiceItem.ApplicantType),
    Column("life_stage", "人生阶段/企业阶段", "choice", LifeStage),
    Column("guide", "办事指南"),
    Column("window", "办理窗口"),
    Column("hall_location", "办理地点"),
    Column("enquiry_phone", "咨询电话"),
]
BUNDLE_COLUMNS = [
    *BUNDLE_OWN_COLUMNS,
    Column("item_code", "事项实施编码", required=True),
    Column("required", "必办", "bool"),
    Column("note", "事项说明"),
]
BUNDLE_SITUATION_COLUMNS = [
    Column("bundle", "一件事编码", required=True),
    Column("question", "情形问题", required=True),
    Column("help_text", "说明"),
    Column("label", "答案", required=True),
    Column("includes", "需办理事项", "lines"),
    Column("excludes", "无需办理事项", "lines"),
]
_SHARED_KINDS = {"字段": "fields", "材料": "materials"}
BUNDLE_SHARED_COLUMNS = [
    Column("bundle", "一件事编码", required=True),
    Column("kind", "类型（字段/材料）", required=True),
    Column("name", "共享名称", required=True),
    Column("targets", "对应事项（每行“事项实施编码：名称”）", "lines"),
]
BUNDLE_SHEETS = {
    BUNDLES_SHEET: BUNDLE_COLUMNS,
    BUNDLE_SITUATIONS_SHEET: BUNDLE_SITUATION_COLUMNS,
    BUNDLE_SHARED_SHEET: BUNDLE_SHARED_COLUMNS,
}
_TRUE, _FALSE = {"是", "y", "yes", "true", "1", "√"}, {"否", "n", "no", "false", "0", ""}


@dataclass(frozen=True)
class SheetError:
    sheet: str
    row: int
    column: str  # letter, "" when the error concerns the whole row
    header: str
    message: str

    def __str__(self) -> str:
        where = f"“{self.sheet}”表第{self.row}行"
        if self.column:
            where += f"{self.column}列（{self.header}）"
        return f"{where}：{self.message}"

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "header": self.header,
            "message": self.message,
        }


class XlsxImportError(Exception):
    def __init__(self, errors: list[SheetError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


# ---------------------------------------------------------------- cells <-> values


def _to_cell(column: Column, value: Any) -> Any:
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "choice":
        return column.choices(value).label if value else ""
    if column.kind == "choices":
        return "、".join(column.choices(v).label for v in value)
    if column.kind == "codes":
        return "、".join(value)
    if column.kind == "lines":
        return "\n".join(value)
    if column.kind == "steps":
        return "\n".join(f"{s['name']}：{s.get('description', '')}".rstrip("：") for s in value)
    if column.kind == "formfields":
        return formfields.to_lines(value)
    return value


def _from_cell(column: Column, raw: Any) -> Any:
    """Parse one cell; raises ValueError with a message for the person who typed it."""
    text = "" if raw is None else str(raw).strip()
    unusable = core_text.problem(text)  # a file may hold what no form would let through
    if unusable:
        raise ValueError(unusable)
    if column.required and not text:
        raise ValueError("必填项不能为空")
    if column.kind == "text":
        return text
    if column.kind == "int":
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"应为整数，实际为“{text}”") from None
        if number != int(number) or number < 0:
            raise ValueError(f"应为非负整数，实际为“{text}”")
        return int(number)
    if column.kind == "bool":
        if not text:
            return None  # the item's default applies
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(f"应填“是”或“否”，实际为“{text}”")
    labels = {c.label: c.value for c in column.choices} if column.choices else {}
    values = set(labels.values())

    def choice(word: str) -> str:
        if word in labels:
            return labels[word]
        if word in values:
            return word
        raise ValueError(f"“{word}”不是可选值（可选：{'、'.join(labels)}）")

    parts = [p.strip() for p in text.replace("，", "、").replace(",", "、").split("、") if p.strip()]
    if column.kind == "choice":
        return choice(text) if text else None
    if column.kind == "choices":
        return [choice(p) for p in parts]
    if column.kind == "codes":
        return parts
    if column.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    if column.kind == "formfields":
        return formfields.from_lines(text)
    if column.kind == "steps":
        steps = []
        for line in (x.strip() for x in text.splitlines()):
            if line:
                name, _, description = line.replace(":", "：", 1).partition("：")
                steps.append({"name": name.strip(), "description": description.strip()})
        return steps
    raise AssertionError(column.kind)


# ---------------------------------------------------------------- export


def export_published() -> bytes:
    """The published catalogue as a workbook (what the admin's 导出 and ``catalog_export`` write):
    importing it back changes nothing."""
    items = (
        published_items()
        .prefetch_related("topics", "materials", "situations__options__adds", "situations__options__removes")
        .order_by("code")
    )
    published = (
        Bundle.objects.filter(status=Bundle.Status.PUBLISHED)
        .prefetch_related(
            "members", "situations__options__includes", "situations__options__excludes", "fields", "shared_materials"
        )
        .order_by("code")
    )
    return export_workbook([item_to_data(i) for i in items], [bundle_to_data(b) for b in published])


def _bundle_rows(bundles: list[BundleData]) -> dict[str, list[list[Any]]]:
    rows: dict[str, list[list[Any]]] = {title: [] for title in BUNDLE_SHEETS}
    for data in bundles:
        for member in data["members"]:
            rows[BUNDLES_SHEET].append(
                [
                    *[_to_cell(c, data[c.field]) for c in BUNDLE_OWN_COLUMNS],
                    member["item_code"],
                    "是" if member["required"] else "否",
                    member["note"],
                ]
            )
        for situation in data["situations"]:
            for option in situation["options"]:
                rows[BUNDLE_SITUATIONS_SHEET].append(
                    [
                        data["code"],
                        situation["question"],
                        situation["help_text"],
                        option["label"],
                        "\n".join(option["includes"]),
                        "\n".join(option["excludes"]),
                    ]
                )
        for label, key in _SHARED_KINDS.items():
            for shared in data[key]:
                rows[BUNDLE_SHARED_SHEET].append(
                    [
                        data["code"],
                        label,
                        shared["name"],
                        "\n".join(f"{code}：{name}" for code, name in shared["targets"].items()),
                    ]
                )
    return rows


def export_workbook(items: list[ItemData], bundles: list[BundleData] | None = None) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    rows: dict[str, list[list[Any]]] = {ITEMS_SHEET: [], MATERIALS_SHEET: [], SITUATIONS_SHEET: []}
    for data in items:
        rows[ITEMS_SHEET].append([_to_cell(c, data[c.field]) for c in ITEM_COLUMNS])
        for m in data["materials"]:
            rows[MATERIALS_SHEET].append([data["code"], *[_to_cell(c, m[c.field]) for c in MATERIAL_COLUMNS[1:]]])
        for s in data["situations"]:
            for o in s["options"]:
                rows[SITUATIONS_SHEET].append(
                    [
                        data["code"],
                        s["question"],
                        s["help_text"],
                        o["label"],
                        "\n".join(o["adds"]),
                        "\n".join(o["removes"]),
                    ]
                )
    sheets = dict(SHEETS)
    if bundles is not None:
        rows.update(_bundle_rows(bundles))
        sheets.update(BUNDLE_SHEETS)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for title, columns in sheets.items():
        ws = wb.create_sheet(title)
        ws.append([c.header + ("*" if c.required else "") for c in columns])
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True), header_fill
        for row in rows[title]:
            ws.append(row)
        for i, c in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = (
                40
                if c.kind in ("steps", "lines", "formfields")
                or c.field in ("legal_basis", "conditions", "name", "description", "item_code")
                else 16
            )
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- import


@dataclass
class _Located:
    data: ItemData
    row: int
    material_rows: list[int]
    situation_rows: list[list[int]]  # per situation, per option


def _read_sheet(
    wb, title: str, errors: list[SheetError], *, optional: bool = False
) -> list[tuple[int, dict[str, Any]]]:
    columns = SHEETS.get(title) or BUNDLE_SHEETS[title]
    if optional and title not in wb.sheetnames:
        return []
    if title not in wb.sheetnames:
        errors.append(SheetError(title, 0, "", "", f"缺少工作表“{title}”"))
        return []
    ws = wb[title]
    header_row = [str(c.value or "").strip().rstrip("*") for c in next(ws.iter_rows(min_row=1, max_row=1))]
    positions = {}
    for column in columns:
        if column.header not in header_row:
            errors.append(SheetError(title, 1, "", column.header, f"缺少列“{column.header}”"))
        else:
            positions[column.field] = header_row.index(column.header)
    if len(positions) < len(columns):
        return []
    out = []
    for row_number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        values: dict[str, Any] = {}
        for column in columns:
            index = positions[column.field]
            raw = row[index] if index < len(row) else None
            try:
                values[column.field] = _from_cell(column, raw)
            except ValueError as exc:
                errors.append(SheetError(title, row_number, get_column_letter(index + 1), column.header, str(exc)))
        out.append((row_number, values))
    return out


def _damaged(exc: Exception) -> XlsxImportError:
    """A sheet that opens but cannot be read (a cell the XML cannot hold, a broken part)."""
    message = f"表格内容损坏，无法读取，请用 Excel 或 WPS 另存后重新上传（{exc.__class__.__name__}）"
    return XlsxImportError([SheetError("", 0, "", "", message)])


def parse_workbook(content: bytes) -> list[_Located]:
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise XlsxImportError(
            [SheetError("", 0, "", "", f"无法读取文件，请上传 .xlsx 格式的表格（{exc.__class__.__name__}）")]
        ) from None
    errors: list[SheetError] = []
    try:  # read-only workbooks parse the sheets' XML lazily, here
        item_rows = _read_sheet(wb, ITEMS_SHEET, errors)
        material_rows = _read_sheet(wb, MATERIALS_SHEET, errors)
        situation_rows = _read_sheet(wb, SITUATIONS_SHEET, errors)
    except Exception as exc:  # a cell the XML cannot hold (a lone surrogate), a broken sheet
        raise _damaged(exc) from None
    finally:
        wb.close()
    located: dict[str, _Located] = {}
    for row, values in item_rows:
        code = values.get("code")
        if code in located:
            errors.append(SheetError(ITEMS_SHEET, row, "A", "实施编码", f"实施编码“{code}”重复"))
            continue
        data = {k: v for k, v in values.items() if v is not None}
        located[code] = _Located({**data, "materials": [], "situations": []}, row, [], [])
    for row, values in material_rows:
        target = located.get(values.get("item"))
        if target is None:
            errors.append(
                SheetError(MATERIALS_SHEET, row, "A", "实施编码", f"事项表中没有实施编码“{values.get('item')}”")
            )
            continue
        target.data["materials"].append({k: v for k, v in values.items() if k != "item" and v is not None})
        target.material_rows.append(row)
    for row, values in situation_rows:
        target = located.get(values.get("item"))
        if target is None:
            errors.append(
                SheetError(SITUATIONS_SHEET, row, "A", "实施编码", f"事项表中没有实施编码“{values.get('item')}”")
            )
            continue
        situations = target.data["situations"]
        option = {
            "label": values.get("label"),
            "adds": values.get("adds", []),
            "removes": values.get("removes", []),
        }
        if situations and situations[-1]["question"] == values.get("question"):
            situations[-1]["options"].append(option)
            target.situation_rows[-1].append(row)
        else:
            situations.append(
                {
                    "question": values.get("question"),
                    "help_text": values.get("help_text", ""),
                    "options": [option],
                }
            )
            target.situation_rows.append([row])
    if errors:
        raise XlsxImportError(errors)
    return list(located.values())


def _locate(entry: _Located, path: tuple, message: str) -> SheetError:
    def col(columns: list[Column], field: str) -> tuple[str, str]:
        for i, c in enumerate(columns, start=1):
            if c.field == field:
                return get_column_letter(i), c.header
        return "", ""

    if path[0] == "materials" and len(path) >= 2:
        letter, header = col(MATERIAL_COLUMNS, path[2] if len(path) > 2 else "name")
        return SheetError(MATERIALS_SHEET, entry.material_rows[path[1]], letter, header, message)
    if path[0] == "situations" and len(path) >= 2:
        rows = entry.situation_rows[path[1]]
        if len(path) >= 5:
            letter, header = col(SITUATION_COLUMNS, path[4])
            return SheetError(SITUATIONS_SHEET, rows[path[3]], letter, header, message)
        letter, header = col(SITUATION_COLUMNS, "question" if path[-1] == "question" else "label")
        return SheetError(SITUATIONS_SHEET, rows[0], letter, header, message)
    letter, header = col(ITEM_COLUMNS, path[0])
    return SheetError(ITEMS_SHEET, entry.row, letter, header, message)


@dataclass
class _LocatedBundle:
    data: BundleData
    member_rows: list[int]
    situation_rows: list[list[int]]  # per situation, per option
    shared_rows: dict[str, list[int]]  # "fields"/"materials" -> rows


def _column(columns: list[Column], field: str) -> tuple[str, str]:
    for i, c in enumerate(columns, start=1):
        if c.field == field:
            return get_column_letter(i), c.header
    return "", ""


def parse_bundles(content: bytes) -> list[_LocatedBundle]:
    """The bundle sheets of a workbook (none when it has no 一件事 sheet); raises
    XlsxImportError for every cell that cannot be read."""
    errors: list[SheetError] = []
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        return []  # parse_workbook reports an unreadable file
    try:
        member_rows = _read_sheet(wb, BUNDLES_SHEET, errors, optional=True)
        situation_rows = _read_sheet(wb, BUNDLE_SITUATIONS_SHEET, errors, optional=True)
        shared_rows = _read_sheet(wb, BUNDLE_SHARED_SHEET, errors, optional=True)
    except Exception as exc:
        raise _damaged(exc) from None
    finally:
        wb.close()
    located: dict[str, _LocatedBundle] = {}
    for row, values in member_rows:
        code = values.get("code")
        entry = located.get(code)
        if entry is None:
            own = {c.field: values.get(c.field) for c in BUNDLE_OWN_COLUMNS}
            entry = located[code] = _LocatedBundle(
                {**own, "members": [], "situations": [], "fields": [], "materials": []},
                [],
                [],
                {"fields": [], "materials": []},
            )
        else:
            for c in BUNDLE_OWN_COLUMNS[1:]:
                value = values.get(c.field)
                if value not in (None, "") and value != entry.data[c.field]:
                    letter, header = _column(BUNDLE_COLUMNS, c.field)
                    errors.append(
                        SheetError(
                            BUNDLES_SHEET,
                            row,
                            letter,
                            header,
                            f"与第{entry.member_rows[0]}行不一致（同一件事只填一次即可）",
                        )
                    )
        entry.data["members"].append(
            {"item_code": values.get("item_code"), "required": values.get("required"), "note": values.get("note", "")}
        )
        entry.member_rows.append(row)
    for row, values in situation_rows:
        entry = located.get(values.get("bundle"))
        if entry is None:
            errors.append(
                SheetError(
                    BUNDLE_SITUATIONS_SHEET, row, "A", "一件事编码", f"一件事表中没有编码“{values.get('bundle')}”"
                )
            )
            continue
        situations = entry.data["situations"]
        option = {
            "label": values.get("label"),
            "includes": values.get("includes", []),
            "excludes": values.get("excludes", []),
        }
        if situations and situations[-1]["question"] == values.get("question"):
            situations[-1]["options"].append(option)
            entry.situation_rows[-1].append(row)
        else:
            situations.append(
                {"question": values.get("question"), "help_text": values.get("help_text", ""), "options": [option]}
            )
            entry.situation_rows.append([row])
    for row, values in shared_rows:
        entry = located.get(values.get("bundle"))
        if entry is None:
            errors.append(
                SheetError(BUNDLE_SHARED_SHEET, row, "A", "一件事编码", f"一件事表中没有编码“{values.get('bundle')}”")
            )
            continue
        key = _SHARED_KINDS.get(values.get("kind") or "")
        if key is None:
            errors.append(
                SheetError(BUNDLE_SHARED_SHEET, row, "B", BUNDLE_SHARED_COLUMNS[1].header, "类型应填“字段”或“材料”")
            )
            continue
        targets = {}
        for line in values.get("targets", []):
            code, sep, name = line.replace(":", "：", 1).partition("：")
            if not sep or not code.strip() or not name.strip():
                errors.append(
                    SheetError(
                        BUNDLE_SHARED_SHEET,
                        row,
                        "D",
                        BUNDLE_SHARED_COLUMNS[3].header,
                        f"“{line}”应写成“事项实施编码：名称”",
                    )
                )
                continue
            targets[code.strip()] = name.strip()
        entry.data[key].append({"name": values.get("name"), "targets": targets})
        entry.shared_rows[key].append(row)
    if errors:
        raise XlsxImportError(errors)
    return list(located.values())


def _locate_bundle(entry: _LocatedBundle, path: tuple, message: str) -> SheetError:
    key = path[0]
    if key == "members":
        if len(path) >= 2:
            letter, header = _column(BUNDLE_COLUMNS, path[2] if len(path) > 2 else "item_code")
            return SheetError(BUNDLES_SHEET, entry.member_rows[path[1]], letter, header, message)
        letter, header = _column(BUNDLE_COLUMNS, "item_code")
        return SheetError(BUNDLES_SHEET, entry.member_rows[0], letter, header, message)
    if key == "situations" and len(path) >= 2:
        rows = entry.situation_rows[path[1]]
        if len(path) >= 5:
            letter, header = _column(BUNDLE_SITUATION_COLUMNS, path[4])
            return SheetError(BUNDLE_SITUATIONS_SHEET, rows[path[3]], letter, header, message)
        letter, header = _column(BUNDLE_SITUATION_COLUMNS, "question" if path[-1] == "question" else "label")
        return SheetError(BUNDLE_SITUATIONS_SHEET, rows[0], letter, header, message)
    if key in ("fields", "materials") and len(path) >= 2:
        letter, header = _column(BUNDLE_SHARED_COLUMNS, "name" if path[-1] == "name" else "targets")
        return SheetError(BUNDLE_SHARED_SHEET, entry.shared_rows[key][path[1]], letter, header, message)
    letter, header = _column(BUNDLE_COLUMNS, key)
    return SheetError(BUNDLES_SHEET, entry.member_rows[0], letter, header, message)


@dataclass
class WorkbookResult(ImportResult):
    """What an import did to items (the ImportResult fields) and to bundles."""

    bundles: ImportResult = field(default_factory=lambda: ImportResult([], [], []))


class _DryRun(Exception):
    pass


def import_workbook(content: bytes, *, dry_run: bool = False) -> WorkbookResult:
    """Import a workbook all-or-nothing, items then bundles (a bundle may name items of the
    same file); raises XlsxImportError listing every problem. With ``dry_run`` nothing is
    written and the result says what the import would change."""
    errors: list[SheetError] = []
    try:
        located = parse_workbook(content)
    except XlsxImportError as exc:
        errors.extend(exc.errors)
        located = []
    try:
        bundles = parse_bundles(content)
    except XlsxImportError as exc:
        errors.extend(exc.errors)
        bundles = []
    if errors:
        raise XlsxImportError(errors)
    if not bundles:
        try:
            items = catalog_import([entry.data for entry in located], dry_run=dry_run)
        except CatalogImportError as exc:
            raise XlsxImportError([_locate(located[index], e.path, e.message) for index, e in exc.errors]) from None
        return WorkbookResult(items.created, items.revised, items.unchanged)
    try:
        catalog_import([entry.data for entry in located], dry_run=True)  # item errors first, without writing
    except CatalogImportError as exc:
        raise XlsxImportError([_locate(located[index], e.path, e.message) for index, e in exc.errors]) from None
    result = None
    try:
        with transaction.atomic():
            items = catalog_import([entry.data for entry in located])
            try:
                done = bundle_import([entry.data for entry in bundles])
            except CatalogImportError as exc:
                raise XlsxImportError(
                    [_locate_bundle(bundles[index], e.path, e.message) for index, e in exc.errors]
                ) from None
            result = WorkbookResult(items.created, items.revised, items.unchanged, done)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return result
