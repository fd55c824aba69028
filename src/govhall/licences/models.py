"""The e-licence library (电子证照库): licences and certificates issued as case results.

A licence keeps a snapshot of what it prints (holder name and code, department name,
data) so it reads the same after the applicant or department is renamed, and a
SHA-256 over a canonical JSON of that snapshot (``content_hash``). The hash is printed
on the licence and carried in its QR link; the public verification compares it, so an
edited copy fails. Cases refer to licences by ``number`` (a string), so this app does
not depend on the cases app.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q


def content_hash(
    *,
    number: str,
    licence_type: str,
    holder_name: str,
    holder_code: str,
    department: str,
    data: dict[str, Any],
    issued_on: datetime.date,
    valid_until: datetime.date | None,
) -> str:
    """SHA-256 hex over the canonical JSON (sorted keys, no spaces, UTF-8) of what a licence prints.

    ``holder_code`` is the code as printed: a company's USCC in full, a person's ID
    number masked. (Hashing a person's full ID would let anyone who reads the public
    hash recover the hidden birth date by trying every date.)
    """
    canonical = json.dumps(
        {
            "number": number,
            "licence_type": licence_type,
            "holder_name": holder_name,
            "holder_code": holder_code,
            "department": department,
            "data": data,
            "issued_on": issued_on.isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Licence(models.Model):
    """电子证照: one licence or certificate, its PDF and its status."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销（注销）"

    # GB/T 36904 identifiers (licences/identifiers.py) have about 76 characters; numbers issued
    # before them are shorter and keep their form
    number = models.CharField("证照编号", max_length=100, unique=True)
    licence_type = models.CharField("证照类型", max_length=100, db_index=True, help_text="事项的结果名称，如“营业执照”")
    title = models.CharField("证照名称", max_length=100)
    holder = models.ForeignKey(
        "accounts.Applicant", verbose_name="持证主体", on_delete=models.PROTECT, related_name="licences"
    )
    # Snapshots of what the licence prints (see content_hash).
    holder_name = models.CharField("持证主体名称", max_length=200)
    holder_code = models.CharField(
        "持证主体证件号码（印制）", max_length=18, help_text="法人为统一社会信用代码，自然人为脱敏身份证号"
    )
    department = models.ForeignKey(
        "catalog.Department", verbose_name="发证部门", on_delete=models.PROTECT, related_name="licences"
    )
    department_name = models.CharField("发证部门名称", max_length=100)
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name="事项（版本）", on_delete=models.PROTECT, related_name="licences"
    )
    case_number = models.CharField("办件编号", max_length=40, db_index=True)
    data = models.JSONField("证照内容", default=dict, blank=True, help_text="证照上印制的字段，如名称、住所、经营范围")
    issued_on = models.DateField("发证日期")
    valid_until = models.DateField("有效期至", null=True, blank=True, help_text="空表示长期有效")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.VALID)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoke_reason = models.CharField("撤销理由", max_length=500, blank=True)
    file = models.FileField("证照文件", upload_to="licences/%Y/", max_length=200, blank=True)
    content_hash = models.CharField("内容校验码（SHA-256）", max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "电子证照"
        verbose_name_plural = "电子证照"
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["holder", "licence_type", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="valid") | (Q(status="revoked") & Q(revoked_at__isnull=False)),
                name="licence_revoked_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"

    def compute_hash(self) -> str:
        """The content hash of the row as it stands (equal to ``content_hash`` unless edited)."""
        return content_hash(
            number=self.number,
            licence_type=self.licence_type,
            holder_name=self.holder_name,
            holder_code=self.holder_code,
            department=self.department_name,
            data=self.data,
            issued_on=self.issued_on,
            valid_until=self.valid_until,
        )

    def is_expired(self, today: datetime.date) -> bool:
        return self.valid_until is not None and self.valid_until < today
