import pytest

from govhall.accounts import demo
from govhall.accounts.models import Applicant, StaffProfile, User
from govhall.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_demo_accounts_exist_with_roles(demo):
    names = set(User.objects.values_list("username", flat=True))
    assert {"citizen", "company", "clerk", "approver", "supervisor", "assistant", "admin"} <= names
    assert User.objects.get(username="admin").is_superuser
    assert StaffProfile.objects.get(user__username="approver").role == Role.CHIEF_APPROVER
    assert StaffProfile.objects.get(user__username="approver").department.code == "lh-scjg"
    assert User.objects.get(username="clerk").groups.filter(name=Role.CLERK.label).exists()
    assert Applicant.objects.get(user__username="citizen").kind == Applicant.Kind.NATURAL
    assert Applicant.objects.get(operators__user__username="company").kind == Applicant.Kind.LEGAL


def test_loading_twice_changes_nothing(demo):
    before = (
        User.objects.count(),
        Applicant.objects.count(),
        StaffProfile.objects.count(),
        list(User.objects.order_by("id").values_list("password", flat=True)),
    )
    demo_module_load = demo_load = None  # noqa: F841
    from govhall.accounts import demo as accounts_demo

    accounts_demo.load()
    after = (
        User.objects.count(),
        Applicant.objects.count(),
        StaffProfile.objects.count(),
        list(User.objects.order_by("id").values_list("password", flat=True)),
    )
    assert before == after


def test_demo_identity_codes_are_valid():
    from govhall.accounts.validators import is_valid_id_number, is_valid_uscc

    assert is_valid_id_number(demo.DEMO_ID_NUMBER)
    assert is_valid_uscc(demo.DEMO_COMPANY_USCC)
