"""The dashboard's filter: a date range, a region (and below) and a department, each
checked against what the viewer may see, with a specific Chinese message for bad input.
The page, the export and the API read the same parameters through :func:`parse_filter`."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from govhall.accounts.models import User
from govhall.catalog.models import Department, Region
from govhall.stats import selectors


class FilterError(Exception):
    """Bad filter input: ``errors`` maps a parameter to its Chinese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def _date(raw: str, label: str, errors: dict[str, str], key: str) -> datetime.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        if not raw.isascii() or len(raw) != 10:
            raise ValueError
        return datetime.date.fromisoformat(raw)
    except ValueError:
        errors[key] = f"{label}格式不正确，请按“年-月-日”填写，如2025-03-01"
        return None


def parse_filter(user: User, params: Mapping[str, str], *, today: datetime.date | None = None) -> selectors.StatsFilter:
    """A :class:`~govhall.stats.selectors.StatsFilter` from ``start``, ``end``, ``region``
    (12-digit code) and ``department`` (code); missing dates mean the last 30 days."""
    errors: dict[str, str] = {}
    default_start, default_end = selectors.default_period(today)
    start = _date(params.get("start", ""), "开始日期", errors, "start")
    end = _date(params.get("end", ""), "结束日期", errors, "end")
    if start is None and "start" not in errors:
        start = default_start if end is None else end - datetime.timedelta(days=29)
    if end is None and "end" not in errors:
        end = default_end if start is None or start <= default_end else start
    if start and end:
        if end < start:
            errors["end"] = "结束日期不能早于开始日期"
        elif (end - start).days + 1 > selectors.MAX_DAYS:
            errors["end"] = f"统计区间最长{selectors.MAX_DAYS}天，请缩短日期范围"

    region = None
    code = (params.get("region") or "").strip()
    if code:
        if not (len(code) == 12 and code.isascii() and code.isdigit()):
            errors["region"] = "区划代码应为12位数字"
        else:
            region = selectors.viewer_regions(user).filter(code=code).first()
            if region is None:
                exists = Region.objects.filter(code=code).exists()
                errors["region"] = "所选区划不在您的统计范围内" if exists else "未找到该区划"
    department = None
    code = (params.get("department") or "").strip()
    if code:
        if len(code) > 30:
            errors["department"] = "部门编码不能超过30个字符"
        else:
            department = selectors.viewer_departments(user).filter(code=code).first()
            if department is None:
                exists = Department.objects.filter(code=code).exists()
                errors["department"] = "所选部门不在您的统计范围内" if exists else "未找到该部门"
    if errors:
        raise FilterError(errors)
    return selectors.StatsFilter(start=start, end=end, region=region, department=department)
