"""审前服务 (pre-application review): before filing, an applicant asks a staff member to look
at a draft — a draft case or a draft bundle case — and gets back ONE list of everything to
fix (一次性告知), so the real filing passes pre-review the first time.

A precheck is not a case transition: the draft stays a draft, nothing on the case changes;
the request and its reply live here, counted separately from cases. The reply is written
once and never edited (``services.precheck_reply``; the findings refuse to be saved again)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Status(models.TextChoices):
    PENDING = "pending", "待审前服务"
    REPLIED = "replied", "已一次性告知"
    WITHDRAWN = "withdrawn", "已撤回"


class Channel(models.TextChoices):
    ONLINE = "online", "网上申请"
    STATION = "station", "驿站帮办"
    WINDOW = "window", "窗口现场"


class Outcome(models.TextChoices):
    READY = "ready", "无需修改，可以提交"
    FIX = "fix", "需修改后提交"


class PrecheckRequest(models.Model):
    number = models.CharField("审前服务编号", max_length=32, unique=True)
    case = models.ForeignKey(
        "cases.Case", verbose_name="草稿办件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bundle_case = models.ForeignKey(
        "bundles.BundleCase",
        verbose_name="一件事草稿",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    applicant = models.ForeignKey(
        "accounts.Applicant", verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人账户", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    # who picks it up (see docs/prechecks.md): the hall's clerks always; the department's
    # reviewers for a single item's draft
    hall = models.ForeignKey("accounts.Hall", verbose_name="受理大厅", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        "catalog.Department", verbose_name="审批部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField("事项", max_length=200)
    question = models.TextField("想请工作人员重点看的问题", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    due_date = models.DateField("答复期限")
    created_at = models.DateTimeField("申请时间", auto_now_add=True, db_index=True)
    # the reply, written once
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审前服务人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    # the staff were reminded once that the reply date has passed (services.remind_overdue)
    overdue_reminded_at = models.DateTimeField("超期提醒时间", null=True, blank=True)
    outcome = models.CharField("结论", max_length=10, choices=Outcome.choices, blank=True)
    summary = models.TextField("告知说明", blank=True)

    class Meta:
        verbose_name = "审前服务"
        verbose_name_plural = "审前服务"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(case__isnull=False) & Q(bundle_case__isnull=True))
                | (Q(case__isnull=True) & Q(bundle_case__isnull=False)),
                name="precheck_one_draft",
            ),
            models.CheckConstraint(
                condition=(Q(status="replied") & Q(replied_at__isnull=False) & ~Q(outcome=""))
                | (~Q(status="replied") & Q(replied_at__isnull=True)),
                name="precheck_reply_complete",
            ),
            # one open request per draft at a time
            models.UniqueConstraint(fields=["case"], condition=Q(status="pending"), name="one_pending_precheck_case"),
            models.UniqueConstraint(
                fields=["bundle_case"], condition=Q(status="pending"), name="one_pending_precheck_bundle"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def draft_number(self) -> str:
        return self.case.number if self.case_id else self.bundle_case.number


class Finding(models.Model):
    """One thing to fix: a material or a form field (or something else), the problem and
    what is needed. Written with the reply, never changed."""

    class Kind(models.TextChoices):
        MATERIAL = "material", "材料"
        FIELD = "field", "申请表"
        OTHER = "other", "其他"

    request = models.ForeignKey(PrecheckRequest, on_delete=models.PROTECT, related_name="findings")
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    case_number = models.CharField("办件编号", max_length=32, blank=True, help_text="一件事草稿中所指的成员办件")
    target = models.CharField("材料或字段", max_length=200)
    requirement_id = models.PositiveIntegerField(null=True, blank=True)
    problem = models.CharField("问题", max_length=500)
    needed = models.CharField("需要怎样修改", max_length=500)

    class Meta:
        verbose_name = "审前服务告知项"
        verbose_name_plural = "审前服务告知项"
        ordering = ["request", "order", "id"]

    def __str__(self) -> str:
        return f"{self.target}：{self.problem}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("一次性告知的内容不能修改")
        super().save(*args, **kwargs)
