"""综合窗口分区: which group of a hall serves an item (appointments and queue tickets are per
group), and the demo hall's groups."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from govhall.accounts import selectors
from govhall.accounts.models import Hall, WindowGroup
from govhall.catalog.models import Department

pytestmark = pytest.mark.django_db


def test_an_item_goes_to_its_listed_group_then_its_departments_then_the_general_one(demo):
    hall = Hall.objects.get(name="莲湖区政务服务中心")
    tax = Department.objects.get(code="lh-sw")
    market = Department.objects.get(code="lh-scjg")
    assert selectors.window_group_for(hall, "any-tax-item", tax.id).letter == "C"
    assert selectors.window_group_for(hall, "any-market-item", market.id).letter == "A"  # general
    construction = WindowGroup.objects.get(hall=hall, letter="B")
    construction.item_codes = ["special-item"]
    construction.save()
    assert selectors.window_group_for(hall, "special-item", market.id).letter == "B"
    assert [w.code for w in construction.windows.order_by("code")] == ["5"]


def test_a_hall_without_groups_has_none_and_letters_are_unique_latin(demo):
    hall = Hall.objects.get(name="莲湖区政务服务中心")
    other = Hall.objects.create(region=hall.region, name="测试分中心")
    assert selectors.window_group_for(other, "x", None) is None
    with transaction.atomic(), pytest.raises(IntegrityError):
        WindowGroup.objects.create(hall=hall, letter="A", name="重复")
    with transaction.atomic(), pytest.raises(IntegrityError):
        WindowGroup.objects.create(hall=other, letter="甲", name="非拉丁字母")
