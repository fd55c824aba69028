"""The arrangement form: an administrator types the State Council's notice as lines of
dates, one festival a line, e.g. ``2027-02-06 至 2027-02-14 春节``."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError

from govhall.workdays import selectors
from govhall.workdays.models import YearArrangement

_LINE = re.compile(
    r"^(?P<start>\d{4}-\d{1,2}-\d{1,2})"
    r"(?:\s*(?:至|到|~|～|—)\s*(?P<end>\d{4}-\d{1,2}-\d{1,2}))?"
    r"\s*(?P<name>.*)$"
)
_MAX_RANGE_DAYS = 31  # no Chinese holiday comes near this; a longer range is a typo


def _parse_date(text: str, line_no: int) -> datetime.date:
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(f"第{line_no}行：{text} 不是有效日期。") from None


def parse_days(text: str) -> list[tuple[datetime.date, str]]:
    """Lines of ``YYYY-MM-DD [至 YYYY-MM-DD] 名称`` to one (date, name) per day."""
    days: list[tuple[datetime.date, str]] = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        if not match:
            raise ValidationError(f"第{line_no}行：应为“2027-02-06 至 2027-02-14 春节”或“2027-02-15 春节”。")
        start = _parse_date(match["start"], line_no)
        end = _parse_date(match["end"], line_no) if match["end"] else start
        if end < start or (end - start).days >= _MAX_RANGE_DAYS:
            raise ValidationError(f"第{line_no}行：日期范围不正确。")
        name = match["name"].strip()
        days.extend((start + datetime.timedelta(days=i), name) for i in range((end - start).days + 1))
    return days


def format_days(days: list[tuple[datetime.date, str]]) -> str:
    """The inverse of ``parse_days``: consecutive days of one name become one range line."""
    lines: list[str] = []
    run: list[tuple[datetime.date, str]] = []
    for day, name in sorted(days):
        if run and (day - run[-1][0]).days == 1 and name == run[-1][1]:
            run.append((day, name))
            continue
        if run:
            lines.append(_format_run(run))
        run = [(day, name)]
    if run:
        lines.append(_format_run(run))
    return "\n".join(lines)


def _format_run(run: list[tuple[datetime.date, str]]) -> str:
    first, last, name = run[0][0], run[-1][0], run[0][1]
    dates = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}"
    return f"{dates} {name}".rstrip()


class YearArrangementForm(forms.ModelForm):
    holidays_text = forms.CharField(
        label="放假日期",
        widget=forms.Textarea(attrs={"rows": 10, "cols": 50}),
        required=False,
        help_text="每行一个假期：2027-02-06 至 2027-02-14 春节（含其间的周末）。",
    )
    workdays_text = forms.CharField(
        label="调休上班日期",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 50}),
        required=False,
        help_text="每行一天：2027-02-20 春节调休上班。",
    )

    class Meta:
        model = YearArrangement
        fields = ["year", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # editing a year: show what was entered, to correct and save again
            days = selectors.year_overrides(year=self.instance.year)
            off = [(o.date, o.name) for o in days if not o.is_workday]
            on = [(o.date, o.name) for o in days if o.is_workday]
            self.fields["holidays_text"].initial = format_days(off)
            self.fields["workdays_text"].initial = format_days(on)

    def clean(self) -> dict:
        cleaned = super().clean()
        try:
            cleaned["holidays"] = parse_days(cleaned.get("holidays_text", ""))
        except ValidationError as error:
            self.add_error("holidays_text", error)
        try:
            cleaned["workdays"] = parse_days(cleaned.get("workdays_text", ""))
        except ValidationError as error:
            self.add_error("workdays_text", error)
        year = cleaned.get("year") or (self.instance.year if self.instance.pk else None)
        if year and "holidays" in cleaned and "workdays" in cleaned:
            outside = [d for d, _ in cleaned["holidays"] + cleaned["workdays"] if d.year != year]
            if outside:
                raise ValidationError(f"{outside[0]:%Y-%m-%d} 不在{year}年。")
            holidays = {d for d, _ in cleaned["holidays"]}
            both = sorted(d for d, _ in cleaned["workdays"] if d in holidays)
            if both:
                raise ValidationError(f"{both[0]:%Y-%m-%d} 既列为放假又列为上班。")
        return cleaned
