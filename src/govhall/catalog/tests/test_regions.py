"""The region tree's two walks: down (a supervisor's or hall's reach) and up (the levels whose
halls hold a region's items), the latter in one query for six levels however many regions
there are, and going on past six."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from govhall.catalog.models import Region
from govhall.catalog.selectors import region_and_above, region_and_below

pytestmark = pytest.mark.django_db


def _ids(*codes: str) -> list[int]:
    by_code = dict(Region.objects.values_list("code", "id"))
    return [by_code[c] for c in codes]


def test_up_from_a_community_to_the_province_in_one_query(demo):
    community, street, district, city, province = _ids(
        "610104002001", "610104002000", "610104000000", "610100000000", "610000000000"
    )
    with CaptureQueriesContext(connection) as queries:
        assert region_and_above(community) == [community, street, district, city, province]
    assert len(queries) == 1
    assert region_and_above(province) == [province]
    assert region_and_above(10**9) == []
    assert set(region_and_below(district)) >= {district, street, community}
    assert city not in region_and_below(district)


def test_deeper_than_five_levels_goes_on(demo):
    parent = Region.objects.get(code="610104002001")
    made = []
    for n in range(3):  # 网格 below the community, three levels deeper (eight in all)
        parent = Region.objects.create(code=f"6101040020{n + 11}", name=f"网格{n}", level="community", parent=parent)
        made.append(parent.pk)
    found = region_and_above(made[-1])
    assert found[:3] == made[::-1] and len(found) == 8 and found[-1] == _ids("610000000000")[0]
