"""The statistics API (``/api/v1/stats/figures``): the dashboard's figures for a filter, as JSON.

Thin: parse the filter exactly as the page does (``forms.parse_filter``), ask
``selectors.dashboard`` (figures shared between viewers of one reach for a few minutes),
shape the answer. Hall managers, supervisors and administrators only;
the figures are bounded by the caller's scope. docs/statistics.md defines every field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from govhall.accounts.auth import API_AUTH
from govhall.core.errors import DomainError, ErrorOut
from govhall.stats import selectors
from govhall.stats.forms import FilterError, parse_filter

router = Router(tags=["stats"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut}


class FilterQuery(Schema):
    start: str = Field("", max_length=10, description="开始日期 YYYY-MM-DD（缺省：结束日期前29天，或最近30天）")
    end: str = Field("", max_length=10, description="结束日期 YYYY-MM-DD，含当天（缺省：今天）")
    region: str = Field("", max_length=12, description="12位区划代码：该区划及其下级")
    department: str = Field("", max_length=30, description="部门编码")


class FilterOut(Schema):
    start: str
    end: str
    region: str | None
    region_name: str | None
    department: str | None
    department_name: str | None


class StatsDayOut(Schema):
    date: str
    count: int


class ChannelOut(Schema):
    code: Literal["online", "window", "station", "locker"]
    label: str
    count: int = Field(description="locker 与其他渠道重叠：材料或结果经过信包箱的办件")


class StatsDepartmentOut(Schema):
    code: str
    name: str
    count: int = Field(description="区间内提交的办件")
    decided: int = Field(description="区间内作出决定的已受理办件")
    late: int = Field(description="其中决定日晚于到期日")
    open_overdue: int = Field(description="今天在办、计时未暂停且已过到期日（不受区间限制）")
    average_workdays: float | None


class ItemOut(Schema):
    code: str = Field(description="实施编码；空：其余事项合计")
    name: str
    count: int


class StatsRateOut(Schema):
    key: Literal[
        "online_capable",
        "full_online_items",
        "full_online",
        "zero_visit",
        "at_most_one_visit",
        "instant_items",
        "instant_cases",
    ]
    label: str
    basis: Literal["item", "case"]
    numerator: int
    denominator: int
    rate: float | None = Field(description="numerator / denominator，4位小数；分母为0时为 null")


class TimelinessOut(Schema):
    decided: int
    used_workdays: int
    average_workdays: float | None
    average_statutory_days: float | None
    average_promised_days: float | None
    speedup_rate: float | None = Field(description="提速率 = 1 − 实际用时合计 ÷ 法定时限合计")
    promise_compression_rate: float | None
    catalogue_compression_rate: float | None
    on_time: int
    on_time_rate: float | None
    instant_decided: int
    instant_same_day: int


class DeferralsOut(Schema):
    accepted: int
    cases: int
    materials: int
    pending: int
    received: int
    confirmed: int
    overdue: int
    rate: float | None


class OverdueOut(Schema):
    decided_late: int
    open_overdue: int


class SatisfactionOut(Schema):
    satisfied: int
    total: int
    rate: float | None


class FiguresOut(Schema):
    filter: FilterOut
    today: str
    total: int
    imported_total: int
    imported_included: bool = Field(description="专网导入办件是否已计入")
    by_day: list[StatsDayOut]
    channels: list[ChannelOut]
    departments: list[StatsDepartmentOut]
    items: list[ItemOut]
    rates: list[StatsRateOut]
    timeliness: TimelinessOut
    deferrals: DeferralsOut
    overdue: OverdueOut
    satisfaction: SatisfactionOut | None
    computed_at: datetime | None = Field(
        description="When these figures were computed: viewers with the same reach and filter share them for "
        "GOVHALL_STATS_CACHE_SECONDS (default 300)"
    )


@router.get(
    "/figures",
    response={200: FiguresOut, **ERRORS},
    summary="The dashboard's figures for a date range, region and department (hall managers, supervisors)",
    description=(
        "Errors: 400 `invalid_filter` (detail: {parameter: message}), 401 not signed in, "
        "403 `stats_forbidden` (not a hall manager, supervisor or administrator)."
    ),
)
def figures(request, filters: Query[FilterQuery]):
    user = request.auth
    selectors.require_viewer(user)
    try:
        stats_filter = parse_filter(user, filters.dict())
    except FilterError as exc:
        raise DomainError(str(exc), code="invalid_filter", detail=exc.errors) from None
    return selectors.dashboard(user, stats_filter).as_dict()
