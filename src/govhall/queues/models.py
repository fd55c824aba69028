"""Queue tickets (取号) and their calling (叫号), the per-day number counters, and the paired
hall devices (取号机 kiosks, 大厅叫号屏 screens, the door QR).

Every change of state goes through ``services``; the state table is ``workflow.TRANSITIONS``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class State(models.TextChoices):
    WAITING = "waiting", "等候中"
    CALLED = "called", "已叫号"
    SERVING = "serving", "办理中"
    PARKED = "parked", "已挂起"
    MISSED = "missed", "已过号"
    FINISHED = "finished", "已办结"
    CANCELLED = "cancelled", "已取消"
    # 闭厅清号: still open when its day ended (the daily close, ``services.close_days``)
    EXPIRED = "expired", "当日未办结"


class Priority(models.TextChoices):
    """Why a ticket is called earlier (see ``workflow.PRIORITY_CREDIT_MINUTES``)."""

    NONE = "", "普通"
    APPOINTMENT = "appointment", "预约"
    ELDERLY = "elderly", "老年人（60周岁以上）"
    DISABLED = "disabled", "残疾人"
    KEY_PROJECT = "key_project", "重点项目"
    GREEN_CHANNEL = "green_channel", "绿色通道"  # an applicant the hall put in the green channel


class Source(models.TextChoices):
    KIOSK = "kiosk", "取号机"
    CLERK = "clerk", "窗口代取"
    PHONE = "phone", "扫码取号"
    APPOINTMENT = "appointment", "预约签到"
    API = "api", "接口"


class Counter(models.Model):
    """The last number given in a window group on a day: one row, locked while a number is
    taken, so two kiosks never print the same number."""

    group = models.ForeignKey("accounts.WindowGroup", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "day"], name="queue_counter_one_per_group_day")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.day} {self.last}"


class Ticket(models.Model):
    """One queue ticket (排队号): a number of a window group on a day, waiting to be called
    to one of the group's windows."""

    hall = models.ForeignKey("accounts.Hall", verbose_name="大厅", on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        "accounts.WindowGroup", verbose_name="窗口分区", on_delete=models.PROTECT, related_name="tickets"
    )
    # the group that gave the number (a transferred ticket keeps its number)
    issued_group = models.ForeignKey(
        "accounts.WindowGroup", verbose_name="取号分区", on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField("日期")
    seq = models.PositiveIntegerField("序号")
    number = models.CharField("号码", max_length=8)
    secret_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.WAITING)
    priority = models.CharField("优先类别", max_length=16, choices=Priority.choices, blank=True, default="")
    source = models.CharField("取号方式", max_length=12, choices=Source.choices)
    # the order in the queue: issue time minus the priority's credit (earliest first)
    queue_key = models.DateTimeField("排队顺序")
    issued_at = models.DateTimeField("取号时间")
    called_at = models.DateTimeField("叫号时间", null=True, blank=True)
    first_called_at = models.DateTimeField("首次叫号时间", null=True, blank=True)
    started_at = models.DateTimeField("开始办理时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    call_count = models.PositiveSmallIntegerField("本轮呼叫次数", default=0)
    # 叫号提醒 sent (once: a ticket pushed back by priority tickets is not told twice)
    reminded_at = models.DateTimeField("叫号提醒时间", null=True, blank=True)
    window = models.ForeignKey(
        "accounts.Window", verbose_name="窗口", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # whole seconds, written once: from issue to the first call, and of the service itself
    wait_seconds = models.PositiveIntegerField("等候时长（秒）", null=True, blank=True)
    service_seconds = models.PositiveIntegerField("办理时长（秒）", null=True, blank=True)
    applicant = models.ForeignKey(
        "accounts.Applicant", verbose_name="申请人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    appointment_code = models.CharField("预约签到码", max_length=32, blank=True)
    key_project = models.ForeignKey(
        "stations.KeyProject",
        verbose_name="重点项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "排队号"
        verbose_name_plural = "排队号"
        ordering = ["-day", "queue_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issued_group", "day", "seq"], name="queue_ticket_number_once"),
            # a window serves one ticket at a time
            models.UniqueConstraint(
                fields=["window"],
                condition=Q(state__in=["called", "serving"]),
                name="queue_one_ticket_per_window",
            ),
        ]
        indexes = [
            models.Index(fields=["group", "state", "queue_key"], name="queue_ticket_waiting"),
            models.Index(fields=["hall", "day"], name="queue_ticket_hall_day"),
            models.Index(fields=["group", "called_at"], name="queue_ticket_group_called"),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.day}）"


class TicketCase(models.Model):
    """A case the clerk took in while serving the ticket (一窗受理)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "排队号关联办件"
        verbose_name_plural = "排队号关联办件"
        constraints = [models.UniqueConstraint(fields=["ticket", "case"], name="queue_ticket_case_once")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.case_id}"


class Device(models.Model):
    """A hall device paired by a secret the hall manager created (only its SHA-256 is kept):
    a 取号机 kiosk, the hall's TV (叫号屏), or the QR poster at the door (扫码取号)."""

    class Kind(models.TextChoices):
        KIOSK = "kiosk", "取号机"
        SCREEN = "screen", "叫号屏"
        DOOR = "door", "门口取号二维码"

    hall = models.ForeignKey("accounts.Hall", verbose_name="大厅", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称", max_length=50, blank=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)
    last_seen_at = models.DateTimeField("最近在线", null=True, blank=True)

    class Meta:
        verbose_name = "大厅设备"
        verbose_name_plural = "大厅设备"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"
