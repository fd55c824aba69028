"""Scope of 帮办代办: an assistant sees the requests given to them and acts only for the
applicants who authorised them — requests, cases and key projects — and every step they
take shows "assistant X for applicant Y". The two forms of the scope policy (the list's
filter and the check on one object) agree for every demo account."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from conftest import login
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Authorisation, User
from govhall.accounts.services.authorisations import authorisation_request
from govhall.cases.models import Case, TimelineEvent
from govhall.cases.tests import factories as f
from govhall.stations import selectors, services
from govhall.stations.demo import EIA, PLANNING, RESIDENCE, SOCIAL_CARD
from govhall.stations.models import AssistRequest, KeyProject
from govhall.stations.tests.helpers import ask, authorise, citizen, company, user

pytestmark = pytest.mark.django_db

JSON = "application/json"
EVERYONE = [
    "citizen",
    "citizen2",
    "company",
    "clerk",
    "reviewer",
    "approver",
    "manager",
    "supervisor",
    "assistant",
    "assistant2",
    "assistant3",
    "assistant4",
    "admin",
]


def _expire(authorisation: Authorisation) -> None:
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Authorisation.objects.filter(pk=authorisation.pk).update(valid_until=yesterday)


def _project() -> KeyProject:
    return services.project_create(
        actor=user("manager"), code="plant", name="新厂房建设项目", company=company(), assistant=user("assistant")
    )


@pytest.fixture
def world(places):
    """张明 authorised assistant3 and has a case they filed; 李娜's request went to
    assistant3 too, without a 委托书; 张明 filed a case of his own; the company's request
    and key project are with 刘洋 (assistant)."""
    mine = ask()
    authorisation = authorise(mine)
    filed = services.assist_case_file(request=mine, actor=user("assistant3"), item_code=SOCIAL_CARD)
    other = ask("citizen2", items=[RESIDENCE])
    own = f.submitted(username="citizen")
    from govhall.stations.demo import COMPANY_CHANGE

    company_request = ask("company", station_code="dxxq-park", items=[COMPANY_CHANGE])
    return {
        "mine": mine,
        "authorisation": authorisation,
        "filed": filed,
        "other": other,
        "own": own,
        "company_request": company_request,
        "project": _project(),
    }


# --------------------------------------------------------------------------- requests


def test_an_assistant_sees_the_requests_given_to_them_only(client, world):
    assert {r.number for r in selectors.visible_requests(user("assistant3"))} == {
        world["mine"].number,
        world["other"].number,
    }
    assert list(selectors.visible_requests(user("assistant4"))) == []
    login(client, "assistant4")
    assert client.get("/api/v1/assist/requests").json()["count"] == 0
    assert world["mine"].number not in client.get("/assist/").content.decode()
    # handed to another assistant, it is gone from the first one's view
    services.assist_transition(
        request=world["other"], actor=user("manager"), action="assign", assistant=user("assistant4")
    )
    login(client, "assistant3")
    listed = {r["number"] for r in client.get("/api/v1/assist/requests").json()["results"]}
    assert listed == {world["mine"].number}
    assert client.get(f"/api/v1/assist/requests/{world['other'].number}").status_code == 404
    # the applicants see their own requests only
    login(client, "citizen2")
    listed = {r["number"] for r in client.get("/api/v1/assist/requests").json()["results"]}
    assert listed == {world["other"].number}


def test_a_request_without_a_mandate_lets_the_assistant_see_it_not_file(client, world):
    login(client, "assistant3")
    detail = client.get(f"/api/v1/assist/requests/{world['other'].number}").json()
    assert detail["live_authorisation"] is False and detail["roles"] == ["assignee"]
    r = client.post(
        f"/api/v1/assist/requests/{world['other'].number}/cases",
        json.dumps({"item_code": RESIDENCE}),
        content_type=JSON,
    )
    assert (r.status_code, r.json()["code"]) == (403, "no_authorisation")


# --------------------------------------------------------------------------- cases


def _listed_cases(client) -> set[str]:
    return {c["number"] for c in client.get("/api/v1/cases", {"page_size": 100}).json()["results"]}


def test_an_assistant_sees_only_the_cases_they_filed_under_a_mandate(client, world):
    filed, own = world["filed"], world["own"]
    assert scope.mandates(user("assistant3")) == [citizen()]
    login(client, "assistant3")
    # what they filed for 张明, not what 张明 filed himself, though he authorised them
    assert _listed_cases(client) == {filed.number}
    assert client.get(f"/api/v1/cases/{own.number}").status_code == 404
    assert client.get(f"/cases/{own.number}/").status_code == 404
    # another assistant, even of the same hall, sees none
    login(client, "assistant4")
    assert _listed_cases(client) == set()
    assert client.get(f"/api/v1/cases/{filed.number}").status_code == 404


def test_the_cases_api_files_for_an_authorising_applicant_only(client, world):
    login(client, "assistant3")
    body = {"item_code": RESIDENCE, "applicant_id": citizen().pk}
    r = client.post("/api/v1/cases", json.dumps(body), content_type=JSON)
    assert r.status_code == 201, r.content
    assert Case.objects.get(number=r.json()["number"]).applicant == citizen()
    lina = scope.represented(user("citizen2"))[0]
    r = client.post("/api/v1/cases", json.dumps({**body, "applicant_id": lina.pk}), content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (403, "no_authorisation")
    # without naming anyone, an assistant has no applicant of their own
    r = client.post("/api/v1/cases", json.dumps({"item_code": RESIDENCE}), content_type=JSON)
    assert r.status_code == 400 and r.json()["code"] == "no_applicant"


def test_after_the_mandate_lapses_the_assistant_sees_what_they_filed_and_acts_no_more(client, world):
    filed = f.upload_all(world["filed"], "assistant3")
    _expire(world["authorisation"])
    assert scope.mandates(user("assistant3")) == []
    login(client, "assistant3")
    assert _listed_cases(client) == {filed.number}
    assert client.get(f"/api/v1/cases/{filed.number}").status_code == 200
    r = client.post(f"/api/v1/cases/{filed.number}/transitions", json.dumps({"action": "submit"}), content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (403, "no_authorisation")
    r = client.post(
        "/api/v1/cases", json.dumps({"item_code": RESIDENCE, "applicant_id": citizen().pk}), content_type=JSON
    )
    assert (r.status_code, r.json()["code"]) == (403, "no_authorisation")
    # the assistant's page says whose 委托书 they hold and that it lapsed
    home = client.get("/assist/").content.decode()
    held = re.search(r'id="held-title".*?</section>', home, re.S).group(0)
    assert "张*" in held and "已过期" in held


# --------------------------------------------------------------------------- projects


def test_key_projects_are_their_assistants_and_the_companys(client, world):
    project = world["project"]
    for who, sees in (
        ("assistant", True),
        ("company", True),
        ("manager", True),
        ("supervisor", True),
        ("admin", True),
        ("assistant2", False),  # a colleague at the park: not their project
        ("assistant3", False),
        ("citizen", False),
        ("clerk", False),
        ("reviewer", False),
    ):
        login(client, who)
        listed = [p["code"] for p in client.get("/api/v1/projects").json()]
        assert listed == ([project.code] if sees else []), who
        assert client.get(f"/api/v1/projects/{project.code}").status_code == (200 if sees else 404), who


def test_the_projects_assistant_files_only_under_the_companys_mandate(client, world):
    project = world["project"]
    login(client, "assistant")
    url = f"/api/v1/projects/{project.code}/cases"
    r = client.post(url, json.dumps({"item_code": PLANNING}), content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (403, "no_authorisation")
    assert client.get(f"/api/v1/projects/{project.code}").json()["live_authorisation"] is False
    mandate = authorisation_request(
        actor=user("assistant"),
        assistant=user("assistant"),
        applicant=company(),
        item_codes=[PLANNING],
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    services.authorisation_sign(actor=user("assistant2"), authorisation_id=mandate.pk)
    r = client.post(url, json.dumps({"item_code": PLANNING}), content_type=JSON)
    assert r.status_code == 201, r.content
    r = client.post(url, json.dumps({"item_code": EIA}), content_type=JSON)  # not named in it
    assert (r.status_code, r.json()["code"]) == (403, "no_authorisation")
    # a colleague is no project assistant, with or without a mandate
    login(client, "assistant2")
    assert client.post(url, json.dumps({"item_code": PLANNING}), content_type=JSON).status_code == 404
    _expire(mandate)
    login(client, "assistant")
    r = client.post(url, json.dumps({"item_code": PLANNING}), content_type=JSON)
    assert (r.status_code, r.json()["code"]) == (403, "no_authorisation")
    # the case filed before stays on the project's page
    assert len(client.get(f"/api/v1/projects/{project.code}").json()["case_list"]) == 1


# --------------------------------------------------------------------------- the two forms agree


def test_the_scope_as_a_filter_and_on_one_object_agree(world):
    """Decision 0003: the list's filter and the check on one loaded object, for every demo
    account, over every request and project."""
    requests = list(AssistRequest.objects.select_related("applicant", "hall"))
    projects = list(KeyProject.objects.select_related("company", "hall"))
    for username in EVERYONE:
        person = User.objects.get(username=username)
        listed = set(selectors.visible_requests(person).values_list("pk", flat=True))
        assert listed == {r.pk for r in requests if scope.can_see(person, r, selectors.ASSIST_SCOPE)}, username
        shown = set(selectors.visible_projects(person).values_list("pk", flat=True))
        assert shown == {p.pk for p in projects if selectors.project_can_see(person, p)}, username
    assert len(requests) == 3 and len(projects) == 1


# --------------------------------------------------------------------------- "assistant X for applicant Y"


def test_every_step_on_the_case_says_for_whom(client, world):
    case = f.upload_all(world["filed"], "assistant3")
    f.act(case, "assistant3", "submit")
    events = list(TimelineEvent.objects.filter(case=case).order_by("seq"))
    first, later = events[0], events[1:]
    assert (first.action, first.actor, first.data["channel"]) == ("create", user("assistant3"), "assisted")
    assert [e.action for e in later] == ["stations.assist_linked", "material_uploaded", "material_uploaded", "submit"]
    for event in later:
        assert (event.actor, event.actor_role, event.data["on_behalf_of"]) == (user("assistant3"), "assistant", "张明")
    # the request's history too: 张敏 (帮办代办员) for 张明
    login(client, "citizen")
    html = client.get(f"/assist/requests/{world['mine'].number}/").content.decode()
    history = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)
    assert re.search(r"代为申报办件</strong>\s*<div class=\"meta\">张敏（帮办代办员） 代 张明</div>", history)


def test_the_case_page_and_api_show_the_assistant_for_the_applicant(client, world):
    """What the applicant reads on the case: 张敏（驿站帮办代办员） 代 张明, on every step."""
    case = f.upload_all(world["filed"], "assistant3")
    login(client, "citizen")
    html = client.get(f"/cases/{case.number}/").content.decode()
    timeline = re.search(r'<section class="card" id="timeline">.*?</section>', html, re.S).group(0)
    steps = re.findall(r'<div class="meta">([^<]*)</div>', timeline)
    assert len(steps) == 4 and set(steps) == {"张敏（驿站帮办代办员） 代 张明"}  # created, linked, two uploads
    events = client.get(f"/api/v1/cases/{case.number}").json()["timeline"]
    assert all(e.get("on_behalf_of") == "张明" for e in events)
