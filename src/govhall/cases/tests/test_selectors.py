"""The two forms of the scope rule (a queryset filter for lists, a check on one loaded case
for actions) must agree for every user and every case."""

import pytest

from govhall.accounts.models import Applicant, User
from govhall.cases import selectors
from govhall.cases.models import Case
from govhall.cases.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_can_see_agrees_with_visible_cases(demo):
    f.draft()
    f.submitted()
    f.accepted_with_deferral()
    f.accepted(f.EIA, "company")
    f.draft(f.COMPANY, "company")
    cases = list(Case.objects.select_related("applicant", "department"))
    for user in User.objects.all():
        visible = set(selectors.visible_cases(user).values_list("pk", flat=True))
        for case in cases:
            assert selectors.can_see(user, case) == (case.pk in visible), (user.username, case.state)


def test_case_row_is_the_orm_row_with_the_cached_item_version(demo, django_assert_num_queries):
    """``case_row`` is hand-written SQL; it must load exactly what the ORM loads."""
    f.accepted_with_deferral()
    f.draft(f.COMPANY, "company")
    for expected in Case.objects.select_related("item", "applicant"):
        by_number = selectors.case_row(number=expected.number)
        by_id = selectors.case_row(pk=expected.pk, for_update=True)
        for found in (by_number, by_id):
            for field in Case._meta.concrete_fields:
                assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
        with django_assert_num_queries(0):  # the item version comes from the process cache
            assert by_number.item.pk == expected.item_id and by_number.item is by_id.item
            assert [getattr(by_id.applicant, f.attname) for f in Applicant._meta.concrete_fields] == [
                getattr(expected.applicant, f.attname) for f in Applicant._meta.concrete_fields
            ]
            assert by_number.item.published_at == expected.item.published_at
    assert selectors.case_row(number="610104000000000000") is None


def test_region_hall_is_the_regions_first_hall(demo):
    from govhall.accounts.models import Hall

    for hall in Hall.objects.all():
        expected = Hall.objects.filter(region=hall.region).order_by("id")[0]
        found = selectors.region_hall(hall.region_id)
        assert [getattr(found, f.attname) for f in Hall._meta.concrete_fields] == [
            getattr(expected, f.attname) for f in Hall._meta.concrete_fields
        ]
    assert selectors.region_hall(-1) is None
