"""Who may open the dashboard, its export and its API, and that each shows only the
viewer's scope: an applicant, a department's staff or a clerk get 403; a visitor is sent to
sign in; a hall manager of another region sees none of these cases."""

from __future__ import annotations

import io

import pytest
from conftest import login
from django.contrib.auth.models import Group
from openpyxl import load_workbook

from govhall.accounts.models import Hall, StaffProfile, User
from govhall.accounts.roles import Role
from govhall.catalog.models import Region
from govhall.stats.tests import data

pytestmark = pytest.mark.django_db
PERIOD = "start=2025-03-01&end=2025-05-31"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def known(demo):
    return data.build()


def outsider_manager() -> User:
    """The hall manager of a hall in another district (雁塔区), outside the demo district."""
    province = Region.objects.get(code="610100000000")
    region, _ = Region.objects.get_or_create(
        code="610113000000", defaults={"name": "雁塔区", "level": "district", "parent": province}
    )
    hall, _ = Hall.objects.get_or_create(region=region, name="雁塔区政务服务中心")
    user, created = User.objects.get_or_create(username="yanta-manager", defaults={"display_name": "吴敏"})
    if created:
        StaffProfile.objects.create(user=user, role=Role.HALL_MANAGER, region=region, hall=hall)
        user.groups.add(Group.objects.get_or_create(name=Role.HALL_MANAGER)[0])
    return User.objects.get(pk=user.pk)


REFUSED = ["citizen", "company", "clerk", "reviewer", "approver", "assistant"]
ALLOWED = ["manager", "supervisor", "admin"]


@pytest.mark.parametrize("username", REFUSED)
def test_others_get_403_on_page_export_and_api(known, client, username):
    login(client, username)
    assert client.get("/stats/").status_code == 403
    assert client.get("/stats/export.xlsx").status_code == 403
    answer = client.get("/api/v1/stats/figures")
    assert answer.status_code == 403 and answer.json()["code"] == "stats_forbidden"


def test_a_visitor_is_sent_to_sign_in_and_the_api_says_401(known, client):
    page = client.get("/stats/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert client.get("/stats/export.xlsx").status_code == 302
    assert client.get("/api/v1/stats/figures").status_code == 401


@pytest.mark.parametrize("username", ALLOWED)
def test_viewers_see_the_district(known, client, username):
    login(client, username)
    page = client.get(f"/stats/?{PERIOD}")
    assert page.status_code == 200
    assert "<li><strong>5</strong>办件量（件）</li>" in page.content.decode()
    assert client.get(f"/api/v1/stats/figures?{PERIOD}").json()["total"] == 5


def test_the_menu_links_the_dashboard_only_for_viewers(known, client):
    login(client, "supervisor")
    assert 'href="/stats/"' in client.get("/").content.decode()
    login(client, "citizen")
    assert 'href="/stats/"' not in client.get("/").content.decode()


def test_an_out_of_region_manager_sees_nothing_of_the_district(known, client):
    client.force_login(outsider_manager())
    page = client.get(f"/stats/?{PERIOD}").content.decode()
    assert "<li><strong>0</strong>办件量（件）</li>" in page
    assert "区市场监管局" not in page  # neither in the charts nor in the department choices
    body = client.get(f"/api/v1/stats/figures?{PERIOD}").json()
    assert body["total"] == 0 and body["departments"] == [] and body["overdue"]["open_overdue"] == 0
    sheet = load_workbook(io.BytesIO(client.get(f"/stats/export.xlsx?{PERIOD}").content))["概览"]
    assert [r for r in sheet.iter_rows(values_only=True) if r[0] == "办件量（件）"] == [("办件量（件）", 0)]
    # asking for the demo district by name is refused, not answered
    answer = client.get(f"/api/v1/stats/figures?{PERIOD}&region=610104000000")
    assert answer.status_code == 400 and answer.json()["detail"] == {"region": "所选区划不在您的统计范围内"}
    answer = client.get(f"/api/v1/stats/figures?{PERIOD}&department=lh-scjg")
    assert answer.json()["detail"] == {"department": "所选部门不在您的统计范围内"}
    assert client.get(f"/stats/?{PERIOD}&region=610104000000").status_code == 400


def test_a_bearer_token_works_and_is_scoped(known, client, bearer):
    headers = bearer("supervisor")
    client.logout()
    answer = client.get(f"/api/v1/stats/figures?{PERIOD}", headers=headers)
    assert answer.status_code == 200 and answer.json()["total"] == 5
    answer = client.get("/api/v1/stats/figures", headers=bearer("citizen"))
    assert answer.status_code == 403
