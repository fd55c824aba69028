"""帮办代办 through the stations pages and API: the 委托书 asked for a request, confirmed online
or witnessed at the station, and filing for the applicant without, with and after an
expired authorisation (the refusal itself is the cases app's: 403 no_authorisation)."""

from __future__ import annotations

import datetime

import pytest
from conftest import login
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Authorisation
from govhall.cases.models import Case, TimelineEvent
from govhall.cases.tests import factories as f
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.stations import services
from govhall.stations.demo import RESIDENCE, SOCIAL_CARD
from govhall.stations.models import AssistCase, AssistEvent, AssistStatus
from govhall.stations.tests.helpers import ask, authorise, citizen, user

pytestmark = pytest.mark.django_db

JSON = "application/json"


def _expire(authorisation: Authorisation) -> None:
    Authorisation.objects.filter(pk=authorisation.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )


# --------------------------------------------------------------------------- services


def test_the_assistant_asks_for_a_mandate_and_the_applicant_confirms(places):
    request = ask()
    authorisation = authorise(request, confirm_by=None)
    request.refresh_from_db()
    assert request.authorisation == authorisation and request.status == AssistStatus.IN_PROGRESS
    assert authorisation.item_codes == [SOCIAL_CARD, RESIDENCE] and authorisation.confirmed_at is None
    with pytest.raises(NotFound):  # only the applicant side confirms
        services.authorisation_confirm(actor=user("citizen2"), authorisation_id=authorisation.pk)
    services.authorisation_confirm(actor=user("citizen"), authorisation_id=authorisation.pk)
    actions = list(AssistEvent.objects.filter(request=request).values_list("action", flat=True))
    assert actions == ["create", "assign", "authorisation_requested", "start", "authorisation_confirmed"]
    # the assistant was told
    from govhall.notify.models import Notification

    assert Notification.objects.filter(recipient=user("assistant3"), event="stations.authorisation_live").exists()
    # only the request's assistant asks for one: to anyone else the request does not exist
    with pytest.raises(NotFound):
        services.assist_authorisation_request(
            request=request, actor=user("assistant2"), valid_until=timezone.localdate()
        )


def test_a_signature_at_the_station_is_witnessed_by_someone_else(places):
    request = ask("company", station_code="dxxq-park", items=[])
    assistant = request.assistant
    colleague = user("assistant2" if assistant.username == "assistant" else "assistant")
    authorisation = authorise(request, confirm_by=None)
    with pytest.raises(Forbidden) as err:  # never the assistant it authorises
        services.authorisation_sign(actor=assistant, authorisation_id=authorisation.pk)
    assert err.value.code == "role_not_allowed"
    with pytest.raises(NotFound):  # an assistant of another station
        services.authorisation_sign(actor=user("assistant4"), authorisation_id=authorisation.pk)
    signed = services.authorisation_sign(actor=colleague, authorisation_id=authorisation.pk)
    assert signed.confirmation == Authorisation.Confirmation.SIGNED and signed.confirmed_by == colleague
    event = AssistEvent.objects.filter(request=request, action="authorisation_signed").get()
    assert colleague.display_name in event.comment


