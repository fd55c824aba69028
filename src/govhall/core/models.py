"""The few rows the shared mechanisms keep: failed event deliveries (``core.events``)."""

from django.db import models


class EventFailure(models.Model):
    """A subscriber that failed on an event: kept to be retried (``manage.py events_retry``)
    and, once it gives up, for an administrator to look at. The publisher's change is
    committed whatever happens here."""

    subscriber = models.CharField("订阅者", max_length=100)
    event = models.CharField("事件", max_length=100)
    payload = models.JSONField("事件内容")
    error = models.TextField("错误", blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=1)
    created_at = models.DateTimeField("首次失败时间", auto_now_add=True)
    next_attempt_at = models.DateTimeField("下次重试时间")
    resolved_at = models.DateTimeField("重试成功时间", null=True, blank=True)

    class Meta:
        verbose_name = "事件处理失败"
        verbose_name_plural = "事件处理失败"
        indexes = [models.Index(fields=["resolved_at", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.subscriber} × {self.event}"
