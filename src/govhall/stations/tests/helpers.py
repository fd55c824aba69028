"""Building stations test data through the real services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from govhall.accounts.models import Applicant, User
from govhall.stations import services
from govhall.stations.demo import RESIDENCE, SOCIAL_CARD
from govhall.stations.models import AssistRequest, Station


def user(username: str) -> User:
    return User.objects.get(username=username)


def citizen() -> Applicant:
    return Applicant.objects.get(user__username="citizen")


def company() -> Applicant:
    return Applicant.objects.get(operators__user__username="company")


def station(code: str = "bym-community") -> Station:
    return Station.objects.get(code=code)


def ask(
    username: str = "citizen", *, station_code: str | None = "bym-community", items=(SOCIAL_CARD, RESIDENCE), **kw
) -> AssistRequest:
    """An online request by ``username`` for their own (only) applicant identity."""
    from govhall.accounts import scope

    actor = user(username)
    return services.assist_request_create(
        actor=actor,
        applicant=scope.represented(actor)[0],
        description=kw.pop("description", "请帮我代办社保卡和居住证"),
        item_codes=list(items),
        station=Station.objects.get(code=station_code) if station_code else None,
        **kw,
    )


def authorise(request: AssistRequest, *, confirm_by: str | None = "citizen", days: int = 30, items=None):
    """The request's assistant asks for a 委托书; ``confirm_by`` confirms it online."""
    request.refresh_from_db()
    authorisation = services.assist_authorisation_request(
        request=request,
        actor=request.assistant,
        valid_until=timezone.localdate() + datetime.timedelta(days=days),
        item_codes=items,
    )
    if confirm_by:
        services.authorisation_confirm(actor=user(confirm_by), authorisation_id=authorisation.pk)
    authorisation.refresh_from_db()
    return authorisation
