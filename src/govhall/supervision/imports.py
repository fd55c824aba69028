"""Import of cases decided in departments' own systems (专网办件) from .xlsx or CSV.

The first row names the columns (any order; unknown columns are ignored):

=================  ====  =====================================================================
column             must  value
=================  ====  =====================================================================
办件编号            yes   the department's own case number (unique per department)
事项编码            yes   the catalogue's item code (a version's code, or its base code:
                          the published version then)
申请人              yes   name of the person or organisation
申请人类型          yes   自然人 / 法人 (or natural / legal)
申请渠道            no    网上申请 / 窗口受理 / 帮办代办 (online / window / assisted); default 窗口受理
受理时间            yes   2025-10-09 09:30 (or a date; an .xlsx date cell)
承诺时限(工作日)    *     working days; the due date is counted from the acceptance date
到期日              *     the due date itself (wins over the limit when both are given)
办结时间            no    when it was concluded; empty while open
状态                yes   a case state, in Chinese (已受理（审查中）, 已办结（待送达）, 已送达, 不予许可…)
                          or its code (accepted, issued, delivered, denied…)
=================  ====  =====================================================================

\\* an open case (no 办结时间) needs 承诺时限(工作日) or 到期日.

Every row is checked before anything is written; a file with any bad row is refused with
each problem by row and column, and nothing is imported. A good file is written in one
transaction: new numbers are added, known ones (same department and number) updated.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from govhall.accounts.models import User
from govhall.cases.models import Channel, State
from govhall.catalog.models import ServiceItem
from govhall.core.errors import DomainError, Forbidden
from govhall.supervision import selectors
from govhall.supervision.models import ImportBatch, ImportedCase
from govhall.workdays.selectors import get_calendar

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024

NUMBER, ITEM, APPLICANT, KIND, CHANNEL = "办件编号", "事项编码", "申请人", "申请人类型", "申请渠道"
ACCEPTED, LIMIT, DUE, CONCLUDED, STATE = "受理时间", "承诺时限(工作日)", "到期日", "办结时间", "状态"
REQUIRED = (NUMBER, ITEM, APPLICANT, KIND, ACCEPTED, STATE)
COLUMNS = (NUMBER, ITEM, APPLICANT, KIND, CHANNEL, ACCEPTED, LIMIT, DUE, CONCLUDED, STATE)
# header spellings accepted for the same column
ALIASES = {"承诺时限（工作日）": LIMIT, "承诺时限": LIMIT, "办结日期": CONCLUDED, "受理日期": ACCEPTED}

KINDS = {
    "自然人": "natural",
    "个人": "natural",
    "natural": "natural",
    "法人": "legal",
    "企业": "legal",
    "legal": "legal",
}
CHANNELS = {label: value for value, label in Channel.choices} | {v: v for v in Channel.values} | {"窗口": "window"}
STATES = {label: value for value, label in State.choices} | {v: v for v in State.values}
# imported cases were accepted in their department's system: these states are not theirs
NOT_IMPORTABLE = {State.DRAFT, State.SUBMITTED, State.CORRECTION_REQUESTED, State.REJECTED}
OPEN = {State.ACCEPTED, State.SUSPENDED}


@dataclass(frozen=True)
class RowError:
    row: int  # as the spreadsheet numbers it (the header is row 1)
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        return f"{where}{'「' + self.column + '」' if self.column else ''}：{self.message}"


class ImportRejected(DomainError):
    status = 422
    code = "import_rejected"

    def __init__(self, errors: list[RowError]):
        shown = "；".join(str(e) for e in errors[:5])
        more = f"等{len(errors)}处问题" if len(errors) > 5 else ""
        super().__init__(
            f"文件未导入（全部未导入）：{shown}{more}",
            detail={"errors": [e.as_dict() for e in errors]},
        )
        self.errors = errors


# --------------------------------------------------------------------------- reading


def read_table(name: str, content: bytes) -> list[dict[str, object]]:
    """Rows of an .xlsx or .csv file as {column: value}, header names normalised."""
    if len(content) > MAX_BYTES:
        raise ImportRejected([RowError(0, "", "文件超过10MB，请分批导入")])
    lower = name.lower()
    if lower.endswith(".xlsx"):
        raw = _xlsx_rows(content)
    elif lower.endswith(".csv"):
        raw = _csv_rows(content)
    else:
        raise ImportRejected([RowError(0, "", "请上传 .xlsx 或 .csv 文件")])
    if not raw:
        raise ImportRejected([RowError(0, "", "文件是空的")])
    header = [ALIASES.get(str(h or "").strip(), str(h or "").strip()) for h in raw[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportRejected([RowError(1, c, "缺少此列") for c in missing])
    if LIMIT not in header and DUE not in header:
        raise ImportRejected([RowError(1, LIMIT, "需有「承诺时限(工作日)」或「到期日」列")])
    rows = []
    for values in raw[1:]:
        if all(v is None or str(v).strip() == "" for v in values):
            rows.append(None)  # an empty line keeps its number
            continue
        rows.append({h: v for h, v in zip(header, values, strict=False) if h in COLUMNS})
    if sum(1 for r in rows if r is not None) > MAX_ROWS:
        raise ImportRejected([RowError(0, "", f"一次最多导入{MAX_ROWS}行，请分批导入")])
    return rows


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = wb.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    except Exception as exc:
        raise ImportRejected(
            [RowError(0, "", f"无法读取 .xlsx 文件（{exc.__class__.__name__}），请检查文件是否损坏")]
        ) from None


def _csv_rows(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([RowError(0, "", "无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV")])
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise ImportRejected([RowError(0, "", f"CSV 格式错误：{exc}")]) from None


# --------------------------------------------------------------------------- checking


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _datetime(value, tz) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, tz)
    if isinstance(value, datetime.date):
        return timezone.make_aware(datetime.datetime.combine(value, datetime.time(9, 0)), tz)
    text = _text(value).replace("/", "-").replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            found = datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
        return timezone.make_aware(found, tz)
    return None


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(_text(value).replace("/", "-"))
    except ValueError:
        return None


@dataclass
class Checked:
    number: str
    item: ServiceItem
    applicant_name: str
    applicant_kind: str
    channel: str
    accepted_at: datetime.datetime
    limit_workdays: int | None
    due_date: datetime.date | None
    concluded_at: datetime.datetime | None
    state: str


def _items(codes: set[str]) -> dict[str, ServiceItem]:
    found: dict[str, ServiceItem] = {}
    qs = ServiceItem.objects.select_related("department").exclude(status=ServiceItem.Status.DRAFT)
    for item in qs.filter(code__in=codes):
        found[item.code] = item
    for item in qs.filter(base_code__in=codes - set(found), status=ServiceItem.Status.PUBLISHED):
        found[item.base_code] = item
    return found


def check_rows(rows: list[dict | None], *, actor: User) -> tuple[list[Checked], list[RowError]]:
    """Every row checked; (good rows, errors by row and column)."""
    tz = timezone.get_current_timezone()
    errors: list[RowError] = []
    good: list[Checked] = []
    items = _items({_text(r.get(ITEM)) for r in rows if r})
    allowed = set(selectors.departments_in_scope(actor).values_list("pk", flat=True))
    calendar = get_calendar()
    seen: dict[tuple[int, str], int] = {}
    now = timezone.now()
    for index, row in enumerate(rows):
        line = index + 2
        if row is None:
            continue

        def bad(column: str, message: str, line=line) -> None:
            errors.append(RowError(line, column, message))

        before = len(errors)
        number = _text(row.get(NUMBER))
        if not number:
            bad(NUMBER, "不能为空")
        elif len(number) > 64:
            bad(NUMBER, "不能超过64个字符")
        code = _text(row.get(ITEM))
        item = items.get(code)
        if not code:
            bad(ITEM, "不能为空")
        elif item is None:
            bad(ITEM, f"事项目录中没有编码为{code}的事项")
        elif item.department_id not in allowed:
            bad(ITEM, f"事项所属部门（{item.department.name}）不在您的监察范围内")
        name = _text(row.get(APPLICANT))
        if not name:
            bad(APPLICANT, "不能为空")
        elif len(name) > 200:
            bad(APPLICANT, "不能超过200个字符")
        kind = KINDS.get(_text(row.get(KIND)))
        if kind is None:
            bad(KIND, "应为「自然人」或「法人」")
        channel_text = _text(row.get(CHANNEL))
        channel = CHANNELS.get(channel_text) if channel_text else Channel.WINDOW
        if channel is None:
            bad(CHANNEL, "应为「网上申请」「窗口受理」或「帮办代办」")
        accepted_at = _datetime(row.get(ACCEPTED), tz) if _text(row.get(ACCEPTED)) else None
        if accepted_at is None:
            bad(ACCEPTED, "应为日期时间，如 2025-10-09 09:30" if _text(row.get(ACCEPTED)) else "不能为空")
        elif accepted_at > now:
            bad(ACCEPTED, "不能晚于现在")
        state_text = _text(row.get(STATE))
        state = STATES.get(state_text)
        if state is None:
            bad(STATE, f"无法识别的状态「{state_text}」" if state_text else "不能为空")
        elif state in NOT_IMPORTABLE:
            bad(STATE, f"专网办件应为已受理的办件，不能是「{State(state).label}」")
        concluded_text = _text(row.get(CONCLUDED))
        concluded_at = _datetime(row.get(CONCLUDED), tz) if concluded_text else None
        if concluded_text and concluded_at is None:
            bad(CONCLUDED, "应为日期时间，如 2025-10-20 16:00")
        elif concluded_at and accepted_at and concluded_at < accepted_at:
            bad(CONCLUDED, "不能早于受理时间")
        if state in OPEN and concluded_at:
            bad(CONCLUDED, f"状态为「{State(state).label}」的办件不应有办结时间")
        if state and state not in OPEN and state not in NOT_IMPORTABLE and not concluded_at:
            bad(CONCLUDED, f"状态为「{State(state).label}」的办件需填写办结时间")
        limit_text = _text(row.get(LIMIT))
        limit = None
        if limit_text:
            if limit_text.isascii() and limit_text.isdigit() and int(limit_text) <= 365:
                limit = int(limit_text)
            else:
                bad(LIMIT, "应为0到365之间的整数")
        due_text = _text(row.get(DUE))
        due = _date(row.get(DUE)) if due_text else None
        if due_text and due is None:
            bad(DUE, "应为日期，如 2025-10-20")
        elif due and accepted_at and due < accepted_at.astimezone(tz).date():
            bad(DUE, "不能早于受理日期")
        if due is None and limit is not None and accepted_at is not None:
            due = calendar.due_date(accepted_at.astimezone(tz).date(), limit).due_date
        if state in OPEN and due is None and not limit_text and not due_text:
            bad(LIMIT, "未办结的办件需填写承诺时限(工作日)或到期日")
        if item is not None and number:
            key = (item.department_id, number)
            if key in seen:
                bad(NUMBER, f"与第{seen[key]}行重复")
            seen.setdefault(key, line)
        if len(errors) == before:
            good.append(
                Checked(number, item, name, kind, channel, accepted_at, limit, due, concluded_at, state)  # type: ignore[arg-type]
            )
    return good, errors


# --------------------------------------------------------------------------- writing


def cases_import(*, actor: User, name: str, content: bytes) -> ImportBatch:
    """Import a file of 专网办件: all rows or none (``ImportRejected`` lists every problem)."""
    if not selectors.may_import(actor):
        raise Forbidden("只有电子监察员或系统管理员可以导入专网办件")
    rows = read_table(name, content)
    good, errors = check_rows(rows, actor=actor)
    if errors:
        raise ImportRejected(errors)
    if not good:
        raise ImportRejected([RowError(0, "", "文件中没有办件数据")])
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            file_name=name[:200], sha256=hashlib.sha256(content).hexdigest(), rows=len(good), uploaded_by=actor
        )
        existing = {
            (c.department_id, c.external_number): c
            for c in ImportedCase.objects.select_for_update().filter(
                department_id__in={g.item.department_id for g in good}, external_number__in={g.number for g in good}
            )
        }
        new, changed = [], []
        for g in good:
            values = {
                "item": g.item,
                "department_id": g.item.department_id,
                "region_id": g.item.department.region_id,
                "applicant_name": g.applicant_name,
                "applicant_kind": g.applicant_kind,
                "channel": g.channel,
                "accepted_at": g.accepted_at,
                "limit_workdays": g.limit_workdays,
                "due_date": g.due_date,
                "concluded_at": g.concluded_at,
                "state": g.state,
                "batch": batch,
            }
            found = existing.get((g.item.department_id, g.number))
            if found is None:
                new.append(ImportedCase(external_number=g.number, **values))
            else:
                for key, value in values.items():
                    setattr(found, key, value)
                found.imported_at = timezone.now()
                changed.append(found)
        ImportedCase.objects.bulk_create(new, batch_size=1000)
        if changed:
            ImportedCase.objects.bulk_update(
                changed,
                [
                    "item",
                    "department",
                    "region",
                    "applicant_name",
                    "applicant_kind",
                    "channel",
                    "accepted_at",
                    "limit_workdays",
                    "due_date",
                    "concluded_at",
                    "state",
                    "batch",
                    "imported_at",
                ],
                batch_size=1000,
            )
        batch.created, batch.updated = len(new), len(changed)
        batch.save(update_fields=["created", "updated"])
    return batch


def template_csv() -> bytes:
    """An example file (UTF-8 with BOM so spreadsheet programs read the Chinese headers)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "SC2025100001",
            "<事项编码>",
            "张三",
            "自然人",
            "窗口受理",
            "2025-10-09 09:30",
            "5",
            "",
            "",
            "已受理（审查中）",
        ]
    )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
