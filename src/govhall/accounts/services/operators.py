"""Operators (经办人) linked to a company by a window."""

from __future__ import annotations

import logging

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Operator, User
from govhall.accounts.services.input import clean_uscc
from govhall.accounts.services.registration import _account_for_phone
from govhall.accounts.services.staff import require_registering
from govhall.core.errors import Conflict, DomainError, NotFound

logger = logging.getLogger(__name__)


def company_find(uscc: str) -> Applicant:
    """A legal person registered at a window, by its unified social credit code."""
    company = Applicant.objects.filter(kind=Applicant.Kind.LEGAL, uscc=clean_uscc(uscc)).first()
    if company is None:
        raise NotFound("未找到该企业，请先在窗口收件时登记企业信息", code="applicant_not_found")
    return company


def operator_link(*, actor: User, uscc: str, phone: str) -> Operator:
    """经办人授权: a window links a registered person's account (by its mobile number) to a
    company, on the company's letter of authorisation; the person may then file for it."""
    require_registering(actor)
    company = company_find(uscc)
    user = _account_for_phone(phone.strip())
    if user is None:
        raise DomainError("该手机号尚无个人账户，请经办人先完成实名注册", code="no_account")
    return _operator_add(company=company, user=user, actor=actor)


def _operator_add(*, company: Applicant, user: User, actor: User) -> Operator:
    """Link ``user`` as an ordinary operator of ``company``: the one way in, whether a window
    or the company's legal representative authorises them."""
    if scope.staff_profile(user) is not None:
        raise DomainError("工作人员账户不能作为企业经办人", code="staff_account")
    operator, created = Operator.objects.get_or_create(applicant=company, user=user)
    if not created:
        raise Conflict("该账户已是本企业的经办人", code="operator_exists")
    logger.info("operator %s linked to applicant %s by %s", user.pk, company.pk, actor.pk)
    return operator


def operator_unlink(*, actor: User, operator_id: int) -> None:
    """Withdraw an operator's authorisation (the company asks, or the person left it). A
    window may withdraw the online legal representative too: that is how a change of
    legal representative is made."""
    require_registering(actor)
    _operator_remove(Operator.objects.filter(pk=operator_id), actor=actor)


def _operator_remove(operators, *, actor: User) -> None:
    deleted, _ = operators.delete()
    if not deleted:
        raise NotFound("未找到该经办人", code="operator_not_found")
    logger.info("%s operator link(s) removed by %s", deleted, actor.pk)
