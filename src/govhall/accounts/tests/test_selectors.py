"""accounts.selectors: the applicants a user files for (plain SQL, held to the ORM)."""

import pytest

from govhall.accounts.models import User
from govhall.accounts.scope import represented

pytestmark = pytest.mark.django_db


def test_applicants_of_is_the_orm_answer(demo):
    from django.db.models import Q

    from govhall.accounts.models import Applicant, Operator

    company = Operator.objects.get(user__username="company").applicant
    Operator.objects.get_or_create(applicant=company, user=User.objects.get(username="citizen"))
    for user in User.objects.all():
        operated = Operator.objects.filter(user=user).values("applicant_id")
        expected = list(Applicant.objects.filter(Q(user=user) | Q(pk__in=operated)).order_by("pk"))
        found = represented(user)
        assert found == expected, user.username
        fields = [field.attname for field in Applicant._meta.concrete_fields]
        assert [[getattr(a, n) for n in fields] for a in found] == [[getattr(a, n) for n in fields] for a in expected]
    assert len(represented(User.objects.get(username="citizen"))) == 2  # own and operated
