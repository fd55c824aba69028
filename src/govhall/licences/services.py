"""Writers for the licence library: issue and revoke. Nothing else changes a licence.

The cases app calls ``licence_issue`` when a case whose result is a licence or a
certificate is issued, and ``licence_revoke`` when the approval is revoked (a failed
告知承诺 check, deferred materials never supplied).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from govhall.accounts.models import Applicant, User
from govhall.catalog.models import Department, ServiceItem
from govhall.core.errors import DomainError
from govhall.core.masking import mask_id_number, mask_text
from govhall.licences import identifiers
from govhall.licences.models import Licence
from govhall.licences.rendering import LicenceSheet, render_licence

RANDOM_DIGITS = 8  # 10^8 numbers per department and year: too many to enumerate through the throttled check
SERIAL_RANDOM_DIGITS = 10  # a GB/T 36904 serial: the year and 10^10 numbers per issuer and licence type
NUMBER_ATTEMPTS = 10
# Rows the licence prints on its own (holder, dates, case); the same keys in ``data`` are not repeated.
PRINTED_KEYS = {"持证主体", "统一社会信用代码", "身份证号码", "公民身份号码", "有效期至", "发证日期", "办件编号"}


def _department_code(department: Department) -> str:
    """A short Latin code for the department: "lh-scjg" → "SCJG"."""
    last = department.code.rsplit("-", 1)[-1]
    return (re.sub(r"[^0-9A-Za-z]", "", last).upper() or "D")[:8]


def licence_number_new(*, department: Department, year: int, item: ServiceItem | None = None) -> str:
    """A new licence number: a GB/T 36904 identifier when the catalogue gives what it needs,
    the item's licence type code (证照类型代码) and, in its national implementation code, the
    issuing agency's credit code; e.g.
    1.2.156.3005.2.11610104LH0000001G105.11610104LH0000001G.20264718203957.001.7
    (the serial is the year and 10 random digits, so numbers cannot be enumerated).

    Otherwise the local form, as before national codes: {region code}{department code}{year}
    {8 random digits}, e.g. 610104000000SCJG202604719382. Numbers once issued never change
    (the licence's hash and PDF carry them), so both forms stay verifiable.
    """
    parts = item.code_parts if item is not None else None
    if item is not None and item.licence_type_code and parts is not None:
        serial = f"{year}{secrets.randbelow(10**SERIAL_RANDOM_DIGITS):0{SERIAL_RANDOM_DIGITS}d}"
        return identifiers.identifier_new(
            type_code=item.licence_type_code, issuer_code=parts.agency_code, serial=serial
        )
    serial = f"{secrets.randbelow(10**RANDOM_DIGITS):0{RANDOM_DIGITS}d}"
    return f"{department.region.code}{_department_code(department)}{year}{serial}"


def holder_identity(holder: Applicant) -> tuple[str, str]:
    """(label, code) as printed: a legal person's USCC in full, a natural person's ID masked."""
    if holder.kind == Applicant.Kind.LEGAL:
        return "统一社会信用代码", holder.uscc
    return "公民身份号码", mask_id_number(holder.id_number)


def verify_url(number: str, content_hash: str) -> str:
    return f"{settings.SITE_URL}{reverse('licences:verify', args=[number])}?h={content_hash}"


def _clean_data(holder: Applicant, data: dict[str, Any]) -> dict[str, str]:
    """The printed fields as strings; a natural person's ID or phone number is never printed in full."""
    cleaned: dict[str, str] = {}
    for key, value in (data or {}).items():
        if value is None or value == "":
            continue
        text = str(value).strip()
        if holder.kind == Applicant.Kind.NATURAL:
            text = mask_text(text)
        cleaned[str(key).strip()] = text
    return cleaned


@transaction.atomic
def licence_issue(
    *,
    holder: Applicant,
    department: Department,
    item: ServiceItem,
    case_number: str,
    licence_type: str,
    title: str,
    data: dict[str, Any],
    actor: User | None,
    valid_until=None,
) -> Licence:
    """Issue an e-licence: number it, hash its content, render and store its PDF.

    The PDF file is written to storage before the row is committed; if the caller's
    transaction rolls back, the file stays behind unreferenced (harmless, never served).
    """
    licence_type, title = (licence_type or "").strip(), (title or "").strip() or (licence_type or "").strip()
    if not licence_type:
        raise DomainError("证照类型不能为空", code="missing_field", detail={"field": "licence_type"})
    issued_on = timezone.localdate()
    if valid_until is not None and valid_until < issued_on:
        raise DomainError("有效期不能早于发证日期", code="invalid_valid_until")
    code_label, holder_code = holder_identity(holder)
    printed = _clean_data(holder, data)
    for attempt in range(NUMBER_ATTEMPTS):
        number = licence_number_new(department=department, item=item, year=issued_on.year)
        if Licence.objects.filter(number=number).exists():
            continue
        licence = Licence(
            number=number,
            licence_type=licence_type,
            title=title,
            holder=holder,
            holder_name=holder.name,
            holder_code=holder_code,
            department=department,
            department_name=department.name,
            item=item,
            case_number=case_number,
            data=printed,
            issued_on=issued_on,
            valid_until=valid_until,
            issued_by=actor if actor is not None and actor.is_authenticated else None,
        )
        licence.content_hash = licence.compute_hash()
        pdf = render_licence(
            LicenceSheet(
                number=number,
                title=title,
                holder_name=holder.name,
                holder_code_label=code_label,
                holder_code=holder_code,
                fields=[(k, v) for k, v in printed.items() if k not in PRINTED_KEYS],
                department_name=department.name,
                issued_on=issued_on,
                valid_until=valid_until,
                content_hash=licence.content_hash,
                verify_url=verify_url(number, licence.content_hash),
                case_number=case_number,
            )
        )
        licence.file.save(f"{number}.pdf", ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                licence.save()
        except IntegrityError:
            licence.file.delete(save=False)
            if attempt + 1 < NUMBER_ATTEMPTS and Licence.objects.filter(number=number).exists():
                continue  # another issue took the number between the check and the insert
            raise
        return licence
    raise DomainError("无法生成证照编号，请重试", code="number_exhausted", status=503)


def licence_revoke(*, licence: Licence, actor: User | None, reason: str) -> Licence:
    """Revoke (撤销/注销) a licence. Idempotent: a revoked licence keeps its first reason and time."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写撤销理由", code="missing_field", detail={"field": "reason"})
    with transaction.atomic():
        locked = Licence.objects.select_for_update().get(pk=licence.pk)
        if locked.status != Licence.Status.REVOKED:
            locked.status = Licence.Status.REVOKED
            locked.revoked_at = timezone.now()
            locked.revoke_reason = reason[:500]
            locked.revoked_by = actor if actor is not None and actor.is_authenticated else None
            locked.save(update_fields=["status", "revoked_at", "revoke_reason", "revoked_by"])
    licence.refresh_from_db()
    return licence
