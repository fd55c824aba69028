"""A site's figures (``selectors.site_stats``, the site page, ``GET /sites/{code}/stats``): the
use rate now, drop-offs and pick-ups per day, how long results waited for their pick-up,
what waits now, and the share of cell-time in use."""

from __future__ import annotations

import datetime

import pytest
from conftest import login
from django.utils import timezone

from govhall.lockers import selectors, services
from govhall.lockers.models import Parcel
from govhall.lockers.tests import factories as lf
from govhall.notify.models import Notification

pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)


def pick_up_code(parcel: Parcel) -> str:
    return Notification.objects.filter(event="lockers.code", case_number=parcel.case.number).latest("id").secret


@pytest.fixture
def busy_site(demo):
    """Four cells: papers dropped off today (occupied), a reservation (reserved), a result
    picked up after waiting 5 hours (its cell free again), a result waiting for 30 hours."""
    site, cabinets = lf.site("T-STATS", layout={"S": 3, "M": 1})
    cabinet, _ = cabinets[0]
    dropped = lf.reserve(lf.accepted(), site)
    services.code_open(cabinet=cabinet, code=dropped.code)
    lf.reserve(lf.accepted(), site)
    picked = lf.deposit(lf.issued_for_locker(), site)
    Parcel.objects.filter(pk=picked.pk).update(created_at=timezone.now() - 5 * HOUR)  # deposited 5 hours ago
    services.code_open(cabinet=cabinet, code=pick_up_code(picked))
    waiting = lf.deposit(lf.issued_for_locker(), site, "M")
    Parcel.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - 30 * HOUR)
    return site


def test_the_figures_of_a_site(busy_site):
    now = timezone.now()
    stats = selectors.site_stats(busy_site, days=7, now=now)
    assert (stats.cells, stats.in_service, stats.in_use) == (4, 4, 3)
    assert stats.use_rate == 0.75
    assert (stats.dropoffs, stats.pickups) == (1, 1)
    assert [(d.dropoffs, d.pickups) for d in stats.per_day] == [(0, 0)] * 6 + [(1, 1)]
    assert stats.per_day[-1].day == timezone.localdate(now) and len(stats.per_day) == 7
    assert stats.average_wait_hours == pytest.approx(5, abs=0.01)
    assert stats.waiting_now == 1 and stats.oldest_wait_hours == pytest.approx(30, abs=0.01)
    # cell-time in use: 5 h + 30 h (and seconds for the two drop-off parcels) of 4 cells' week
    start = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(now) - datetime.timedelta(days=6), datetime.time.min)
    )
    assert stats.occupancy == pytest.approx(35 / (4 * (now - start) / HOUR), rel=0.01)


def test_an_out_of_service_cell_leaves_the_use_rate(busy_site):
    cabinet = busy_site.cabinets.get()
    free = cabinet.cells.get(state="free")
    services.cell_event(cabinet=cabinet, door=free.door, event="fault")
    stats = selectors.site_stats(busy_site, days=1)
    assert (stats.in_service, stats.in_use, stats.use_rate) == (3, 3, 1.0)
    assert len(stats.per_day) == 1


def test_the_page_and_the_api_show_them(client, busy_site):
    login(client, "clerk")
    page = client.get(f"/lockers/sites/{busy_site.code}/").content.decode()
    assert 'id="use-rate">75%<' in page and 'id="average-wait">5.0 小时<' in page
    answer = client.get(f"/api/v1/lockers/sites/{busy_site.code}/stats?days=7").json()
    assert (answer["use_rate"], answer["dropoffs"], answer["pickups"], answer["waiting_now"]) == (0.75, 1, 1, 1)
    assert answer["average_wait_hours"] == pytest.approx(5, abs=0.01) and len(answer["per_day"]) == 7
