"""A bundle case (一件事办件): one application, one form and one set of materials for a
bundle of the catalogue, carried out as one ordinary case per applying member item
(``cases.Case``), each routed to its own department and reviewed in parallel (并联审批).

The members' cases are the record of what each department did; the bundle case keeps
what belongs to the whole: the answers, the one form, the delivery preference, the results
held for unified issuance, the notices told on the bundle, and a status derived from its
members (``services.status_recompute``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待预审"
    IN_PROGRESS = "in_progress", "并联审批中"
    CORRECTION_REQUESTED = "correction_requested", "待补正"
    PARTLY_DECIDED = "partly_decided", "部分办结"
    DECIDED = "decided", "全部办结（待送达）"
    DELIVERED = "delivered", "已送达"
    WITHDRAWN = "withdrawn", "已撤回"


class Delivery(models.TextChoices):
    TOGETHER = "together", "全部办结后统一送达"
    EACH = "each", "办结一件送达一件"


class BundleCase(models.Model):
    number = models.CharField("一件事办件编号", max_length=40, unique=True)
    bundle = models.ForeignKey("catalog.Bundle", on_delete=models.PROTECT, related_name="+", verbose_name="一件事")
    applicant = models.ForeignKey(
        "accounts.Applicant", on_delete=models.PROTECT, related_name="bundle_cases", verbose_name="申请人"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提交人"
    )
    hall = models.ForeignKey(
        "accounts.Hall", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="受理大厅"
    )
    answers = models.JSONField("情形答案", default=dict, help_text="情形编号 → 答案编号")
    form = models.JSONField("一表申请", default=dict, help_text="按一件事表单字段名填写")
    delivery = models.CharField("送达安排", max_length=10, choices=Delivery.choices, default=Delivery.TOGETHER)
    delivery_mode = models.CharField("送达方式", max_length=12, blank=True)
    status = models.CharField("状态", max_length=24, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "一件事办件"
        verbose_name_plural = "一件事办件"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class BundleCaseMember(models.Model):
    """One member item's case. ``held``: its result is issued and waits for the others
    (统一出件); ``released`` when it went out."""

    bundle_case = models.ForeignKey(BundleCase, on_delete=models.CASCADE, related_name="members")
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="bundle_member")
    item_code = models.CharField("事项编码", max_length=60)
    order = models.PositiveIntegerField("序号", default=0)
    held = models.BooleanField("结果暂存待统一送达", default=False)
    held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "一件事成员办件"
        verbose_name_plural = "一件事成员办件"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.item_code


class BundleNotice(models.Model):
    """What the applicant was told on the bundle, once per ``key`` (an event may be
    delivered twice: the key makes the second delivery a no-op)."""

    bundle_case = models.ForeignKey(BundleCase, on_delete=models.CASCADE, related_name="notices")
    key = models.CharField(max_length=80)
    kind = models.CharField(max_length=20)
    text = models.TextField()
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "一件事告知"
        verbose_name_plural = "一件事告知"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["bundle_case", "key"], name="unique_bundle_notice_key")]

    def __str__(self) -> str:
        return self.key
