"""Applicants registered at a window (or by a 帮办代办 assistant) on their behalf."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from govhall.accounts.models import Applicant, User
from govhall.accounts.services.input import clean_id_number, clean_uscc
from govhall.accounts.services.staff import require_registering
from govhall.core.errors import DomainError

logger = logging.getLogger(__name__)


@transaction.atomic
def applicant_find_or_register(
    *,
    kind: str,
    actor: User,
    name: str = "",
    id_number: str = "",
    uscc: str = "",
    phone: str = "",
    legal_representative: str = "",
) -> tuple[Applicant, bool]:
    """The applicant with this resident ID (natural person) or USCC (legal person), registered
    now if unknown. Returns ``(applicant, created)``.

    A known applicant is returned as registered (nothing is changed; a different name is an
    error, so a typo in the number cannot silently pick someone else). Registering needs the
    name and a mobile number, and for a legal person its legal representative. Codes are
    checked against GB 11643 / GB 32100 before anything is looked up."""
    require_registering(actor)
    name, phone, legal_representative = name.strip(), phone.strip(), legal_representative.strip()
    if kind == Applicant.Kind.NATURAL:
        lookup = {"kind": kind, "id_number": clean_id_number(id_number)}
    elif kind == Applicant.Kind.LEGAL:
        lookup = {"kind": kind, "uscc": clean_uscc(uscc)}
    else:
        raise DomainError("申请人类型应为自然人或法人", code="invalid_applicant_kind")

    found = Applicant.objects.filter(**lookup).first()
    if found is not None:
        if name and name != found.name:
            raise DomainError("该证件号码已登记，但登记的名称与所填不一致，请核对证件", code="applicant_name_mismatch")
        return found, False

    label = "姓名" if kind == Applicant.Kind.NATURAL else "单位名称"
    if not name:
        raise DomainError(
            f"未找到该申请人，请填写{label}和手机号码进行登记", code="missing_field", detail={"field": "name"}
        )
    if not phone:
        raise DomainError("请填写申请人的手机号码", code="missing_field", detail={"field": "phone"})
    if kind == Applicant.Kind.LEGAL and not legal_representative:
        raise DomainError("请填写法定代表人", code="missing_field", detail={"field": "legal_representative"})
    applicant = Applicant(
        **lookup,
        name=name,
        phone=phone,
        legal_representative=legal_representative if kind == Applicant.Kind.LEGAL else "",
    )
    try:
        applicant.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages), code="invalid_applicant", detail=exc.message_dict) from None
    try:
        with transaction.atomic():
            applicant.save()
    except IntegrityError:
        # Registered a moment ago by someone else: use that one.
        existing = Applicant.objects.filter(**lookup).first()
        if existing is None:
            raise
        return existing, False
    logger.info("applicant %s registered by %s", applicant.pk, actor.pk)
    return applicant, True
