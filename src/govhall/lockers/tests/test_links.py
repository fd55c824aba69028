"""The case page and the menu reach the lockers without cases importing them (core.links):
the applicant is offered a drop-off once the case may have one, sees the live parcel, and
never a link to someone else's case; staff find the lockers in the menu."""

from __future__ import annotations

import pytest
from conftest import login

from govhall.cases.tests import factories as f
from govhall.core import links
from govhall.lockers import services
from govhall.lockers.tests import factories as lf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo):
    site, cabinets = lf.site(layout={"S": 2, "M": 1, "L": 1})
    return site, cabinets[0][0]


def related(client, case) -> str:
    page = client.get(f"/cases/{case.number}/").content.decode()
    return page.split('id="related"', 1)[1].split("</section>", 1)[0] if 'id="related"' in page else ""


def test_the_case_page_offers_a_drop_off_once_it_may_have_one(client, world):
    site, _ = world
    login(client, "citizen")
    early = related(client, f.submitted())  # before pre-review: no drop-off yet, a pick-up place
    assert "预约信包箱交件" not in early and "选择信包箱取件地点" in early
    case = lf.accepted()  # pre-reviewed, and its item asks for paper originals
    offered = related(client, case)
    assert "预约信包箱交件" in offered and f'href="/lockers/cases/{case.number}/"' in offered
    services.dropoff_reserve(case=case, actor=f.user("citizen"), site=site, size="S")
    assert "已预约信包箱格口，开箱码已短信发送" in related(client, case)
    # staff who work the case see the lockers' part of it; the menu takes them to the lockers
    client.logout()
    login(client, "clerk")
    assert "信包箱（交件与出件）" in related(client, case)
    assert 'href="/lockers/"' in client.get("/").content.decode()


def test_links_never_reach_someone_elses_case(world):
    case = lf.accepted()
    assert [link.label for link in links.case_links(case, f.user("citizen"))] == ["预约信包箱交件"]
    assert links.case_links(case, f.user("citizen2")) == []


def test_the_menu_has_the_finder_for_everyone_and_assistance_for_those_signed_in(client, demo):
    page = client.get("/").content.decode()
    assert 'href="/stations/">服务网点' in page and "帮办代办" not in page and 'href="/lockers/"' not in page
    login(client, "citizen")
    page = client.get("/").content.decode()
    assert 'href="/assist/">帮办代办' in page and 'href="/lockers/"' not in page


def test_registered_links_come_in_their_order(monkeypatch):
    monkeypatch.setattr(links, "_case", [])

    def late(case, user):
        yield links.Link("后", "/b", order=200)

    def early(case, user):
        yield links.Link("先", "/a", order=1)

    links.for_case(late)
    links.for_case(early)
    links.for_case(early)  # registering twice adds nothing
    assert [link.label for link in links.case_links(None, None)] == ["先", "后"]
