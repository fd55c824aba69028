"""The two forms of the scope rule (a queryset filter for lists, a check on one loaded case
for actions) must agree for every user and every case."""

import pytest

from govhall.accounts.models import User
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
