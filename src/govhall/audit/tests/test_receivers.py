"""What the audit log records by itself: sign-ins, their failures and sign-outs on the site
and the admin; groups, permissions and the staff flags; staff profiles (accounts); and the
admin shows it read-only."""

from __future__ import annotations

import pytest
from conftest import login
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory

from govhall.accounts.models import StaffProfile, User
from govhall.accounts.roles import Role
from govhall.audit import services
from govhall.audit.chain import verify
from govhall.audit.models import Kind, SecurityEvent

pytestmark = pytest.mark.django_db

PASSWORD = django_settings.GOVHALL_DEMO_PASSWORD


def new_events(since: int, kind: Kind | None = None) -> list[SecurityEvent]:
    found = SecurityEvent.objects.filter(seq__gt=since).order_by("seq")
    return list(found.filter(kind=kind) if kind else found)


def head() -> int:
    last = SecurityEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


def test_sign_in_failure_and_sign_out_on_the_site_and_the_admin(client, demo):
    citizen = User.objects.get(username="citizen")
    start = head()
    client.post("/accounts/login/", {"username": "citizen", "password": "wrong-password"}, REMOTE_ADDR="10.0.0.7")
    client.post("/accounts/login/", {"username": "13812345678", "password": "wrong-password"})
    client.post("/accounts/login/", {"username": "citizen", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7")
    client.post("/accounts/logout/")
    client.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    known, unknown = new_events(start, Kind.SIGN_IN_FAILED)
    assert known.subject_user_id == citizen.pk and known.address == "10.0.0.7" and known.actor_id is None
    assert known.data == {"channel": "web"}
    # an unknown name is kept only as a keyed hash: no phone number, no mistyped password
    assert unknown.subject_user_id is None and set(unknown.data) == {"channel", "unknown_username"}
    assert "1381" not in str(unknown.data) and len(unknown.data["unknown_username"]) == 16
    web, admin = new_events(start, Kind.SIGN_IN)
    assert (web.actor_id, web.subject_user_id, web.address, web.data) == (
        citizen.pk,
        citizen.pk,
        "10.0.0.7",
        {"channel": "web"},
    )
    assert admin.data == {"channel": "admin"} and admin.actor.username == "admin"
    [out] = new_events(start, Kind.SIGN_OUT)
    assert out.actor_id == citizen.pk
    assert verify().broken is None


def test_group_and_permission_changes(demo):
    user = User.objects.create_user("newcomer")
    clerks = Group.objects.get(name=Role.CLERK.label)
    view_region = Permission.objects.get(codename="view_region")
    start = head()
    user.groups.add(clerks)
    clerks.user_set.remove(user)
    user.groups.add(clerks)
    user.groups.clear()
    user.user_permissions.add(view_region)
    helpers = Group.objects.create(name="helpers")
    helpers.permissions.add(view_region)
    changes = [(e.kind, e.subject_user_id, e.subject, e.data) for e in new_events(start)]
    assert changes == [
        (Kind.ROLE_CHANGED, user.pk, "", {"groups_added": ["综合窗口受理员"]}),
        (Kind.ROLE_CHANGED, user.pk, "", {"groups_removed": ["综合窗口受理员"]}),
        (Kind.ROLE_CHANGED, user.pk, "", {"groups_added": ["综合窗口受理员"]}),
        (Kind.ROLE_CHANGED, user.pk, "", {"groups_removed": ["综合窗口受理员"]}),
        (Kind.PERMISSION_CHANGED, user.pk, "", {"permissions_added": ["catalog.view_region"]}),
        (
            Kind.PERMISSION_CHANGED,
            None,
            f"auth.group:{helpers.pk}",
            {"group": "helpers", "permissions_added": ["catalog.view_region"]},
        ),
    ]


def test_staff_flags_are_recorded_and_plain_saves_cost_nothing(demo, django_assert_num_queries):
    user = User.objects.create_user("flagged")
    start = head()
    user.is_staff = True
    user.save()
    user.is_superuser, user.is_active = True, False
    user.save(update_fields=["is_superuser", "is_active"])
    user.display_name = "某人"
    user.save()  # nothing watched changed
    with django_assert_num_queries(1):  # the update only: no read of the flags
        user.save(update_fields=["last_login"])
    assert [e.data for e in new_events(start, Kind.PERMISSION_CHANGED)] == [
        {"is_staff": [False, True]},
        {"is_superuser": [False, True], "is_active": [True, False]},
    ]
    created = User.objects.create_superuser("root2", password=PASSWORD)
    assert new_events(start, Kind.PERMISSION_CHANGED)[-1].data == {
        "is_staff": [None, True],
        "is_superuser": [None, True],
    }
    assert new_events(start)[-1].subject_user_id == created.pk


def test_staff_profiles_created_changed_and_removed(demo):
    from govhall.catalog.models import Department

    user = User.objects.create_user("newclerk")
    start = head()
    profile = StaffProfile.objects.create(user=user, role=Role.CLERK)
    profile.save()  # unchanged: nothing
    profile.role = Role.REVIEWER
    profile.department = Department.objects.first()
    profile.save()
    profile.delete()
    created, changed, deleted = new_events(start, Kind.ROLE_CHANGED)
    assert created.data == {
        "profile": "created",
        "role": "clerk",
        "department": None,
        "region": None,
        "hall": None,
        "window": None,
    }
    assert changed.data == {
        "profile": "changed",
        "role": ["clerk", "reviewer"],
        "department": [None, profile.department_id],
    }
    assert deleted.data["profile"] == "deleted" and deleted.subject_user_id == user.pk
    assert {e.subject_user_id for e in (created, changed, deleted)} == {user.pk}


def test_events_from_signals_take_the_actor_and_address_of_the_request(demo):
    admin = User.objects.get(username="admin")
    request = RequestFactory().post("/admin/accounts/user/1/change/", REMOTE_ADDR="10.3.3.3")
    request.user = admin
    user = User.objects.create_user("promoted")
    start = head()
    with services.context(request=request):
        user.is_staff = True
        user.save()
    [event] = new_events(start)
    assert (event.actor_id, event.address, event.subject_user_id) == (admin.pk, "10.3.3.3", user.pk)
    user.is_staff = False
    user.save()  # outside a request (a command): nobody, nowhere
    assert (new_events(start)[-1].actor_id, new_events(start)[-1].address) == (None, "")


def test_the_admin_shows_the_log_read_only(client, demo):
    login(client, "citizen")  # one event at least
    event = SecurityEvent.objects.order_by("-seq").first()
    login(client, "admin")
    listing = client.get("/admin/audit/securityevent/")
    assert listing.status_code == 200 and "登录" in listing.content.decode()
    assert client.get("/admin/audit/securityevent/add/").status_code == 403
    detail = client.get(f"/admin/audit/securityevent/{event.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.post(f"/admin/audit/securityevent/{event.pk}/delete/").status_code == 403
    answer = client.post(
        "/admin/audit/securityevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert answer.status_code in (200, 302) and SecurityEvent.objects.filter(pk=event.pk).exists()
    assert client.get("/admin/audit/chainhead/").status_code == 404  # the head is not in the admin
    login(client, "clerk")
    assert client.get("/admin/audit/securityevent/").status_code in (302, 403)
