"""Supervision API (``/api/v1/supervision``): the board's counts, the warning list, bulletins
and the import of 专网办件, for supervisors, hall managers and administrators within their
scope. Thin: parse, call a selector or a service, shape the answer."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field

from govhall.accounts.auth import API_AUTH
from govhall.core.errors import ErrorOut, Forbidden
from govhall.supervision import imports, selectors, services

router = Router(tags=["supervision"], auth=API_AUTH)

ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}

LevelName = Literal["intake", "yellow", "red", "overdue"]
SubjectName = Literal["case", "deferral", "commitment", "imported"]


class BoardQuery(Schema):
    level: LevelName | None = Field(None, description="类别：intake 收件提醒、yellow 黄色、red 红色、overdue 超时")
    subject: SubjectName | None = Field(None, description="对象：办件时限、容缺补齐、告知承诺核查、专网办件")
    department: int | None = Field(None, description="部门 id")
    item: int | None = Field(None, description="事项（版本）id")
    window: int | None = Field(None, description="窗口 id")
    staff: int | None = Field(None, description="受理人员的用户 id")
    history: bool = Field(False, description="true：含已解除的预警和收件提醒；false：当前仍未解除的预警")

    def filters(self) -> selectors.Filters:
        return selectors.Filters(
            level=self.level or "",
            subject=self.subject or "",
            department=self.department,
            item=self.item,
            window=self.window,
            staff=self.staff,
            history=self.history,
        )


class GroupOut(Schema):
    id: int | None
    name: str
    intake: int
    yellow: int
    red: int
    overdue: int
    total: int


class CountsOut(Schema):
    totals: dict[str, int] = Field(description="类别 → 件数")
    by: dict[str, list[GroupOut]] = Field(description="department、item、window、staff → 分组件数")


class AlertOut(Schema):
    id: int
    level: str
    level_label: str
    subject: str
    subject_label: str
    number: str = Field(description="办件编号（专网办件为部门的编号）")
    case_url: str | None = Field(description="办件页面（含办件轨迹）；专网办件为 null")
    item: str
    department: str
    window: str
    staff: str
    applicant: str = Field(description="申请人（已脱敏）")
    due_date: datetime.date
    created_at: datetime.datetime
    overdue_days: int


class AlertPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[AlertOut]


class BulletinIn(Schema):
    department_id: int
    text: str = Field(max_length=2000, description="通报内容")


class BulletinOut(Schema):
    id: int
    department: str
    department_id: int
    text: str
    overdue_count: int
    case_numbers: list[str]
    created_at: datetime.datetime


class ImportOut(Schema):
    id: int
    file_name: str
    rows: int
    created: int
    updated: int


def _supervisor(user) -> None:
    if not selectors.may_supervise(user):
        raise Forbidden("只有电子监察员、大厅管理员或系统管理员可以查看电子监察数据")


@router.get(
    "/counts",
    response={200: CountsOut, **ERRORS},
    summary="The board's counts (电子监察看板统计)",
    description="Warnings per level, and per department, item, window and staff member, within the caller's "
    "scope (a supervisor: their region and below; a hall manager: their hall; administrators: all). "
    "403 forbidden for other roles.",
)
def counts(request, query: Query[BoardQuery]):
    _supervisor(request.auth)
    return selectors.board_counts(request.auth, query.filters())


@router.get(
    "/alerts",
    response={200: AlertPageOut, **ERRORS},
    summary="Warnings (预警清单)",
    description="Earliest due first; applicants' names masked. Same scope and filters as /counts.",
)
def alerts(
    request,
    query: Query[BoardQuery],
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(50, ge=1, le=200),
):
    _supervisor(request.auth)
    qs = selectors.board_alerts(request.auth, query.filters())
    total = qs.count()
    rows = selectors.alert_page(qs, (page - 1) * page_size, page * page_size)
    return {
        "count": total,
        "page": page,
        "page_size": page_size,
        "results": [selectors.alert_line(a).__dict__ for a in rows],
    }


def _bulletin_out(b) -> dict:
    return {
        "id": b.pk,
        "department": b.department.name,
        "department_id": b.department_id,
        "text": b.text,
        "overdue_count": b.overdue_count,
        "case_numbers": b.case_numbers,
        "created_at": b.created_at,
    }


@router.get("/bulletins", response={200: list[BulletinOut], **ERRORS}, summary="Bulletins (通报) in scope")
def bulletins(request):
    _supervisor(request.auth)
    return [_bulletin_out(b) for b in selectors.visible_bulletins(request.auth).select_related("department")[:100]]


@router.post(
    "/bulletins",
    response={201: BulletinOut, 400: ErrorOut, 404: ErrorOut, **ERRORS},
    summary="Issue a bulletin (发布通报)",
    description="A supervisor or administrator tells a department in their scope about its overdue cases; the "
    "department's staff are notified. 400 text_required / text_too_long; 404 department_not_found (also "
    "for a department outside the caller's scope); 403 for other roles.",
)
def bulletin_issue(request, payload: BulletinIn):
    bulletin = services.bulletin_issue(actor=request.auth, department_id=payload.department_id, text=payload.text)
    return 201, _bulletin_out(bulletin)


@router.post(
    "/imports",
    response={201: ImportOut, 400: ErrorOut, **ERRORS},
    summary="Import cases from a department's own system (导入专网办件)",
    description="An .xlsx or .csv file (columns in docs/supervision.md). All rows or none: any bad row answers "
    "422 import_rejected with detail.errors = [{row, column, message}] and nothing is imported. "
    "403 for roles other than supervisor and administrator.",
)
def import_cases(request, file: File[UploadedFile]):
    batch = imports.cases_import(actor=request.auth, name=file.name or "", content=file.read())
    return 201, {
        "id": batch.pk,
        "file_name": batch.file_name,
        "rows": batch.rows,
        "created": batch.created,
        "updated": batch.updated,
    }
