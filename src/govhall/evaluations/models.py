"""好差评: evaluations, follow-ups, callback and rectification tasks, window evaluator
screens and the record of what was reported to the national platform.

Nothing here changes state: ``services.py`` is the only writer. Evaluations are never
updated nor deleted (no update service, no update/delete API, the admin is read-only and
``save`` refuses an update); a follow-up (追评) is a row of its own.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Level(models.IntegerChoices):
    """The five levels of GB/T 39734-2020; the value is the national ``alternate`` (1-5)."""

    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    FAIRLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


# 好评: 非常满意 / 满意 / 基本满意; 差评: 不满意 / 非常不满意.
GOOD_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED, Level.FAIRLY_SATISFIED)
BAD_LEVELS = (Level.DISSATISFIED, Level.VERY_DISSATISFIED)


class IndicatorSet(models.TextChoices):
    ONLINE = "online", "网上评价指标"
    WINDOW = "window", "现场评价指标"


# The indicators of each channel (code -> label), in the order the form shows them.
INDICATORS: dict[str, dict[str, str]] = {
    IndicatorSet.ONLINE: {
        "overall": "整体满意度",
        "efficiency": "办事效率",
        "guide_accuracy": "办事指南精确度",
        "convenience": "办事便捷度",
        "usability": "平台操作性",
    },
    IndicatorSet.WINDOW: {
        "overall": "整体满意度",
        "service_efficiency": "服务效率",
        "service_level": "服务水平",
        "attitude": "服务态度",
    },
}


class Channel(models.TextChoices):
    """Where the evaluation was given. The value is the code reported as ``channel``; the
    national numeric ``pf`` is ``PF_CODES``."""

    PC = "PC", "政务服务网（办件页面）"
    APP = "APP", "移动端"
    SMS = "SMS", "短信链接"
    PJQ = "PJQ", "窗口评价器"
    TERMINAL = "YTJ", "自助服务终端"
    HOTLINE = "RX", "12345热线"


# 评价渠道 pf of the national interface: 1 PC端, 2 移动端, 3 二维码, 4 政务大厅平板电脑（评价器）,
# 5 政务大厅其他终端, 6 电话, 7 短信.
PF_CODES: dict[str, str] = {
    Channel.PC: "1",
    Channel.APP: "2",
    Channel.PJQ: "4",
    Channel.TERMINAL: "5",
    Channel.HOTLINE: "6",
    Channel.SMS: "7",
}

# Which indicators a channel asks for: on site (评价器, terminal, hotline) the window set.
CHANNEL_INDICATORS: dict[str, str] = {
    Channel.PC: IndicatorSet.ONLINE,
    Channel.APP: IndicatorSet.ONLINE,
    Channel.SMS: IndicatorSet.ONLINE,
    Channel.PJQ: IndicatorSet.WINDOW,
    Channel.TERMINAL: IndicatorSet.WINDOW,
    Channel.HOTLINE: IndicatorSet.WINDOW,
}


class Subject(models.TextChoices):
    """一事一评 and its kin (GB/T 39735): what is evaluated."""

    CASE = "case", "办件评价（一事一评）"
    ITEM = "item", "事项评价"
    STAFF = "staff", "工作人员评价（一次一评）"


class Evaluation(models.Model):
    subject = models.CharField("评价对象", max_length=8, choices=Subject.choices)
    # One evaluation per case: the database says so (several NULLs are allowed on both
    # SQLite and PostgreSQL, so item- and staff-level evaluations are not affected).
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
        db_index=False,
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name="事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    # Always set: the department answers for the evaluation (scope, callbacks, disclosure).
    department = models.ForeignKey(
        "catalog.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="evaluations", db_index=False
    )
    hall = models.ForeignKey(
        "accounts.Hall", verbose_name="大厅", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "accounts.Window", verbose_name="窗口", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The staff member evaluated (staff-level) or serving at the window (evaluator screen).
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="被评价工作人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations_received",
    )
    # Who evaluates: the case's applicant; for item- and staff-level evaluations the
    # applicant the signed-in user is (or operates for).
    applicant = models.ForeignKey(
        "accounts.Applicant", verbose_name="评价人（申请人）", on_delete=models.PROTECT, related_name="evaluations"
    )
    # The signed-in user who submitted it; empty on the window evaluator screen, where the
    # applicant is identified by the case the clerk put on the screen.
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交账户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations_given",
    )
    channel = models.CharField("评价渠道", max_length=4, choices=Channel.choices)
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices)
    indicator_set = models.CharField("指标体系", max_length=8, choices=IndicatorSet.choices)
    # {indicator code: level 1-5}, every indicator of ``indicator_set`` rated.
    indicators = models.JSONField("分项评价", default=dict)
    comment = models.TextField("文字评价", blank=True)
    # The case's state when evaluated (proStatus of the national interface).
    case_state = models.CharField("评价时办件状态", max_length=24, blank=True)
    created_at = models.DateTimeField("评价时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["case"], name="one_evaluation_per_case"),
            models.CheckConstraint(
                condition=(Q(subject="case") & Q(case__isnull=False)) | (~Q(subject="case") & Q(case__isnull=True)),
                name="evaluation_case_matches_subject",
            ),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=5), name="evaluation_level_1_to_5"),
        ]
        indexes = [models.Index(fields=["department", "level"])]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} {self.get_level_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("评价一经提交不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("评价不可删除")

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class FollowUp(models.Model):
    """追评: one more word after the evaluation, within ``FOLLOW_UP_DAYS`` (never a new level)."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="follow_up")
    comment = models.TextField("追评内容")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("追评时间", auto_now_add=True)

    class Meta:
        verbose_name = "追评"
        verbose_name_plural = "追评"

    def __str__(self) -> str:
        return f"追评 {self.evaluation_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("追评一经提交不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("追评不可删除")


