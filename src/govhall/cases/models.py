"""Cases (办件): one application for one item version, its materials, deferrals,
commitments, corrections, pauses, documents and the hash-chained timeline.

Nothing here changes state: ``services.py`` is the only writer and ``workflow.py`` the
only place that says which state may follow which.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from govhall.cases.events import EventKind
from govhall.catalog.models import DeliveryMode


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待预审"
    CORRECTION_REQUESTED = "correction_requested", "待补正"
    REJECTED = "rejected", "不予受理"
    ACCEPTED = "accepted", "已受理（审查中）"
    SUSPENDED = "suspended", "特别程序（计时暂停）"
    APPROVED = "approved", "准予许可（待出件）"
    DENIED = "denied", "不予许可"
    ISSUED = "issued", "已办结（待送达）"
    DELIVERED = "delivered", "已送达"
    WITHDRAWN = "withdrawn", "已撤回"
    REVOKED = "revoked", "已撤销"


class Channel(models.TextChoices):
    ONLINE = "online", "网上申请"
    WINDOW = "window", "窗口受理"
    ASSISTED = "assisted", "帮办代办"


# The staff queues: which cases wait in each (the workbench's tabs, ``selectors.QUEUES``,
# adds the titles and 待撤销, which depends on commitments). Each queue has a partial index
# per scope column holding only the cases waiting in it, in the queue's order: a queue
# page is then a walk of its first rows, whatever the history (bench/load, decision 0011).
# Under review, a case waits for the reviewer's opinion (待审查, and while a special
# procedure runs) and then for the chief approver's decision (待决定).
QUEUE_WAITING: dict[str, Q] = {
    "prereview": Q(state=State.SUBMITTED),
    "correction": Q(state=State.CORRECTION_REQUESTED),
    "review": Q(state=State.ACCEPTED, reviewed_at__isnull=True) | Q(state=State.SUSPENDED),
    "decision": Q(state=State.ACCEPTED, reviewed_at__isnull=False),
    "issue": Q(state=State.APPROVED),
    "delivery": Q(state=State.ISSUED),
}
# 绿色通道 first, then the nearest deadline.
QUEUE_ORDER = ("-green_channel", "due_date", "submitted_at", "id")


class Case(models.Model):
    number = models.CharField("办件编号", max_length=32, unique=True)
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name="事项（版本）", on_delete=models.PROTECT, related_name="cases"
    )
    # No single-column index where a composite index (Meta.indexes) begins with the column:
    # it would serve no query the composite does not, and every insert writes to each index.
    applicant = models.ForeignKey(
        "accounts.Applicant", verbose_name="申请人", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    # Who filed it: the applicant's own account, a company's operator, a clerk or an assistant.
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="提交人", on_delete=models.PROTECT, related_name="filed_cases"
    )
    channel = models.CharField("申请渠道", max_length=10, choices=Channel.choices)
    state = models.CharField("状态", max_length=24, choices=State.choices, default=State.DRAFT, db_index=True)
    # Bumped by every transition: API clients may send it back to detect a stale view.
    version = models.PositiveIntegerField("版本号", default=0)

    # Scope: copied from the item version at creation so queues filter on indexed columns.
    department = models.ForeignKey(
        "catalog.Department", verbose_name="审批部门", on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    hall = models.ForeignKey(
        "accounts.Hall",
        verbose_name="受理大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,
    )
    intake_window = models.ForeignKey(
        "accounts.Window", verbose_name="受理窗口", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 统一窗口出件: the window that handed the result over, when collected at the hall.
    issue_window = models.ForeignKey(
        "accounts.Window", verbose_name="出件窗口", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    situation_answers = models.JSONField("情形选择", default=dict, blank=True)
    form = models.JSONField("申请表", default=dict, blank=True)

    # Clock. Limits count in working days from the day of acceptance; pauses are Pause rows.
    # 绿色通道: copied at creation from the item or the applicant; decides the limit at acceptance
    green_channel = models.BooleanField("绿色通道", default=False)
    limit_workdays = models.PositiveIntegerField("承诺时限（工作日）", null=True, blank=True)
    # 延长审批期限: the working days the chief approver added to the limit (already in it).
    extended_workdays = models.PositiveIntegerField("延长时限（工作日）", default=0)
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    due_date = models.DateField("到期日", null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField("到期日暂定", default=False)
    clock_paused = models.BooleanField("计时暂停", default=False)

    # 审查意见: when a reviewer last put the case to the chief approver with a recommendation
    # (the opinion itself is the "review" event in the timeline). Cleared when the case comes
    # back from a correction: the materials changed, so it is reviewed again. 待决定 filters on it.
    reviewed_at = models.DateTimeField("审查时间", null=True, blank=True)

    # Decision.
    licence_number = models.CharField("结果证照编号", max_length=100, blank=True)
    approval_basis = models.CharField(
        "审批方式",
        max_length=12,
        blank=True,
        choices=[("review", "审查决定"), ("commitment", "告知承诺"), ("instant", "即办")],
    )
    decision_reason = models.TextField("理由", blank=True)
    decision_legal_basis = models.TextField("法律依据", blank=True)

    delivery_mode = models.CharField("送达方式", max_length=12, choices=DeliveryMode.choices, blank=True)
    delivery_address = models.CharField("邮寄地址", max_length=300, blank=True)
    tracking_number = models.CharField("邮件单号", max_length=40, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    issued_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("终结时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # Head of the timeline's hash chain (see TimelineEvent).
    last_event_hash = models.CharField(max_length=64, blank=True)
    event_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        ordering = ["-created_at"]
        indexes = [
            # staff lists by state, newest first (read backwards)
            models.Index(fields=["department", "state", "created_at", "id"], name="case_department_state_created"),
            models.Index(fields=["hall", "state", "created_at", "id"], name="case_hall_state_created"),
            models.Index(fields=["applicant", "-created_at"]),
            # statistics read a period's cases by when they were filed and decided
            models.Index(fields=["submitted_at"]),
            models.Index(fields=["decided_at"]),
            *(
                models.Index(fields=[column, *QUEUE_ORDER], condition=waiting, name=f"case_{name}_{column}")
                for name, waiting in QUEUE_WAITING.items()
                for column in ("hall", "department")
            ),
        ]

    def __str__(self) -> str:
        return self.number


class SubmittedMaterial(models.Model):
    """A material in a case: an uploaded file, or one fetched from the licence library or
    shared data (免证办). A re-upload supersedes the earlier file; history is kept."""

    class Source(models.TextChoices):
        UPLOAD = "upload", "申请人上传"
        SCAN = "scan", "窗口扫描"
        LICENCE = "licence", "电子证照库"
        SHARED_DATA = "shared_data", "共享数据"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    requirement = models.ForeignKey(
        "catalog.MaterialRequirement", verbose_name="材料", on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("来源", max_length=12, choices=Source.choices)
    file = models.FileField("文件", upload_to="cases/%Y/%m/", blank=True)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    size = models.PositiveIntegerField("大小（字节）", default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # The licence library entry it came from (a number, so licences need not know cases).
    licence_number = models.CharField("电子证照编号", max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    current = models.BooleanField("当前有效", default=True)

    class Meta:
        verbose_name = "办件材料"
        verbose_name_plural = "办件材料"
        ordering = ["requirement__order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "requirement"], condition=Q(current=True), name="one_current_material"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.requirement.name}"


class Deferral(models.Model):
    """容缺受理: a secondary material accepted as missing, to be supplied by ``due_date``."""

    class Status(models.TextChoices):
        PENDING = "pending", "待补齐"
        RECEIVED = "received", "已提交待核验"
        CONFIRMED = "confirmed", "已核验"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deferrals")
    requirement = models.ForeignKey("catalog.MaterialRequirement", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField("补齐期限")
    due_provisional = models.BooleanField("期限暂定", default=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    received_at = models.DateTimeField("提交时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("核验时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "容缺材料"
        verbose_name_plural = "容缺材料"
        ordering = ["requirement__order", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "requirement"], name="one_deferral_per_material")]

    def __str__(self) -> str:
        return f"{self.case.number} 容缺：{self.requirement.name}"


class Commitment(models.Model):
    """A written commitment (承诺书): to supply deferred materials, or that the conditions
    of a notify-and-commit item are met (告知承诺)."""

    class Kind(models.TextChoices):
        DEFERRAL = "deferral", "容缺补齐承诺"
        NOTIFY_COMMIT = "notify_commit", "告知承诺"

    class Verification(models.TextChoices):
        NOT_REQUIRED = "not_required", "无需核查"
        PENDING = "pending", "待核查"
        PASSED = "passed", "核查属实"
        FAILED = "failed", "核查不实"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="commitments")
    kind = models.CharField("类型", max_length=14, choices=Kind.choices)
    text = models.TextField("承诺内容")
    signed_by = models.CharField("承诺人", max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("承诺时间", auto_now_add=True)
    verification = models.CharField(
        "事后核查", max_length=14, choices=Verification.choices, default=Verification.NOT_REQUIRED
    )
    verification_due = models.DateField("核查期限", null=True, blank=True, db_index=True)
    verified_at = models.DateTimeField("核查时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verification_comment = models.TextField("核查意见", blank=True)

    class Meta:
        verbose_name = "承诺"
        verbose_name_plural = "承诺"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_kind_display()}"


class CorrectionRequest(models.Model):
    """补正: one notice listing everything to fix (一次性告知)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="corrections")
    # [{"requirement_id": int | None, "name": str, "problem": str}]
    items = models.JSONField("补正内容")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "补正告知"
        verbose_name_plural = "补正告知"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case.number} 补正（{len(self.items)}项）"


