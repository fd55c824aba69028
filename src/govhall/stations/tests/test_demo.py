"""The stations demo (issue 14's "Done means"): three stations with assistants, a hall on
the map, requests in each state a manager meets, one key project with its cases; made
through the real services, and loaded twice without change."""

from __future__ import annotations

import pytest

from govhall.accounts import scope
from govhall.accounts.models import Authorisation
from govhall.stations import selectors
from govhall.stations.models import AssistRequest, AssistStatus, HallLocation, KeyProject, Station

pytestmark = pytest.mark.django_db


def test_the_demo(places):
    from govhall.stations.demo import load

    assert load() is True
    stations = {s.code: s for s in Station.objects.all()}
    assert set(stations) == {"dxxq-park", "bym-community", "xdj-street"}
    for station in stations.values():
        assert selectors.station_assistants(station) and station.items.exists() and station.equipment.exists()
    assert {e.locker_site for s in stations.values() for e in s.equipment.all() if e.locker_site} == {
        "LH-ST-BYM",
        "LH-ST-XDJ",
    }
    assert HallLocation.objects.count() == 1
    statuses = sorted(AssistRequest.objects.values_list("status", flat=True))
    assert statuses == sorted([AssistStatus.IN_PROGRESS, AssistStatus.IN_PROGRESS, AssistStatus.NEW, AssistStatus.DONE])
    project = KeyProject.objects.get()
    assert project.case_links.count() == 3 and scope.mandate_for(project.assistant, project.company) is not None
    # every request and 委托书 has its history: nothing was set by hand
    assert all(r.events.exists() for r in AssistRequest.objects.all())
    assert Authorisation.objects.filter(confirmed_at__isnull=False).count() == 2
    # a second load brings the stations up to date and makes nothing twice
    assert load() is False
    assert (AssistRequest.objects.count(), KeyProject.objects.count(), Station.objects.count()) == (4, 1, 3)
