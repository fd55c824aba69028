"""The security audit log: one append-only, hash-chained table of security events.

``hash`` = SHA-256 over the previous event's hash and this event's content, so editing or
deleting an event breaks its link (``manage.py verify_security_audit``). One chain for the
whole site; its head (the newest ``seq`` and ``hash``) is a row of its own, locked by every
append (``docs/security.md``, "Security audit log", says why one chain).
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    SIGN_IN = "sign_in", "登录"
    SIGN_IN_FAILED = "sign_in_failed", "登录失败"
    SIGN_OUT = "sign_out", "退出登录"
    LOCKED = "locked", "锁定"
    UNLOCKED = "unlocked", "解除锁定"
    PASSWORD_CHANGED = "password_changed", "修改密码"
    PASSWORD_RESET = "password_reset", "重置密码"
    OTP_ENROLLED = "otp_enrolled", "绑定身份验证器"
    OTP_VERIFIED = "otp_verified", "双因素验证通过"
    OTP_FAILED = "otp_failed", "双因素验证失败"
    OTP_RECOVERY = "otp_recovery", "使用恢复码"
    OTP_RESET = "otp_reset", "重置双因素认证"
    ROLE_CHANGED = "role_changed", "角色变更"
    PERMISSION_CHANGED = "permission_changed", "权限变更"
    PERSONAL_DATA_VIEWED = "personal_data_viewed", "查看个人信息"
    EXPORTED = "exported", "数据导出"
    PURGED = "purged", "审计记录清理"


class AppendOnlyQuerySet(models.QuerySet):
    """Security events are never updated or deleted through the ORM; only the purge of
    rows past their retention deletes (``services.purge``, through a plain QuerySet)."""

    def update(self, **kwargs):
        raise TypeError("security events are append-only")

    def delete(self):
        raise TypeError("security events are append-only: purge them with manage.py purge_security_audit")


class SecurityEvent(models.Model):
    seq = models.PositiveBigIntegerField("序号", unique=True)
    kind = models.CharField("事件", max_length=32, choices=Kind.choices)
    created_at = models.DateTimeField("时间", db_index=True)
    # Plain ids without a database constraint: deleting a user leaves their events as they
    # were (and their hashes valid).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    subject_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="涉及账户",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    subject = models.CharField("涉及对象", max_length=200, blank=True, db_index=True)
    address = models.CharField("来源地址", max_length=64, blank=True)
    data = models.JSONField("详情", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "安全审计记录"
        verbose_name_plural = "安全审计记录"
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="audit_kind_time"),
            models.Index(fields=["subject_user", "created_at"], name="audit_subject_user_time"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("security events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("security events are append-only")

    def compute_hash(self) -> str:
        return event_hash(
            prev_hash=self.prev_hash,
            seq=self.seq,
            kind=self.kind,
            created_at=self.created_at.isoformat(),
            actor_id=self.actor_id,
            subject_user_id=self.subject_user_id,
            subject=self.subject,
            address=self.address,
            data=self.data,
        )


def event_hash(**fields) -> str:
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class ChainHead(models.Model):
    """The newest event's ``seq`` and ``hash`` (one row, pk 1). Every append locks it, so
    parallel appends queue instead of forking the chain, and removing the newest events
    shows as a head that no event matches."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
