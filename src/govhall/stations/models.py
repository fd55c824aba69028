"""Stations (政务服务驿站), where halls stand on the map, assisted service (帮办代办) and key
projects (重点项目).

Nothing here changes state by itself: ``services.py`` is the only writer, and
``workflow.py`` the only place that says which status of an assisted-service request may
follow which. The authorisation an assistant acts under (委托书) is the accounts app's
``Authorisation``; cases are the cases app's, linked here, never changed here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from govhall.stations.hours import Schedule

_LAT = [MinValueValidator(-90), MaxValueValidator(90)]
_LNG = [MinValueValidator(-180), MaxValueValidator(180)]
_CODE = RegexValidator(r"^[a-z0-9][a-z0-9-]{1,39}$", "代码由小写字母、数字和连字符组成（2-40位）")


def validate_hours(value: object) -> None:
    try:
        Schedule.from_json(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _week() -> list:
    return [[] for _ in range(7)]


class Located(models.Model):
    """A place on the finder: WGS-84 position and a weekly schedule read with the calendar."""

    latitude = models.FloatField("纬度（WGS-84）", validators=_LAT)
    longitude = models.FloatField("经度（WGS-84）", validators=_LNG)
    hours = models.JSONField("开放时间", default=_week, validators=[validate_hours])
    closed_on_holidays = models.BooleanField(
        "按工作日历开放", default=True, help_text="法定节假日不开放，调休上班日按工作日时间开放"
    )

    class Meta:
        abstract = True

    @property
    def schedule(self) -> Schedule:
        return Schedule.from_json(self.hours)


class Station(Located):
    """政务服务驿站: a service point in an enterprise cluster, a park or a community, where
    assistants take applications in and act for applicants (帮办代办)."""

    class Kind(models.TextChoices):
        CLUSTER = "cluster", "企业聚集区驿站"
        PARK = "park", "园区驿站"
        COMMUNITY = "community", "社区驿站"
        STREET = "street", "街道驿站"

    code = models.CharField("驿站代码", max_length=40, unique=True, validators=[_CODE])
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    region = models.ForeignKey("catalog.Region", verbose_name="所在区划", on_delete=models.PROTECT, related_name="+")
    # The hall whose manager oversees the station (assigns its requests, sees its workload).
    hall = models.ForeignKey(
        "accounts.Hall", verbose_name="所属大厅", on_delete=models.PROTECT, related_name="stations"
    )
    address = models.CharField("地址", max_length=200)
    phone = models.CharField("咨询电话", max_length=30, blank=True)
    description = models.TextField("简介", blank=True)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "政务服务驿站"
        verbose_name_plural = "政务服务驿站"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StationAssistant(models.Model):
    """An assistant (a user with the assistant role) working at a station."""

    station = models.ForeignKey(Station, verbose_name="驿站", on_delete=models.CASCADE, related_name="assistants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="帮办代办员", on_delete=models.PROTECT, related_name="station_posts"
    )
    is_active = models.BooleanField("在岗", default=True)
    since = models.DateField("到岗日期", auto_now_add=True)

    class Meta:
        verbose_name = "驿站帮办代办员"
        verbose_name_plural = "驿站帮办代办员"
        constraints = [models.UniqueConstraint(fields=["station", "user"], name="unique_station_assistant")]

    def __str__(self) -> str:
        return f"{self.station} · {self.user}"


class StationItem(models.Model):
    """An item a station takes in, by its implementation code (whatever its version)."""

    station = models.ForeignKey(Station, verbose_name="驿站", on_delete=models.CASCADE, related_name="items")
    item_code = models.CharField("事项实施编码", max_length=64)

    class Meta:
        verbose_name = "驿站可办事项"
        verbose_name_plural = "驿站可办事项"
        constraints = [models.UniqueConstraint(fields=["station", "item_code"], name="unique_station_item")]

    def __str__(self) -> str:
        return self.item_code


class Equipment(models.Model):
    """What stands at a station: a self-service terminal, a tax terminal, a printer, or a
    24-hour locker bank, which is a site of the lockers app named by its code."""

    class Kind(models.TextChoices):
        TERMINAL = "terminal", "政务服务自助终端"
        TAX = "tax", "自助办税机"
        PRINTER = "printer", "打印复印机"
        LOCKER = "locker", "24小时自助信包箱"

    station = models.ForeignKey(Station, verbose_name="驿站", on_delete=models.CASCADE, related_name="equipment")
    kind = models.CharField("设备", max_length=10, choices=Kind.choices)
    name = models.CharField("说明", max_length=100, blank=True)
    locker_site = models.CharField("信包箱站点代码", max_length=40, blank=True, help_text="信包箱：lockers 站点的代码")

    class Meta:
        verbose_name = "驿站设备"
        verbose_name_plural = "驿站设备"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="locker") | ~Q(locker_site=""), name="locker_equipment_names_its_site"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class HallLocation(Located):
    """Where a hall (accounts.Hall) stands and when it is open, for the finder."""

    hall = models.OneToOneField("accounts.Hall", verbose_name="大厅", on_delete=models.CASCADE, related_name="location")

    class Meta:
        verbose_name = "大厅位置与开放时间"
        verbose_name_plural = "大厅位置与开放时间"

    def __str__(self) -> str:
        return str(self.hall)


# --------------------------------------------------------------------------- 帮办代办


class AssistStatus(models.TextChoices):
    NEW = "new", "待分派"
    ASSIGNED = "assigned", "已分派"
    IN_PROGRESS = "in_progress", "办理中"
    DONE = "done", "已办结"
    CANCELLED = "cancelled", "已取消"


class AssistRequest(models.Model):
    """An applicant's (or a company's) request for help (帮办) or for someone to act for
    them (代办), made online or at a station, and what became of it."""

    class Mode(models.TextChoices):
        HELP = "help", "帮办（指导我自己办理）"
        ACT = "act", "代办（委托帮办员代为申报）"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申请"
        STATION = "station", "驿站现场"

    number = models.CharField("帮办编号", max_length=20, unique=True)
    applicant = models.ForeignKey(
        "accounts.Applicant", verbose_name="申请人", on_delete=models.PROTECT, related_name="assist_requests"
    )
    mode = models.CharField("服务方式", max_length=10, choices=Mode.choices, default=Mode.ACT)
    channel = models.CharField("申请渠道", max_length=10, choices=Channel.choices)
    station = models.ForeignKey(
        Station, verbose_name="驿站", null=True, blank=True, on_delete=models.PROTECT, related_name="requests"
    )
    # The hall that answers for it: the station's, or for an online request without one the
    # hall of the district (its manager assigns it).
    hall = models.ForeignKey("accounts.Hall", verbose_name="所属大厅", on_delete=models.PROTECT, related_name="+")
    item_codes = models.JSONField("需办理事项（实施编码）", default=list, blank=True)
    description = models.TextField("需求说明", max_length=1000)
    contact_phone = models.CharField("联系电话", max_length=11, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=AssistStatus.choices, default=AssistStatus.NEW, db_index=True
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="帮办代办员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assist_requests",
    )
    # The 委托书 asked for this request (the latest, when there were several).
    authorisation = models.ForeignKey(
        "accounts.Authorisation",
        verbose_name="委托书",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assist_requests",
    )
    result = models.TextField("办理结果", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    assigned_at = models.DateTimeField("分派时间", null=True, blank=True)
    started_at = models.DateTimeField("开始办理", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "帮办代办申请"
        verbose_name_plural = "帮办代办申请"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["assistant", "status"]), models.Index(fields=["hall", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (AssistStatus.NEW, AssistStatus.ASSIGNED, AssistStatus.IN_PROGRESS)


class AssistEvent(models.Model):
    """One step of a request's history: who did what, in which role, from which status."""

    request = models.ForeignKey(AssistRequest, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField("操作", max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=50)
    actor_role = models.CharField("角色", max_length=20, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    comment = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "帮办代办记录"
        verbose_name_plural = "帮办代办记录"
        ordering = ["request", "seq"]
        constraints = [models.UniqueConstraint(fields=["request", "seq"], name="unique_assist_event_seq")]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.seq} {self.action}"


class AssistCase(models.Model):
    """A case filed (or taken on) for a request."""

    request = models.ForeignKey(AssistRequest, on_delete=models.CASCADE, related_name="case_links")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)
    # The id of the last timeline event of the case the assistant was told about (case
    # events are delivered at least once: a second delivery finds it told).
    told_event = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "帮办代办办件"
        verbose_name_plural = "帮办代办办件"
        constraints = [models.UniqueConstraint(fields=["request", "case"], name="unique_assist_case")]

    def __str__(self) -> str:
        return f"{self.request} · {self.case_id}"


