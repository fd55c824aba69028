"""accounts.scope: the one scope policy. Its two forms (a filter for lists, a check on one
loaded object) must agree for every role over every object, for every kind of object that
declares a policy (cases, licences)."""

import pytest
from django.db.models import Q

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Hall, Operator, StaffProfile, User
from govhall.accounts.roles import Role
from govhall.cases import selectors
from govhall.cases.models import Case
from govhall.cases.tests import factories as f
from govhall.catalog.models import Department, Region
from govhall.licences.models import Licence
from govhall.licences.selectors import LICENCE_SCOPE, licences_visible

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _staff(username: str, role: str, **place) -> User:
    user = User.objects.create_user(username=username, password="x")
    StaffProfile.objects.create(user=user, role=role, **place)
    return user


@pytest.fixture
def world(demo):
    """Every demo role, plus staff placed elsewhere (another hall, department, region) and
    without a place, over cases in every state of several applicants and licences."""
    from govhall.cases import demo as cases_demo

    cases_demo.load()
    f.draft()
    f.submitted(f.EIA, "company")
    f.accepted_with_deferral()
    f.act(f.approved(), "clerk", "issue")  # a licence
    f.act(f.accepted(f.INSTANT), "clerk", "approve")
    # 帮办代办: a station assistant filed this draft for citizen2
    Case.objects.filter(pk=f.draft(f.FOOD, "citizen2").pk).update(filed_by=User.objects.get(username="assistant"))
    home = StaffProfile.objects.get(user__username="clerk").hall
    street = Region.objects.filter(parent=home.region).first()
    other_hall = Hall.objects.create(region=street, name="青年路街道便民服务中心")
    other_department = Department.objects.exclude(
        pk=StaffProfile.objects.get(user__username="reviewer").department_id
    ).first()
    _staff("clerk_elsewhere", Role.CLERK, hall=other_hall)
    _staff("manager_elsewhere", Role.HALL_MANAGER, hall=other_hall)
    _staff("reviewer_elsewhere", Role.REVIEWER, department=other_department)
    _staff("supervisor_street", Role.SUPERVISOR, region=street)
    _staff("clerk_nowhere", Role.CLERK)
    _staff("assistant_two", Role.ASSISTANT)
    User.objects.create_superuser("root", password="x")
    return list(User.objects.all())


def test_every_role_sees_the_same_cases_in_lists_and_one_by_one(world):
    cases = list(Case.objects.select_related("applicant", "department"))
    assert {c.state for c in cases} >= {"draft", "submitted", "accepted", "approved", "issued"}
    seen_by_someone_staff = 0
    for user in world:
        listed = set(selectors.visible_cases(user).values_list("pk", flat=True))
        for case in cases:
            sees = selectors.can_see(user, case)
            assert sees == (case.pk in listed), (user.username, case.number, case.state)
            roles = selectors.actor_roles(user, case)
            assert not roles or sees, (user.username, case.number)  # no role on what one cannot see
            seen_by_someone_staff += bool(roles - {scope.APPLICANT})
    assert seen_by_someone_staff  # the walk reached staff scope, not only applicants


def test_every_role_sees_the_same_licences_in_lists_and_one_by_one(world):
    licences = list(Licence.objects.select_related("holder", "department"))
    assert licences
    for user in world:
        listed = set(licences_visible(user).values_list("pk", flat=True))
        for licence in licences:
            assert scope.can_see(user, licence, LICENCE_SCOPE) == (licence.pk in listed), (user.username, licence)


def test_scope_follows_the_role(world):
    by_name = {u.username: u for u in world}
    case = Case.objects.filter(state="accepted").select_related("applicant", "department").first()
    assert scope.roles_on(by_name["reviewer"], case, selectors.CASE_SCOPE) == {Role.REVIEWER}
    assert not selectors.can_see(by_name["reviewer_elsewhere"], case)  # another department
    assert selectors.can_see(by_name["clerk"], case)  # taken in at the clerk's hall
    assert not selectors.can_see(by_name["clerk_elsewhere"], case)
    assert not selectors.can_see(by_name["clerk_nowhere"], case)
    assert selectors.can_see(by_name["supervisor"], case) and selectors.can_see(by_name["root"], case)
    assert not selectors.can_see(by_name["supervisor_street"], case)  # the district's department
    # a draft is its filer's alone: the assistant who filed one for citizen2 (帮办代办)
    draft = Case.objects.filter(filed_by__username="assistant").select_related("applicant").get()
    assert selectors.can_see(by_name["assistant"], draft)
    # without a live authorisation (委托书) the assistant sees what they filed but acts no more
    assert selectors.actor_roles(by_name["assistant"], draft) == set()
    assert not selectors.can_see(by_name["assistant_two"], draft)
    assert not selectors.can_see(by_name["admin"], draft) and not selectors.can_see(by_name["clerk"], draft)
    # a clerk reaches licences (no hall) through the region of the hall
    licence = Licence.objects.select_related("department").first()
    assert scope.can_see(by_name["clerk"], licence, LICENCE_SCOPE)
    assert not scope.can_see(by_name["clerk_elsewhere"], licence, LICENCE_SCOPE)


def test_represented_is_the_orm_answer(demo):
    """``scope.represented`` is hand-written SQL; it must be what the ORM says."""
    company = Operator.objects.get(user__username="company").applicant
    Operator.objects.get_or_create(applicant=company, user=User.objects.get(username="citizen"))
    for user in User.objects.all():
        operated = Operator.objects.filter(user=user).values("applicant_id")
        expected = list(Applicant.objects.filter(Q(user=user) | Q(pk__in=operated)).order_by("pk"))
        found = scope.represented(user)
        assert found == expected, user.username
        fields = [field.attname for field in Applicant._meta.concrete_fields]
        assert [[getattr(a, n) for n in fields] for a in found] == [[getattr(a, n) for n in fields] for a in expected]
    assert len(scope.represented(User.objects.get(username="citizen"))) == 2  # own and operated
