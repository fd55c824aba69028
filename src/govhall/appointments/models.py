"""Appointments (预约): schedules that say when a hall's window group takes appointments, the
per-slot counters that keep bookings within capacity, and the appointments themselves.

Slots are never stored ahead: a schedule's weekday spans, its slot length and the working-day
calendar compute them on demand (``slots.py``). A ``SlotCounter`` row is created the first time
somebody books a slot and holds how many places are taken; booking is one conditional
``UPDATE ... SET booked = booked + 1 WHERE booked < capacity`` on it, so two bookings racing
for the last place cannot both win, on SQLite or PostgreSQL (docs/appointments.md).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class Schedule(models.Model):
    """When a window group of a hall takes appointments (or, with ``item_code``, one item has
    slots of its own there). Which days: the working-day calendar's (no slots on public
    holidays, slots on 调休 working Saturdays and Sundays); which hours: its ``ScheduleDay`` rows."""

    hall = models.ForeignKey("accounts.Hall", verbose_name="大厅", on_delete=models.CASCADE, related_name="+")
    window_group = models.ForeignKey(
        "accounts.WindowGroup", verbose_name="窗口分区", on_delete=models.CASCADE, related_name="appointment_schedules"
    )
    item_code = models.CharField(
        "单独放号的事项编码",
        max_length=64,
        blank=True,
        help_text="留空：本分区的预约号；填写实施编码：该事项单独放号（其余事项仍用分区的号）",
    )
    allowed_item_codes = models.JSONField(
        "可预约事项编码",
        default=list,
        blank=True,
        help_text="留空：分区办理的所有事项均可预约；否则只列出的事项可预约",
    )
    requires_appointment = models.BooleanField("须预约办理", default=False, help_text="在办事指南和预约页提示“须预约”")
    slot_minutes = models.PositiveSmallIntegerField(
        "每个时段（分钟）", default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    capacity = models.PositiveSmallIntegerField(
        "每时段可约人数", default=4, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    online_capacity = models.PositiveSmallIntegerField(
        "其中网上可约人数",
        default=3,
        help_text="网上预约最多占用的名额；其余留给电话预约（工作人员代约）",
        validators=[MaxValueValidator(500)],
    )
    book_ahead_days = models.PositiveSmallIntegerField(
        "可提前预约天数", default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    min_notice_minutes = models.PositiveSmallIntegerField("至少提前（分钟）", default=30)
    change_cutoff_minutes = models.PositiveSmallIntegerField(
        "改约、取消截止（时段开始前分钟）", default=60, validators=[MaxValueValidator(2880)]
    )
    active = models.BooleanField("启用", default=True)
    note = models.CharField("预约须知", max_length=300, blank=True)

    class Meta:
        verbose_name = "预约排班"
        verbose_name_plural = "预约排班"
        constraints = [
            models.UniqueConstraint(fields=["window_group", "item_code"], name="appointment_schedule_unique"),
        ]

    def __str__(self) -> str:
        what = f"（事项 {self.item_code}）" if self.item_code else ""
        return f"{self.hall.name} {self.window_group.letter} {self.window_group.name}{what}"

    def clean(self) -> None:
        if self.window_group_id and self.hall_id and self.window_group.hall_id != self.hall_id:
            raise ValidationError({"window_group": "窗口分区不属于所选大厅"})
        if self.online_capacity > self.capacity:
            raise ValidationError({"online_capacity": "网上可约人数不能多于每时段可约人数"})
        codes = self.allowed_item_codes
        if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
            raise ValidationError({"allowed_item_codes": "请填写实施编码的列表"})


class ScheduleDay(models.Model):
    """Opening hours of one weekday: a morning span and an optional afternoon span. A 调休
    working Saturday or Sunday uses its own row when there is one, else Monday's."""

    WEEKDAYS = [(0, "星期一"), (1, "星期二"), (2, "星期三"), (3, "星期四"), (4, "星期五"), (5, "星期六"), (6, "星期日")]

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="days")
    weekday = models.PositiveSmallIntegerField("星期", choices=WEEKDAYS)
    morning_start = models.TimeField("上午开始", null=True, blank=True)
    morning_end = models.TimeField("上午结束", null=True, blank=True)
    afternoon_start = models.TimeField("下午开始", null=True, blank=True)
    afternoon_end = models.TimeField("下午结束", null=True, blank=True)

    class Meta:
        verbose_name = "开放时间"
        verbose_name_plural = "开放时间（按星期）"
        ordering = ["weekday"]
        constraints = [models.UniqueConstraint(fields=["schedule", "weekday"], name="appointment_day_unique")]

    def __str__(self) -> str:
        return self.get_weekday_display()

    def spans(self) -> list[tuple[datetime.time, datetime.time]]:
        found = []
        for start, end in ((self.morning_start, self.morning_end), (self.afternoon_start, self.afternoon_end)):
            if start and end:
                found.append((start, end))
        return found

    def clean(self) -> None:
        for label, start, end in (
            ("上午", self.morning_start, self.morning_end),
            ("下午", self.afternoon_start, self.afternoon_end),
        ):
            if (start is None) != (end is None):
                raise ValidationError(f"{label}的开始和结束时间须同时填写或同时留空")
            if start and end and start >= end:
                raise ValidationError(f"{label}的结束时间须晚于开始时间")
        if self.morning_end and self.afternoon_start and self.afternoon_start < self.morning_end:
            raise ValidationError("下午开始时间不能早于上午结束时间")