class Pause(models.Model):
    """A stretch of days on which the clock stands still (both ends included)."""

    class Kind(models.TextChoices):
        SUSPENSION = "suspension", "特别程序"
        CORRECTION = "correction", "补正"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    reason = models.CharField("事由", max_length=200, blank=True)
    from_date = models.DateField()
    to_date = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "计时暂停"
        verbose_name_plural = "计时暂停"
        ordering = ["from_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.from_date}–{self.to_date or '至今'}"


class Document(models.Model):
    """A PDF the case produced: notices and the result."""

    class Kind(models.TextChoices):
        ACCEPTANCE_NOTICE = "acceptance_notice", "受理通知书"
        CORRECTION_NOTICE = "correction_notice", "补正材料通知书"
        DEFERRAL_NOTICE = "deferral_notice", "容缺受理补正材料通知书"
        REJECTION_NOTICE = "rejection_notice", "不予受理通知书"
        EXTENSION_NOTICE = "extension_notice", "延长审批期限告知书"
        DENIAL = "denial", "不予许可决定书"
        DECISION = "decision", "审批决定书"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to="documents/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_kind_display()}"


class TimelineEvent(models.Model):
    """Append-only, hash-chained record of everything that happened to a case.

    ``hash`` = SHA-256 over the previous event's hash and this event's content, so editing
    or deleting any event breaks every later link (``manage.py verify_audit``). The chain
    is per case: cases never wait on each other to append.
    """

    # Looked up by case through the (case, seq) unique index: no index of its own.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    action = models.CharField("动作", max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField("操作人", max_length=100)
    actor_role = models.CharField("角色", max_length=20)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24, blank=True)
    comment = models.TextField("说明", blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "办件轨迹"
        verbose_name_plural = "办件轨迹"
        ordering = ["case_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="unique_event_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"

    def compute_hash(self) -> str:
        return event_hash(
            prev_hash=self.prev_hash,
            case_id=self.case_id,
            seq=self.seq,
            action=self.action,
            actor_id=self.actor_id,
            actor_role=self.actor_role,
            from_state=self.from_state,
            to_state=self.to_state,
            comment=self.comment,
            data=self.data,
            created_at=self.created_at.isoformat(),
        )


def event_hash(**fields) -> str:
    import json

    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an ``Idempotency-Key``: a retry gets it back.

    Stored in the same transaction as the change it answers, so a key is either bound to
    a committed change or to nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "幂等记录"
        verbose_name_plural = "幂等记录"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")]

    def __str__(self) -> str:
        return self.key
