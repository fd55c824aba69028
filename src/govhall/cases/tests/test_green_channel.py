"""绿色通道: a green-channel item's cases, or a green-channel applicant's, are accepted with the
item's shortened limit, stand first in the staff queues and are marked in lists and the API."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from govhall.accounts.models import Applicant
from govhall.cases import selectors
from govhall.cases.tests import factories as f
from govhall.catalog.models import ServiceItem
from govhall.catalog.services import validate_item_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_item_versions():
    """These tests change a published version in place (a real change publishes a new
    version): the process's cache of published versions must not keep the old one."""
    from govhall.catalog import selectors as catalog_selectors

    catalog_selectors._item_versions.clear()
    yield
    catalog_selectors._item_versions.clear()


def fresh_item_versions_clear() -> None:
    from govhall.catalog import selectors as catalog_selectors

    catalog_selectors._item_versions.clear()


def _food() -> ServiceItem:
    return ServiceItem.objects.get(code=f.FOOD, status="published")


def test_a_green_channel_applicant_is_accepted_with_the_shortened_limit(demo):
    item = _food()
    assert item.promised_days == 3
    ordinary = f.accepted()
    item.green_days = 1
    item.save()
    fresh_item_versions_clear()
    assert not ordinary.green_channel and ordinary.limit_workdays == 3
    Applicant.objects.filter(user__username="citizen").update(green_channel=True, green_channel_reason="重点项目")
    green = f.accepted()
    assert green.green_channel and green.limit_workdays == 1
    assert green.due_date < ordinary.due_date or green.due_date == ordinary.due_date == green.accepted_on


def test_a_green_channel_item_without_a_shortened_limit_keeps_the_promised_one(demo):
    ServiceItem.objects.filter(code=f.FOOD).update(green_channel=True)
    case = f.accepted()
    assert case.green_channel and case.limit_workdays == 3


def test_green_cases_come_first_in_the_queue_and_are_marked(demo, client):
    first = f.submitted()
    ServiceItem.objects.filter(code=f.FOOD).update(green_channel=True, green_days=2)
    fresh_item_versions_clear()
    green = f.submitted()
    numbers = [c.number for c in selectors.queue(f.user("clerk"), "prereview")]
    assert numbers.index(green.number) < numbers.index(first.number)
    client.force_login(f.user("clerk"))
    listed = client.get("/api/v1/cases", {"page_size": 100}).json()["results"]
    marks = {c["number"]: c["green_channel"] for c in listed}
    assert marks[green.number] is True and marks[first.number] is False
    assert "绿色通道" in client.get(f"/cases/{green.number}/").content.decode()


def test_the_shortened_limit_never_exceeds_the_promised_one(demo):
    item = _food()
    with transaction.atomic(), pytest.raises(IntegrityError):
        ServiceItem.objects.filter(pk=item.pk).update(green_days=item.promised_days + 1)
    from govhall.catalog.models import Department, Topic
    from govhall.catalog.services import item_to_data

    data = {**item_to_data(item), "green_days": item.promised_days + 1}
    errors = validate_item_data(
        data, {d.code: d for d in Department.objects.all()}, {t.code: t for t in Topic.objects.all()}
    )
    assert [(e.path, e.message) for e in errors if e.path == ("green_days",)] == [
        (("green_days",), "绿色通道承诺时限不能超过承诺时限")
    ]
