"""Legal persons online (法人注册) by their legal representative, who then authorises
operators (法人授权经办人)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Operator, User
from govhall.accounts.services.input import clean_mobile, clean_uscc
from govhall.accounts.services.operators import _operator_add, _operator_remove
from govhall.accounts.services.registration import _account_for_phone
from govhall.core import limits
from govhall.core.errors import DomainError, Forbidden

logger = logging.getLogger(__name__)


# 法人注册: a company's legal representative registers it online from their own real-name
# account, so their name and resident ID come from that record (nobody types someone
# else's ID), and the market-regulation registry is asked whether the company is theirs
# (accounts/enterprise.py). They then authorise operators online (法人授权经办人). Each
# question to the registry, and each failed look-up of a person, is counted per account,
# so a signed-in account cannot trawl the registry or guess who owns a number.
LEGAL_CHECKS_PER_HOUR = 10
PERSON_MISSES_PER_HOUR = 10


def _own_natural_person(actor: User) -> Applicant:
    """The actor's own natural-person record: only such a person can be a legal representative."""
    own = None
    if actor.is_authenticated and scope.staff_profile(actor) is None:
        own = Applicant.objects.filter(user=actor, kind=Applicant.Kind.NATURAL).first()
    if own is None:
        raise Forbidden("请先以本人身份完成个人实名注册并登录，再由法定代表人办理法人注册", code="not_natural_person")
    return own


def _same_name(a: str, b: str) -> bool:
    """Equal but for spaces and the width of brackets: 有限公司（分公司） is typed both ways."""

    def plain(value: str) -> str:
        return "".join(value.split()).replace("(", "（").replace(")", "）")

    return plain(a) == plain(b)


def _hourly(kind: str, actor: User) -> str:
    return limits.key_for(kind, str(actor.pk))


def _too_often() -> DomainError:
    return DomainError("操作过于频繁，请1小时后再试", code="rate_limited", status=429)


def legal_person_register(*, actor: User, name: str, uscc: str, address: str = "") -> tuple[Applicant, bool]:
    """法人注册 by the legal representative (the actor, a signed-in natural person). Returns
    ``(company, linked)``: ``linked`` is False when the actor already held it (a repeat
    changes nothing).

    A company the window registered earlier is taken over when its name and legal
    representative are the ones given; one with other details, or already held online by
    someone else, is referred to a window."""
    own = _own_natural_person(actor)
    name = name.strip()
    if not name or len(name) > 200:
        raise DomainError("请填写与营业执照一致的单位名称", code="missing_field", detail={"field": "name"})
    uscc = clean_uscc(uscc)
    held = Applicant.objects.filter(
        kind=Applicant.Kind.LEGAL, uscc=uscc, operators__user=actor, operators__is_legal_representative=True
    ).first()
    if held is not None and _same_name(held.name, name):
        return held, False  # registered before: the registry need not be asked again
    if limits.hit(_hourly("legal-check", actor), 3600) > LEGAL_CHECKS_PER_HOUR:
        raise _too_often()
    _enterprise_check(uscc=uscc, name=name, representative=own)
    try:
        company, linked = _legal_person_link(actor, own, name, uscc)
    except IntegrityError:  # registered by someone else at the same moment: decide on theirs
        company, linked = _legal_person_link(actor, own, name, uscc)
    if linked:
        logger.info(
            "legal person %s registered online by its legal representative %s from %s", company.pk, actor.pk, address
        )
    return company, linked


def _enterprise_check(*, uscc: str, name: str, representative: Applicant) -> None:
    from govhall.accounts.enterprise import EnterpriseUnavailable, get_verifier

    try:
        matched = get_verifier().verify(
            uscc=uscc,
            name=name,
            legal_representative=representative.name,
            legal_representative_id_number=representative.id_number,
        )
    except EnterpriseUnavailable as exc:
        logger.warning("enterprise service unavailable: %s", exc)
        raise DomainError("企业核验服务暂时不可用，请稍后再试", code="enterprise_unavailable", status=503) from None
    if not matched:
        raise DomainError(
            "统一社会信用代码、单位名称与法定代表人不一致，企业核验未通过。法人注册须由法定代表人本人办理，"
            "经办人请由法定代表人授权",
            code="enterprise_mismatch",
        )


def _legal_person_link(actor: User, own: Applicant, name: str, uscc: str) -> tuple[Applicant, bool]:
    with transaction.atomic():
        company = Applicant.objects.select_for_update().filter(kind=Applicant.Kind.LEGAL, uscc=uscc).first()
        if company is None:
            company = Applicant.objects.create(
                kind=Applicant.Kind.LEGAL,
                uscc=uscc,
                name=name,
                legal_representative=own.name,
                phone=actor.phone or own.phone,
            )
        elif not (_same_name(company.name, name) and _same_name(company.legal_representative, own.name)):
            raise DomainError(
                "该统一社会信用代码已在窗口登记，登记的单位名称或法定代表人与本次不一致，请携带营业执照到政务服务大厅核实",
                code="applicant_mismatch",
            )
        holder = company.operators.filter(is_legal_representative=True).first()
        if holder is not None:
            if holder.user_id == actor.pk:
                return company, False
            raise DomainError(
                "该企业已由法定代表人在网上注册；如法定代表人已变更，请携带营业执照到政务服务大厅办理",
                code="legal_representative_registered",
            )
        # An operator the window linked earlier who is the legal representative becomes it.
        Operator.objects.update_or_create(applicant=company, user=actor, defaults={"is_legal_representative": True})
    return company, True


def require_legal_representative(actor: User, company: Applicant) -> None:
    """Forbidden unless ``actor`` registered ``company`` online as its legal representative."""
    if not (
        actor.is_authenticated
        and Operator.objects.filter(applicant=company, user=actor, is_legal_representative=True).exists()
    ):
        raise Forbidden("只有在网上办理法人注册的法定代表人可以授权经办人", code="not_legal_representative")


def operator_authorise(*, actor: User, applicant: Applicant, phone: str, name: str) -> Operator:
    """法人授权经办人: the legal representative links a real-name registered person, found by
    mobile number and name together, as an operator of the company."""
    require_legal_representative(actor, applicant)
    phone, name = clean_mobile(phone), name.strip()
    if not name:
        raise DomainError("请填写经办人姓名", code="missing_field", detail={"field": "name"})
    # Counted before the look-up (parallel tries each take a number); a find gives it back.
    misses = limits.Limit(_hourly("person-miss", actor), PERSON_MISSES_PER_HOUR, 3600)
    if limits.take(misses) is not None:
        raise _too_often()
    user = _account_for_phone(phone)
    person = Applicant.objects.filter(user=user, kind=Applicant.Kind.NATURAL).first() if user else None
    if person is None or not _same_name(person.name, name):
        # One answer for an unknown number and for another name, so a number alone does
        # not tell whose it is.
        raise DomainError(
            "未找到手机号与姓名相符的实名注册用户，请核对，或请经办人先完成个人实名注册", code="person_not_found"
        )
    limits.give_back(misses.key)
    with transaction.atomic():
        return _operator_add(company=applicant, user=user, actor=actor)


def operator_withdraw(*, actor: User, applicant: Applicant, user_id: int) -> None:
    """The legal representative withdraws an operator's authorisation (not their own: a
    change of legal representative is made at a window)."""
    require_legal_representative(actor, applicant)
    if user_id == actor.pk:
        raise DomainError(
            "法定代表人不能撤销本人的授权；法定代表人变更请到政务服务大厅办理", code="legal_representative_self"
        )
    _operator_remove(Operator.objects.filter(applicant=applicant, user_id=user_id), actor=actor)