class SlotCounter(models.Model):
    """Places taken in one slot of one schedule: created on the slot's first booking
    (INSERT ... ON CONFLICT DO NOTHING), changed only by conditional UPDATEs in services."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="counters")
    date = models.DateField()
    start = models.TimeField()
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date", "start"], name="appointment_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start:%H:%M} {self.booked}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        BOOKED = "booked", "已预约"
        ARRIVED = "arrived", "已签到"
        CANCELLED = "cancelled", "已取消"
        NO_SHOW = "no_show", "爽约"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上预约"
        PHONE = "phone", "电话预约（工作人员代约）"

    hall = models.ForeignKey("accounts.Hall", verbose_name="大厅", on_delete=models.PROTECT, related_name="+")
    window_group = models.ForeignKey(
        "accounts.WindowGroup", verbose_name="窗口分区", on_delete=models.PROTECT, related_name="appointments"
    )
    schedule = models.ForeignKey(Schedule, verbose_name="排班", on_delete=models.PROTECT, related_name="appointments")
    item = models.ForeignKey("catalog.ServiceItem", verbose_name="事项", on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField("事项编码", max_length=64)
    applicant = models.ForeignKey(
        "accounts.Applicant", verbose_name="申请人", on_delete=models.PROTECT, related_name="appointments"
    )
    # the account that booked it: the applicant's own (or an operator's), or the staff member's
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="预约人", on_delete=models.PROTECT, related_name="appointments"
    )
    channel = models.CharField("预约渠道", max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    phone = models.CharField("通知手机", max_length=11, blank=True)
    date = models.DateField("日期")
    slot_start = models.DateTimeField("时段开始")
    slot_end = models.DateTimeField("时段结束")
    code = models.CharField("签到码", max_length=8)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.BOOKED)
    answers = models.JSONField("情形选择", default=dict, blank=True)
    materials = models.JSONField("需带材料", default=list, blank=True)
    moves = models.PositiveSmallIntegerField("改约次数", default=0)
    created_at = models.DateTimeField("预约时间", default=timezone.now)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    arrived_at = models.DateTimeField("签到时间", null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    no_show_at = models.DateTimeField("记为爽约时间", null=True, blank=True)

    class Meta:
        verbose_name = "预约"
        verbose_name_plural = "预约"
        indexes = [
            models.Index(fields=["hall", "date", "status"], name="appointment_hall_day"),
            models.Index(fields=["status", "slot_end"], name="appointment_due"),
            models.Index(fields=["applicant", "status", "slot_start"], name="appointment_applicant"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["hall", "date", "code"], name="appointment_code_unique"),
            # one live appointment per applicant and item, held by the database under races
            models.UniqueConstraint(
                fields=["applicant", "item_code"],
                condition=models.Q(status="booked"),
                name="appointment_one_live_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} {self.slot_start:%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.BOOKED
