from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from govhall.core.masking import mask_phone


class Notification(models.Model):
    """One message to one person on one channel: an in-site message (站内信) or an SMS.

    Rows are written only by ``notify.services``; SMS rows change status only in
    ``notify.tasks.deliver_sms`` through ``notify.sms`` (and ``sms_redeliver``, which fails
    expired one-time codes).
    """

    class Channel(models.TextChoices):
        SITE = "site", "站内信"
        SMS = "sms", "短信"

    class Status(models.TextChoices):
        # SMS: pending → sending → sent | failed (a failed one may be tried again).
        PENDING = "pending", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        # In-site messages are delivered when written.
        DELIVERED = "delivered", "已送达"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接收人",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,  # notify_inbox_idx begins with it
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    phone = models.CharField("手机号码", max_length=20, blank=True)
    event = models.CharField("事件", max_length=50, help_text="如 case.accepted")
    text = models.TextField("内容")
    case_number = models.CharField("办件编号", max_length=40, blank=True, db_index=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    gateway_ref = models.CharField("网关回执号", max_length=100, blank=True)
    error = models.TextField("错误信息", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    # A one-time secret (an SMS code) kept apart from ``text``, which holds it masked. It is
    # held only while delivery may still need it: cleared when the SMS is sent, finally
    # fails or outlives ``secret_expires_at``. ``secret_expires_at`` stays, marking a row
    # whose text is never sent without its secret. Both nullable so that adding them does
    # not rebuild the table on SQLite. The admin never shows or searches ``secret``.
    secret = models.CharField("一次性内容", max_length=32, null=True, blank=True, editable=False)  # noqa: DJ001
    secret_expires_at = models.DateTimeField("有效期至", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"], name="notify_inbox_idx"),
            models.Index(fields=["channel", "status"], name="notify_channel_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(channel="site") & Q(recipient__isnull=False)) | (Q(channel="sms") & ~Q(phone="")),
                name="notification_has_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.event} #{self.pk}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
