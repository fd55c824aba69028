"""The few rows the shared mechanisms keep: failed event deliveries (``core.events``) and the
counts of rate limits and locks (``core.limits``)."""

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


class LimitCount(models.Model):
    """One count of ``core.limits``: the events under ``key`` in the window that ends at
    ``expires_at`` (Unix time, seconds; a row whose window has ended counts 0 and is deleted
    on a later write). Written only by ``core.limits``, one atomic statement per event. The
    keys are keyed hashes of what they count: no account names, phone numbers, addresses or
    case numbers are stored."""

    key = models.CharField("键", max_length=200, primary_key=True)
    count = models.IntegerField("次数")
    expires_at = models.FloatField("窗口结束（Unix 时间）", db_index=True)

    class Meta:
        verbose_name = "限次计数"
        verbose_name_plural = "限次计数"

    def __str__(self) -> str:
        return f"{self.key} = {self.count}"