class CallbackTask(models.Model):
    """凡不满必回访、凡问题必整改: opened by every 不满意 / 非常不满意.

    pending_callback --callback(reached|declined, or 3rd unreachable)--> pending_rectification
    --rectify--> rectified --close--> closed --(applicant contests)--> pending_rectification.
    """

    class State(models.TextChoices):
        PENDING_CALLBACK = "pending_callback", "待回访"
        PENDING_RECTIFICATION = "pending_rectification", "待整改"
        RECTIFIED = "rectified", "已整改待办结"
        CLOSED = "closed", "已办结"

    class Response(models.TextChoices):
        NONE = "", "未答复"
        CONFIRMED = "confirmed", "申请人认可"
        CONTESTED = "contested", "申请人不认可"

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="callback_task")
    # The evaluation's applicant, copied: the scope policy reaches the applicant side by a
    # field of the object itself.
    applicant = models.ForeignKey(
        "accounts.Applicant", verbose_name="评价人", on_delete=models.PROTECT, related_name="+", null=True
    )
    department = models.ForeignKey(
        "catalog.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    state = models.CharField("状态", max_length=24, choices=State.choices, default=State.PENDING_CALLBACK)
    callback_due = models.DateField("回访期限")
    rectification_due = models.DateField("整改期限", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closing_note = models.TextField("办结说明", blank=True)
    applicant_response = models.CharField(
        "申请人意见", max_length=10, choices=Response.choices, default=Response.NONE, blank=True
    )
    applicant_responded_at = models.DateTimeField("申请人答复时间", null=True, blank=True)
    reopened_count = models.PositiveSmallIntegerField("重新整改次数", default=0)
    # The state (and round) the department was last reminded of as overdue: once per stage.
    overdue_reminded = models.CharField("已催办", max_length=40, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "回访整改"
        verbose_name_plural = "回访整改"
        ordering = ["callback_due", "id"]
        indexes = [models.Index(fields=["department", "state"])]

    def __str__(self) -> str:
        return f"回访整改 #{self.pk} {self.get_state_display()}"


class CallbackRecord(models.Model):
    """One attempt to call the applicant back (回访记录)."""

    class Outcome(models.TextChoices):
        REACHED = "reached", "已联系，听取意见"
        UNREACHABLE = "unreachable", "未能联系"
        DECLINED = "declined", "申请人拒绝回访"

    class Method(models.TextChoices):
        PHONE = "phone", "电话"
        VISIT = "visit", "上门"
        SMS = "sms", "短信"
        ONSITE = "onsite", "现场"

    task = models.ForeignKey(CallbackTask, on_delete=models.PROTECT, related_name="callbacks")
    method = models.CharField("回访方式", max_length=8, choices=Method.choices)
    outcome = models.CharField("回访结果", max_length=12, choices=Outcome.choices)
    # What the applicant said, the cause as understood: required when reached.
    summary = models.TextField("回访情况")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("回访时间", auto_now_add=True)

    class Meta:
        verbose_name = "回访记录"
        verbose_name_plural = "回访记录"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} #{self.task_id}"


class Rectification(models.Model):
    """整改记录: what was done, the cause, and the staff member at fault if any (追责)."""

    class Cause(models.TextChoices):
        STAFF = "staff", "工作人员原因"
        PROCESS = "process", "流程或制度原因"
        SYSTEM = "system", "系统或设备原因"
        POLICY = "policy", "政策规定原因"
        NONE = "none", "经核实无过错（已解释说明）"

    task = models.ForeignKey(CallbackTask, on_delete=models.PROTECT, related_name="rectifications")
    round = models.PositiveSmallIntegerField("整改轮次", default=1)
    cause = models.CharField("原因", max_length=8, choices=Cause.choices)
    measures = models.TextField("整改措施")
    responsible_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    accountability = models.TextField("追责处理", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("整改时间", auto_now_add=True)
    overdue = models.BooleanField("超期整改", default=False)

    class Meta:
        verbose_name = "整改记录"
        verbose_name_plural = "整改记录"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(cause="staff") | Q(responsible_staff__isnull=False), name="staff_fault_names_staff"
            ),
            models.UniqueConstraint(fields=["task", "round"], name="one_rectification_per_round"),
        ]

    def __str__(self) -> str:
        return f"整改 #{self.task_id}/{self.round}"


class EvaluatorDevice(models.Model):
    """评价器: a screen facing the applicant at a window, paired by a secret the hall manager
    created (only its SHA-256 is stored). The clerk puts the case being served on it."""

    window = models.ForeignKey("accounts.Window", verbose_name="窗口", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("名称", max_length=50, blank=True)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    revoked_at = models.DateTimeField("停用时间", null=True, blank=True)
    last_seen_at = models.DateTimeField("最近在线", null=True, blank=True)
    # The case the clerk asked the applicant to evaluate, until evaluated or expired.
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="待评价办件"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField("请求评价时间", null=True, blank=True)

    class Meta:
        verbose_name = "窗口评价器"
        verbose_name_plural = "窗口评价器"
        constraints = [
            models.UniqueConstraint(fields=["window"], condition=Q(revoked_at__isnull=True), name="one_live_evaluator")
        ]

    def __str__(self) -> str:
        return f"{self.window} 评价器"


class ReportRecord(models.Model):
    """What was sent to the national platform: one row per attempt."""

    class Status(models.TextChoices):
        SENT = "sent", "已上报"
        FAILED = "failed", "上报失败"

    class Kind(models.TextChoices):
        EVALUATION = "evaluation", "评价"
        FOLLOW_UP = "follow_up", "追评"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="reports")
    # The evaluation is reported once; a follow-up made after that is reported once more
    # (assessNumber 2). A follow-up made before goes with the evaluation, and both are recorded.
    kind = models.CharField("上报内容", max_length=10, choices=Kind.choices, default=Kind.EVALUATION)
    provider = models.CharField("上报通道", max_length=30)
    status = models.CharField("结果", max_length=8, choices=Status.choices)
    payload_sha256 = models.CharField(max_length=64)
    detail = models.TextField("回执/错误", blank=True)
    sent_at = models.DateTimeField("上报时间", auto_now_add=True)

    class Meta:
        verbose_name = "上报记录"
        verbose_name_plural = "上报记录"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "kind"], condition=Q(status="sent"), name="evaluation_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.get_status_display()}"