def test_filing_without_with_and_after_an_authorisation(places):
    request = ask()
    assistant = user("assistant3")
    with pytest.raises(Forbidden) as err:
        services.assist_case_file(request=request, actor=assistant, item_code=SOCIAL_CARD)
    assert err.value.code == "no_authorisation"
    authorisation = authorise(request, confirm_by=None)
    with pytest.raises(Forbidden) as err:  # asked, not yet confirmed
        services.assist_case_file(request=request, actor=assistant, item_code=SOCIAL_CARD)
    assert err.value.code == "no_authorisation"
    services.authorisation_confirm(actor=user("citizen"), authorisation_id=authorisation.pk)
    case = services.assist_case_file(request=request, actor=assistant, item_code=SOCIAL_CARD)
    assert (case.applicant, case.filed_by, case.channel, case.hall) == (citizen(), assistant, "assisted", request.hall)
    assert AssistCase.objects.filter(request=request, case=case).exists()
    # the case's timeline: created by the assistant for the applicant, and noted as the request's
    events = list(TimelineEvent.objects.filter(case=case).order_by("seq"))
    assert (events[0].action, events[0].actor, events[0].data["channel"]) == ("create", assistant, "assisted")
    note = events[-1]
    assert note.action == "stations.assist_linked" and note.data["request"] == request.number
    assert (note.actor_role, note.data["on_behalf_of"]) == ("assistant", "张明")
    # the assistant uploads and submits through the cases services: "assistant X for applicant Y"
    f.upload_all(case, "assistant3")
    submitted = f.act(case, "assistant3", "submit")
    assert (submitted.last_transition.event.actor_role, submitted.last_transition.event.data["on_behalf_of"]) == (
        "assistant",
        "张明",
    )
    # an item outside the authorisation is refused
    from govhall.stations.demo import FLEXIBLE

    with pytest.raises(Forbidden) as err:
        services.assist_case_file(request=request, actor=assistant, item_code=FLEXIBLE)
    assert err.value.code == "no_authorisation"
    # after the authorisation lapses: refused again, and no more acting on the case
    _expire(authorisation)
    with pytest.raises(Forbidden) as err:
        services.assist_case_file(request=request, actor=assistant, item_code=RESIDENCE)
    assert err.value.code == "no_authorisation"
    with pytest.raises(Forbidden) as err:
        f.act(submitted, "assistant3", "withdraw")
    assert err.value.code == "no_authorisation"


def test_only_the_requests_assistant_files_and_links(places):
    request = ask()
    authorise(request)
    for other in ("assistant4", "manager"):
        with pytest.raises((Forbidden, NotFound)):
            services.assist_case_file(request=request, actor=user(other), item_code=SOCIAL_CARD)
    # the applicant's own case may be linked only by someone who can see it
    mine = services.assist_case_file(request=request, actor=user("assistant3"), item_code=RESIDENCE)
    other_request = ask()
    authorise(other_request)
    linked = services.assist_case_link(request=other_request, actor=user("assistant3"), case_number=mine.number)
    assert linked == mine
    with pytest.raises(DomainError) as err:
        services.assist_case_link(request=other_request, actor=user("assistant3"), case_number=mine.number)
    assert err.value.code == "already_linked"
    with pytest.raises(NotFound):
        services.assist_case_link(request=other_request, actor=user("assistant3"), case_number="0" * 26)


def test_cancelling_a_request_takes_its_authorisation_with_it(places):
    request = ask()
    authorisation = authorise(request)
    services.assist_transition(request=request, actor=user("citizen"), action="cancel")
    authorisation.refresh_from_db()
    assert authorisation.revoked_at is not None
    assert scope.mandate_for(user("assistant3"), citizen()) is None
    with pytest.raises(Conflict) as err:  # and the request takes no more cases
        services.assist_case_file(request=request, actor=user("assistant3"), item_code=SOCIAL_CARD)
    assert err.value.code == "action_not_allowed"


# --------------------------------------------------------------------------- the API


