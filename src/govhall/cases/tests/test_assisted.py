"""帮办代办: an assistant files and acts for an applicant only under a live authorisation
(委托书), for the items it names; every action shows whom they acted for."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from govhall.accounts.models import Applicant, Authorisation
from govhall.accounts.services.authorisations import (
    authorisation_confirm,
    authorisation_request,
    authorisation_revoke,
    authorisation_sign,
)
from govhall.cases import selectors, services
from govhall.cases.models import Case, State
from govhall.cases.tests import factories as f
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _citizen() -> Applicant:
    return Applicant.objects.get(user__username="citizen")


def _authorise(items=(f.FOOD,), *, until=None, confirm=True) -> Authorisation:
    until = until or timezone.localdate() + datetime.timedelta(days=30)
    authorisation = authorisation_request(
        actor=f.user("assistant"),
        assistant=f.user("assistant"),
        applicant=_citizen(),
        item_codes=list(items),
        valid_until=until,
    )
    if confirm:
        authorisation_confirm(actor=f.user("citizen"), authorisation_id=authorisation.pk)
    return authorisation


def _file(username="assistant", item=f.FOOD) -> Case:
    actor = f.user(username)
    applicant = services.applicant_for(actor, _citizen().pk)
    return services.case_create(actor=actor, item_code=item, applicant=applicant, form=f.FORMS.get(item, {}))


def test_without_an_authorisation_the_assistant_is_refused(demo):
    with pytest.raises(Forbidden) as err:
        _file()
    assert err.value.code == "no_authorisation"
    _authorise(confirm=False)  # requested, not yet confirmed by the applicant
    with pytest.raises(Forbidden):
        _file()


def test_a_live_authorisation_lets_the_assistant_file_for_its_items_only(demo):
    _authorise()
    case = _file()
    assert case.filed_by == f.user("assistant") and case.applicant == _citizen()
    with pytest.raises(Forbidden) as err:
        _file(item=f.COMPANY)  # not among the authorised items
    assert err.value.code == "no_authorisation" and err.value.detail == {"item_code": f.COMPANY}
    f.upload_all(case, "assistant")
    case = f.act(case, "assistant", "submit")
    event = case.last_transition.event
    # the timeline says who acted for whom
    assert (event.actor_role, event.data["on_behalf_of"]) == ("assistant", "张明")
    assert case.events.filter(action="material_uploaded", data__on_behalf_of="张明").exists()


def test_after_the_authorisation_ends_the_assistant_sees_but_no_longer_acts(demo):
    authorisation = _authorise()
    case = f.upload_all(_file(), "assistant")
    Authorisation.objects.filter(pk=authorisation.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    assistant = f.user("assistant")
    assert selectors.can_see(assistant, case)
    with pytest.raises(Forbidden) as err:
        f.act(case, "assistant", "submit")
    assert err.value.code == "no_authorisation"
    with pytest.raises(Forbidden) as err:
        _file()
    assert err.value.code == "no_authorisation"
    # revoked: the same
    other = _authorise()
    authorisation_revoke(actor=f.user("citizen"), authorisation_id=other.pk)
    with pytest.raises(Forbidden):
        _file()


def test_the_api_lets_an_assistant_file_for_an_applicant(client, bearer, demo):
    headers = bearer("assistant")
    body = {"item_code": f.FOOD, "form": f.FORMS[f.FOOD], "applicant_id": _citizen().pk}
    r = client.post("/api/v1/cases", body, content_type="application/json", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "no_authorisation"
    # an id nobody has answers the same: the assistant cannot probe who is registered
    nobody = client.post(
        "/api/v1/cases", {**body, "applicant_id": 987654321}, content_type="application/json", headers=headers
    )
    assert (nobody.status_code, nobody.json()) == (r.status_code, r.json())
    _authorise()
    r = client.post("/api/v1/cases", body, content_type="application/json", headers=headers)
    assert r.status_code == 201, r.content
    # the assistant's list holds what they filed, not the applicant's other cases
    own_case = f.draft()
    numbers = {c["number"] for c in client.get("/api/v1/cases", headers=headers).json()["results"]}
    assert r.json()["number"] in numbers and own_case.number not in numbers


def test_who_may_confirm_sign_and_revoke(demo):
    authorisation = _authorise(confirm=False)
    with pytest.raises(NotFound):
        authorisation_confirm(actor=f.user("citizen2"), authorisation_id=authorisation.pk)
    with pytest.raises(Forbidden):  # the assistant cannot witness their own authorisation
        authorisation_sign(actor=f.user("assistant"), authorisation_id=authorisation.pk)
    signed = authorisation_sign(actor=f.user("clerk"), authorisation_id=authorisation.pk)
    assert signed.confirmation == "signed" and signed.confirmed_by == f.user("clerk")
    with pytest.raises(Conflict):
        authorisation_confirm(actor=f.user("citizen"), authorisation_id=authorisation.pk)
    with pytest.raises(DomainError) as err:
        authorisation_request(
            actor=f.user("assistant"),
            assistant=f.user("clerk"),
            applicant=_citizen(),
            item_codes=[],
            valid_until=timezone.localdate(),
        )
    assert err.value.code == "not_an_assistant"
    with pytest.raises(NotFound):
        authorisation_revoke(actor=f.user("citizen2"), authorisation_id=authorisation.pk)
    assert authorisation_revoke(actor=f.user("manager"), authorisation_id=authorisation.pk).revoked_at is not None


def test_an_assistant_sees_only_what_they_filed_under_authorisations(demo):
    _authorise()
    filed = _file()
    mine = f.draft()  # the applicant's own
    visible = set(selectors.visible_cases(f.user("assistant")).values_list("pk", flat=True))
    assert filed.pk in visible and mine.pk not in visible
    assert not selectors.can_see(f.user("assistant"), mine)
    assert State(filed.state) == State.DRAFT
