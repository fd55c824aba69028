"""The administrator's part of the working-day calendar.

chinesecalendar supplies the official arrangement for the years it knows; these tables hold
what it does not: corrections and whole years it has no data for. Written only through
``workdays.services``; read through ``workdays.selectors.get_calendar``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class CalendarOverride(models.Model):
    """One day whose status an administrator has set; it wins over chinesecalendar and weekends."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日", help_text="勾选为上班（含调休上班），不勾选为放假")
    name = models.CharField("名称", max_length=50, blank=True, help_text="如：春节、调休上班")
    note = models.CharField("备注", max_length=200, blank=True)
    # Part of the calendar cache's fingerprint (selectors.get_calendar): every write must
    # move it, so writers go through services rather than QuerySet.update().
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "日历调整"
        verbose_name_plural = "日历调整"
        ordering = ["-date"]

    def __str__(self) -> str:
        kind = "上班" if self.is_workday else "放假"
        return f"{self.date:%Y-%m-%d} {kind}{f'（{self.name}）' if self.name else ''}"


class YearArrangement(models.Model):
    """Records that the State Council's holiday arrangement for a year has been entered, so
    deadlines reaching into that year are no longer provisional."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    entered_at = models.DateTimeField("录入时间", default=timezone.now)
    note = models.CharField("备注", max_length=200, blank=True, help_text="如：国办发明电〔2026〕×号")

    class Meta:
        verbose_name = "年度节假日安排"
        verbose_name_plural = "年度节假日安排"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年节假日安排"