# --------------------------------------------------------------------------- 重点项目


class KeyProject(models.Model):
    """重点项目: e.g. a factory's construction, with its company, a dedicated assistant and
    all its cases across departments."""

    class Status(models.TextChoices):
        ACTIVE = "active", "推进中"
        COMPLETED = "completed", "审批已完成"

    code = models.CharField("项目代码", max_length=40, unique=True, validators=[_CODE])
    name = models.CharField("项目名称", max_length=200)
    company = models.ForeignKey(
        "accounts.Applicant", verbose_name="项目单位", on_delete=models.PROTECT, related_name="key_projects"
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="专属帮办代办员", on_delete=models.PROTECT, related_name="key_projects"
    )
    hall = models.ForeignKey("accounts.Hall", verbose_name="牵头大厅", on_delete=models.PROTECT, related_name="+")
    location = models.CharField("建设地点", max_length=200, blank=True)
    description = models.TextField("项目概况", blank=True)
    investment = models.DecimalField("总投资（万元）", max_digits=12, decimal_places=2, null=True, blank=True)
    target_date = models.DateField("审批完成目标日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "重点项目"
        verbose_name_plural = "重点项目"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ProjectCase(models.Model):
    """A case of a key project (a case belongs to at most one project)."""

    project = models.ForeignKey(KeyProject, on_delete=models.CASCADE, related_name="case_links")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)
    told_event = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "重点项目办件"
        verbose_name_plural = "重点项目办件"

    def __str__(self) -> str:
        return f"{self.project} · {self.case_id}"
