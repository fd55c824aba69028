"""帮办代办委托 (委托书): an applicant authorises a station assistant to prepare and file cases
for them — for which items, until when. The assistant (or station staff) records the
request; it becomes live when the applicant confirms it online, or when other station
staff record that the applicant signed it in person; it ends on its last day or when the
applicant, the assistant or a hall manager revokes it. ``accounts.scope`` reads the live
ones: only under one may the assistant file and act for the applicant.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Authorisation, User
from govhall.accounts.roles import Role
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound

logger = logging.getLogger(__name__)

# The longest an authorisation runs: a year, as paper 委托书 commonly do.
MAX_DAYS = 366
MAX_ITEMS = 50
# Station staff who may witness a signature on paper (never the assistant it authorises).
WITNESS_ROLES = (Role.ASSISTANT, Role.CLERK, Role.HALL_MANAGER, Role.ADMINISTRATOR)


def _notify_applicant(authorisation: Authorisation, text: str) -> None:
    from govhall.notify.services import notification_send

    applicant = authorisation.applicant
    users = set(scope.operator_user_ids(applicant))
    if applicant.user_id:
        users.add(applicant.user_id)
    notification_send(event="accounts.authorisation", text=text, user_ids=users, phone=applicant.phone)


@transaction.atomic
def authorisation_request(
    *,
    actor: User,
    assistant: User,
    applicant: Applicant,
    item_codes: list[str],
    valid_until: datetime.date,
    note: str = "",
    valid_from: datetime.date | None = None,
) -> Authorisation:
    """Record a 委托书 waiting for the applicant: by the assistant, or by station staff for
    an assistant. Checks the assistant's role, the dates and the items."""
    if scope.staff_role(actor) not in WITNESS_ROLES:
        raise Forbidden("只有驿站或大厅工作人员可以登记帮办代办委托", code="role_not_allowed")
    if scope.staff_role(assistant) != Role.ASSISTANT:
        raise DomainError("受托人应为帮办代办员", code="not_an_assistant", detail={"field": "assistant"})
    today = timezone.localdate()
    valid_from = valid_from or today
    if valid_from < today or valid_until < valid_from or (valid_until - valid_from).days > MAX_DAYS:
        raise DomainError(
            f"委托期限应从今天或以后开始，最长{MAX_DAYS}天", code="invalid_period", detail={"field": "valid_until"}
        )
    codes = _checked_items(item_codes)
    authorisation = Authorisation.objects.create(
        assistant=assistant,
        applicant=applicant,
        item_codes=codes,
        valid_from=valid_from,
        valid_until=valid_until,
        note=note.strip()[:500],
        created_by=actor,
    )
    _notify_applicant(
        authorisation,
        f"帮办代办员{assistant.display_name or assistant.username}请求代您办理"
        f"{'指定事项' if codes else '政务服务事项'}（至{valid_until:%Y年%m月%d日}），请登录“我的信息”确认或拒绝。",
    )
    return authorisation


def _checked_items(item_codes: list[str]) -> list[str]:
    from govhall.catalog.selectors import published_version

    codes = list(dict.fromkeys(c.strip() for c in item_codes if c and c.strip()))
    if len(codes) > MAX_ITEMS:
        raise DomainError(f"委托事项最多{MAX_ITEMS}项", code="too_many_items", detail={"field": "item_codes"})
    unknown = [c for c in codes if published_version(c) is None]
    if unknown:
        raise DomainError(
            "以下事项不存在或未发布：" + "、".join(unknown), code="item_not_found", detail={"item_codes": unknown}
        )
    return codes


def _pending(authorisation_id: int) -> Authorisation:
    found = Authorisation.objects.select_for_update().select_related("applicant").filter(pk=authorisation_id).first()
    if found is None:
        raise NotFound("未找到该委托", code="authorisation_not_found")
    if found.revoked_at is not None:
        raise Conflict("该委托已撤销", code="authorisation_revoked")
    if found.confirmed_at is not None:
        raise Conflict("该委托已确认", code="authorisation_confirmed")
    return found


@transaction.atomic
def authorisation_confirm(*, actor: User, authorisation_id: int) -> Authorisation:
    """The applicant (or an operator of a legal-person applicant) confirms online."""
    authorisation = _pending(authorisation_id)
    if not scope.acts_for(actor, authorisation.applicant):
        raise NotFound("未找到该委托", code="authorisation_not_found")
    return _confirmed(authorisation, actor, Authorisation.Confirmation.ONLINE)


@transaction.atomic
def authorisation_sign(*, actor: User, authorisation_id: int) -> Authorisation:
    """Station staff record that the applicant signed the 委托书 in person (the paper stays
    with the station). Not the assistant it authorises: a second person witnesses it."""
    authorisation = _pending(authorisation_id)
    if scope.staff_role(actor) not in WITNESS_ROLES or actor.pk == authorisation.assistant_id:
        raise Forbidden("委托书应由受托人以外的工作人员见证签署", code="role_not_allowed")
    return _confirmed(authorisation, actor, Authorisation.Confirmation.SIGNED)


def _confirmed(authorisation: Authorisation, actor: User, how: str) -> Authorisation:
    if authorisation.valid_until < timezone.localdate():
        raise Conflict("该委托已过期", code="authorisation_expired")
    authorisation.confirmation, authorisation.confirmed_at, authorisation.confirmed_by = how, timezone.now(), actor
    authorisation.save(update_fields=["confirmation", "confirmed_at", "confirmed_by"])
    logger.info("authorisation %s confirmed (%s) by %s", authorisation.pk, how, actor.pk)
    return authorisation


@transaction.atomic
def authorisation_revoke(*, actor: User, authorisation_id: int) -> Authorisation:
    """The applicant side, the assistant or a hall manager ends an authorisation now."""
    authorisation = (
        Authorisation.objects.select_for_update().select_related("applicant").filter(pk=authorisation_id).first()
    )
    allowed = authorisation is not None and (
        scope.acts_for(actor, authorisation.applicant)
        or actor.pk == authorisation.assistant_id
        or scope.staff_role(actor) in (Role.HALL_MANAGER, Role.ADMINISTRATOR)
    )
    if not allowed:
        raise NotFound("未找到该委托", code="authorisation_not_found")
    if authorisation.revoked_at is None:
        authorisation.revoked_at = timezone.now()
        authorisation.save(update_fields=["revoked_at"])
        if not scope.acts_for(actor, authorisation.applicant):
            _notify_applicant(authorisation, "您的帮办代办委托已被撤销，受托人不能再代您办理。")
    return authorisation
