"""Electronic supervision (电子监察): the thresholds, the warnings the sweep and the case
events record (``Alert``), bulletins (通报) and the cases imported from departments' own
systems (专网办件, ``ImportedCase``).

Nothing here changes state: ``services.py`` is the only writer.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from govhall.cases.models import Channel, State


class Thresholds(models.Model):
    """The warning thresholds (one row, edited in the admin).

    Yellow (黄色预警) when at most ``yellow_share`` percent of the limit is left, or at most
    ``yellow_workdays`` working days; red (红色预警) at ``red_workdays`` or fewer; overdue
    (超时) once the due date has passed. Deferrals and commitments have no limit of their
    own: for them only the working-day rules apply.
    """

    yellow_share = models.PositiveSmallIntegerField(
        "黄色预警：剩余时限比例（%）",
        default=20,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="剩余工作日不超过承诺时限的这一比例时黄色预警（与下一项任一满足即可）",
    )
    yellow_workdays = models.PositiveSmallIntegerField(
        "黄色预警：剩余工作日", default=2, validators=[MaxValueValidator(60)]
    )
    red_workdays = models.PositiveSmallIntegerField(
        "红色预警：剩余工作日", default=1, validators=[MaxValueValidator(60)]
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "预警阈值"
        verbose_name_plural = "预警阈值"

    def __str__(self) -> str:
        return f"黄色：剩余≤{self.yellow_share}%或≤{self.yellow_workdays}个工作日；红色：≤{self.red_workdays}个工作日"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.red_workdays > self.yellow_workdays:
            raise ValidationError({"red_workdays": "红色预警的剩余工作日不能多于黄色预警的"})


class Level(models.TextChoices):
    INTAKE = "intake", "收件提醒"
    YELLOW = "yellow", "黄色预警"
    RED = "red", "红色预警"
    OVERDUE = "overdue", "超时"


class Subject(models.TextChoices):
    CASE = "case", "办件时限"
    DEFERRAL = "deferral", "容缺补齐期限"
    COMMITMENT = "commitment", "告知承诺核查期限"
    IMPORTED = "imported", "专网办件时限"


class Alert(models.Model):
    """One warning, recorded once: for one subject (a case's own due date, a deferral's,
    a commitment's verification due date, an imported case's), one level and the due date
    it was computed against. An extension moves the due date, so it may warn again."""

    level = models.CharField("类别", max_length=10, choices=Level.choices)
    subject = models.CharField("监察对象", max_length=12, choices=Subject.choices)
    # the id of the Case, Deferral, Commitment or ImportedCase watched
    subject_id = models.PositiveBigIntegerField("对象编号")
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="办件",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    imported = models.ForeignKey(
        "supervision.ImportedCase",
        verbose_name="专网办件",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
        db_index=False,
    )
    # For an intake alert: the day the case reached the queue; otherwise the due date.
    due_date = models.DateField("到期日")
    queue = models.CharField("队列", max_length=20, blank=True)
    # Copied for the board's filters (indexed columns, no joins).
    department = models.ForeignKey(
        "catalog.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    region = models.ForeignKey(
        "catalog.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    hall = models.ForeignKey(
        "accounts.Hall",
        verbose_name="大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name="事项", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    window = models.ForeignKey(
        "accounts.Window",
        verbose_name="窗口",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The clerk who took the case in (its acceptance in the timeline), when known.
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField("记录时间")
    notified_at = models.DateTimeField("通知时间", null=True, blank=True)
    # When the warning stopped standing: its subject concluded, paused or got a new due date,
    # or a more severe warning of the same subject and due date was recorded (the sweep and
    # the case events set it; the board shows the standing ones).
    resolved_at = models.DateTimeField("解除时间", null=True, blank=True)

    class Meta:
        verbose_name = "监察预警"
        verbose_name_plural = "监察预警"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "subject_id", "level", "due_date", "queue"], name="supervision_alert_once"
            )
        ]
        indexes = [
            models.Index(fields=["region", "level"]),
            models.Index(fields=["department", "level"]),
            models.Index(fields=["hall", "level"]),
            models.Index(fields=["notified_at"], condition=models.Q(notified_at__isnull=True), name="alert_unnotified"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.get_subject_display()} {self.due_date}"


class Bulletin(models.Model):
    """通报: a supervisor tells a department about its overdue cases."""

    department = models.ForeignKey("catalog.Department", verbose_name="被通报部门", on_delete=models.PROTECT)
    region = models.ForeignKey("catalog.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="通报人", on_delete=models.PROTECT)
    text = models.TextField("通报内容")
    # the overdue cases named (numbers: cases and imported cases alike)
    case_numbers = models.JSONField("涉及办件", default=list)
    overdue_count = models.PositiveIntegerField("超时件数", default=0)
    created_at = models.DateTimeField("通报时间", auto_now_add=True)

    class Meta:
        verbose_name = "通报"
        verbose_name_plural = "通报"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"通报 {self.department} {self.created_at:%Y-%m-%d}"


class ImportBatch(models.Model):
    """One upload of cases from a department's own system (专网)."""

    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField("行数")
    created = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "专网办件导入"
        verbose_name_plural = "专网办件导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.rows}行）"


class ImportedCase(models.Model):
    """A case decided in a department's own system (专网), imported so it is supervised and
    counted. Its number is the department's own (unique per department)."""

    external_number = models.CharField("办件编号", max_length=64)
    item = models.ForeignKey("catalog.ServiceItem", verbose_name="事项", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "catalog.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("catalog.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="+")
    applicant_name = models.CharField("申请人", max_length=200)
    applicant_kind = models.CharField("申请人类型", max_length=10)  # accounts.Applicant.Kind values
    channel = models.CharField("申请渠道", max_length=10, choices=Channel.choices, default=Channel.WINDOW)
    accepted_at = models.DateTimeField("受理时间")
    limit_workdays = models.PositiveIntegerField("承诺时限（工作日）", null=True, blank=True)
    due_date = models.DateField("到期日", null=True, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    state = models.CharField("状态", max_length=24, choices=State.choices)
    batch = models.ForeignKey(ImportBatch, verbose_name="导入批次", on_delete=models.PROTECT, related_name="cases")
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    class Meta:
        verbose_name = "专网办件"
        verbose_name_plural = "专网办件"
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "external_number"], name="imported_number_per_department")
        ]
        indexes = [
            models.Index(
                fields=["state", "due_date"], condition=models.Q(concluded_at__isnull=True), name="imported_open"
            ),
            models.Index(fields=["region", "accepted_at"]),
        ]

    def __str__(self) -> str:
        return self.external_number