def test_filing_through_the_api(client, bearer, places):
    request = ask()
    headers = bearer("assistant3")
    url = f"/api/v1/assist/requests/{request.number}"
    body = {"item_code": SOCIAL_CARD, "form": {}}
    r = client.post(f"{url}/cases", body, content_type=JSON, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "no_authorisation"
    detail = client.get(url, headers=headers).json()
    assert detail["live_authorisation"] is False and detail["roles"] == ["assignee"]
    until = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    r = client.post(f"{url}/authorisation", {"valid_until": until}, content_type=JSON, headers=headers)
    assert r.status_code == 201 and r.json()["state"] == "pending"
    authorisation_id = r.json()["id"]
    # the applicant confirms through the API
    r = client.post(f"/api/v1/assist/authorisations/{authorisation_id}/confirm", headers=bearer("citizen"))
    assert r.status_code == 200 and r.json()["state"] == "live"
    r = client.post(f"{url}/cases", body, content_type=JSON, headers=headers)
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert client.get(url, headers=headers).json()["cases"][0]["number"] == number
    # the case goes on through the cases API as the assistant
    assert client.get(f"/api/v1/cases/{number}", headers=headers).status_code == 200
    # expired: refused again
    _expire(Authorisation.objects.get(pk=authorisation_id))
    r = client.post(f"{url}/cases", {"item_code": RESIDENCE}, content_type=JSON, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "no_authorisation"
    assert client.get(url, headers=headers).json()["live_authorisation"] is False


def test_the_api_moves_requests(client, bearer, places):
    r = client.post(
        "/api/v1/assist/requests",
        {"description": "请帮我办社保卡", "item_codes": [SOCIAL_CARD], "station_code": "bym-community"},
        content_type=JSON,
        headers=bearer("citizen"),
    )
    assert r.status_code == 201 and r.json()["status"] == "assigned" and r.json()["actions"] == ["cancel"]
    number = r.json()["number"]
    url = f"/api/v1/assist/requests/{number}/transitions"
    assistant = bearer("assistant3")
    r = client.post(url, {"action": "finish", "comment": "x"}, content_type=JSON, headers=assistant)
    assert r.status_code == 409 and r.json()["code"] == "action_not_allowed"
    r = client.post(url, {"action": "start", "expected_version": 0}, content_type=JSON, headers=assistant)
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    r = client.post(url, {"action": "start"}, content_type=JSON, headers=assistant)
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    r = client.post(url, {"action": "finish"}, content_type=JSON, headers=assistant)
    assert r.status_code == 400 and r.json()["code"] == "missing_field"
    r = client.post(url, {"action": "approve"}, content_type=JSON, headers=assistant)
    assert r.status_code == 422
    r = client.post(url, {"action": "finish", "comment": "已办好"}, content_type=JSON, headers=assistant)
    assert r.json()["status"] == "done" and [e["action"] for e in r.json()["events"]][-1] == "finish"
    # the list masks personal data
    listed = client.get("/api/v1/assist/requests", headers=assistant).json()["results"][0]
    assert listed["applicant_name"] == "张*" and "*" in listed["applicant_code"] and "****" in listed["contact_phone"]


def test_a_walk_in_through_the_api(client, bearer, places):
    from govhall.accounts.validators import id_number_check_char

    code = "61010419800101123" + id_number_check_char("61010419800101123")
    body = {
        "description": "现场咨询就业创业证",
        "item_codes": [],
        "mode": "help",
        "station_code": "xdj-street",
        "applicant": {"kind": "natural", "code": code, "name": "王小红", "phone": "13912345678"},
    }
    r = client.post("/api/v1/assist/requests", body, content_type=JSON, headers=bearer("assistant4"))
    assert r.status_code == 201, r.content
    assert (
        r.json()["channel"] == "station" and r.json()["assistant"] == "赵婷" and r.json()["applicant_name"] == "王*红"
    )
    # not at their station
    r = client.post(
        "/api/v1/assist/requests",
        {**body, "station_code": "dxxq-park"},
        content_type=JSON,
        headers=bearer("assistant4"),
    )
    assert r.status_code == 403 and r.json()["code"] == "not_at_station"
    # an applicant cannot register someone else
    r = client.post("/api/v1/assist/requests", body, content_type=JSON, headers=bearer("citizen"))
    assert r.status_code == 403


# --------------------------------------------------------------------------- the pages


def test_filing_through_the_pages(client, places):
    request = ask()
    login(client, "assistant3")
    page = client.get(f"/assist/requests/{request.number}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="no-authorisation"' in html and "no_authorisation" in html
    refused = client.get(f"/assist/requests/{request.number}/file/")
    assert refused.status_code == 403 and "没有有效的委托书" in refused.content.decode()
    # ask for the 委托书 from the request page
    until = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    r = client.post(f"/assist/requests/{request.number}/authorisation/", {"valid_until": until, "items": [SOCIAL_CARD]})
    assert r.status_code == 302
    authorisation = Authorisation.objects.get(assistant=user("assistant3"))
    assert authorisation.item_codes == [SOCIAL_CARD]
    # the applicant confirms on 我的委托书
    login(client, "citizen")
    mine = client.get("/assist/authorisations/").content.decode()
    assert "等待我确认" in mine and "社会保障卡申领" in mine and "张敏" in mine
    assert (
        client.post("/assist/authorisations/", {"action": "confirm", "authorisation": authorisation.pk}).status_code
        == 302
    )
    # the assistant files: the item's form, then the case page
    login(client, "assistant3")
    assert 'id="no-authorisation"' not in client.get(f"/assist/requests/{request.number}/").content.decode()
    form = client.get(f"/assist/requests/{request.number}/file/", {"item": SOCIAL_CARD})
    assert form.status_code == 200 and 'id="apply-form"' in form.content.decode()
    outside = client.get(f"/assist/requests/{request.number}/file/", {"item": RESIDENCE})
    assert outside.status_code == 403 and "委托书不含此事项" in outside.content.decode()
    r = client.post(f"/assist/requests/{request.number}/file/", {"item": SOCIAL_CARD, "description": "代办社保卡"})
    case = Case.objects.get(filed_by=user("assistant3"))
    assert r.status_code == 302 and r["Location"] == f"/cases/{case.number}/"
    assert client.get(r["Location"]).status_code == 200
    # after the authorisation ends the page refuses again
    _expire(authorisation)
    assert client.get(f"/assist/requests/{request.number}/file/").status_code == 403


def test_the_request_page_offers_what_each_may_do(client, places):
    request = ask("citizen2", station_code=None, items=[])
    login(client, "manager")
    html = client.get(f"/assist/requests/{request.number}/").content.decode()
    assert "分派帮办代办员" in html and "按工作量自动分派" in html and "赵婷" in html
    r = client.post(
        f"/assist/requests/{request.number}/act/",
        {"action": "assign", "assistant": user("assistant4").pk, "version": request.version},
    )
    assert r.status_code == 302
    r = client.post(f"/assist/requests/{request.number}/act/", {"action": "start"})
    assert r.status_code == 403 and "您不能开始办理" in r.content.decode()
    login(client, "assistant4")
    assert client.post(f"/assist/requests/{request.number}/act/", {"action": "start"}).status_code == 302
    login(client, "citizen2")
    html = client.get(f"/assist/requests/{request.number}/").content.decode()
    assert "取消申请" in html and "分派帮办代办员" not in html


def test_asking_online_from_the_page(client, places):
    login(client, "citizen")
    page = client.get("/assist/new/", {"station": "bym-community"}).content.decode()
    assert "社会保障卡申领" in page and "北院门社区政务服务驿站" in page
    r = client.post(
        "/assist/new/",
        {"station": "bym-community", "items": [SOCIAL_CARD], "description": "请代办社保卡", "mode": "act"},
    )
    assert r.status_code == 302
    request = citizen().assist_requests.get()
    assert request.assistant.username == "assistant3" and r["Location"] == f"/assist/requests/{request.number}/"
    r = client.post("/assist/new/", {"description": ""})
    assert r.status_code == 400 and "请说明需要帮助办理的事情" in r.content.decode()


def test_registering_a_walk_in_from_the_page(client, places):
    from govhall.accounts.validators import id_number_check_char

    login(client, "assistant4")
    code = "61010419900505123" + id_number_check_char("61010419900505123")
    r = client.post(
        "/assist/station/",
        {
            "station": "xdj-street",
            "kind": "natural",
            "code": code,
            "name": "刘芳",
            "phone": "13712345678",
            "description": "咨询",
            "mode": "help",
        },
    )
    assert r.status_code == 302
    login(client, "citizen")
    assert client.get("/assist/station/").status_code == 404
