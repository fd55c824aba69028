"""Intake alerts, the board and its API, bulletins and the weekly report: who may see what
(scope), masked personal data, documented errors."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import login
from django.conf import settings

from govhall.accounts.models import StaffProfile, User
from govhall.accounts.roles import Role
from govhall.cases.models import Case
from govhall.cases.tests import factories as f
from govhall.catalog.models import Region
from govhall.notify.models import Notification
from govhall.supervision.models import Alert, Bulletin, Level
from govhall.supervision.services import intake_record, sweep_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def overdue_case(demo):
    case = f.accepted()
    Case.objects.filter(pk=case.pk).update(due_date=dt.date(2025, 9, 29))
    sweep_run(today=dt.date(2025, 9, 30))
    return case


@pytest.fixture
def outsider(demo):
    """A supervisor of another district (新城区): sees nothing of 莲湖区."""
    region, _ = Region.objects.get_or_create(
        code="610102000000",
        defaults={"name": "新城区", "level": "district", "parent": Region.objects.get(code="610100000000")},
    )
    user, _ = User.objects.get_or_create(username="supervisor-xc", defaults={"display_name": "外区监察员"})
    user.set_password(settings.GOVHALL_DEMO_PASSWORD)
    user.save()
    StaffProfile.objects.update_or_create(user=user, defaults={"role": Role.SUPERVISOR, "region": region})
    return user


def test_intake_alerts_go_to_the_queue_staff_once(demo, django_capture_on_commit_callbacks):
    # a clerk with a phone on the account is told on the site, never paged by SMS
    type(f.user("clerk")).objects.filter(username="clerk").update(phone="13900139000")
    with django_capture_on_commit_callbacks(execute=True):
        case = f.submitted()
    assert not Notification.objects.filter(event="supervision.intake", channel="sms").exists()
    intake = Alert.objects.filter(case=case, level=Level.INTAKE)
    assert list(intake.values_list("queue", flat=True)) == ["prereview"]
    told = Notification.objects.filter(event="supervision.intake", case_number=case.number, channel="site")
    assert set(told.values_list("recipient__username", flat=True)) == {"clerk"}
    with django_capture_on_commit_callbacks(execute=True):
        f.act(case, "clerk", "accept")
    assert sorted(intake.values_list("queue", flat=True)) == ["prereview", "review"]
    assert "reviewer" in set(told.values_list("recipient__username", flat=True))
    # the event delivered again (at least once): nothing recorded or sent twice
    before = told.count()
    assert intake_record(case_id=case.pk, action="accept") is None
    assert intake.count() == 2 and told.count() == before


@pytest.mark.parametrize("username", ["supervisor", "manager", "admin"])
def test_the_board_shows_overdue_cases_masked_with_their_page_one_click_away(client, overdue_case, username):
    response = login(client, username).get("/supervision/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="/cases/{overdue_case.number}/"' in page
    assert "张明" not in page and "张*" in page
    assert 'data-level="overdue"' in page


@pytest.mark.parametrize("username", ["reviewer", "clerk", "citizen", "assistant"])
def test_the_board_refuses_other_roles(client, overdue_case, username):
    assert login(client, username).get("/supervision/").status_code == 403
    assert login(client, username).get("/supervision/weekly-report.pdf").status_code == 403


def test_the_board_needs_a_sign_in(client, demo):
    response = client.get("/supervision/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_supervisor_of_another_district_sees_nothing(client, overdue_case, outsider):
    page = login(client, "supervisor-xc").get("/supervision/").content.decode()
    assert overdue_case.number not in page
    from govhall.supervision.selectors import visible_alerts

    assert not visible_alerts(outsider).exists()
    assert visible_alerts(f.user("supervisor")).filter(case=overdue_case).exists()


def test_board_filters_by_level_and_department(client, overdue_case):
    login(client, "supervisor")
    assert overdue_case.number in client.get("/supervision/?level=overdue").content.decode()
    assert overdue_case.number not in client.get("/supervision/?level=yellow").content.decode()
    other = f.accepted(f.EIA, "company")
    page = client.get(f"/supervision/?department={other.department_id}&history=1").content.decode()
    assert overdue_case.number not in page
    assert client.get("/supervision/?department=abc&level=nonsense").status_code == 200  # ignored, not a 500


def test_api_counts_and_alerts(client, bearer, overdue_case):
    headers = bearer("supervisor")
    counts = client.get("/api/v1/supervision/counts", headers=headers)
    assert counts.status_code == 200, counts.content
    body = counts.json()
    assert body["totals"]["overdue"] == 1
    assert body["by"]["department"][0]["overdue"] == 1
    listed = client.get("/api/v1/supervision/alerts?level=overdue", headers=headers).json()
    assert listed["count"] == 1
    line = listed["results"][0]
    assert (line["number"], line["applicant"], line["case_url"]) == (
        overdue_case.number,
        "张*",
        f"/cases/{overdue_case.number}/",
    )


@pytest.mark.parametrize("username", ["reviewer", "citizen"])
def test_api_refuses_other_roles(client, bearer, overdue_case, username):
    for path in ("/api/v1/supervision/counts", "/api/v1/supervision/alerts", "/api/v1/supervision/bulletins"):
        response = client.get(path, headers=bearer(username))
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_api_needs_authentication_and_checks_parameters(client, bearer, overdue_case):
    assert client.get("/api/v1/supervision/counts").status_code == 401
    bad = client.get("/api/v1/supervision/alerts?level=purple", headers=bearer("supervisor"))
    assert bad.status_code == 422 and bad.json()["code"] == "validation_error"


def test_api_scope_of_another_district(client, bearer, overdue_case, outsider):
    body = client.get("/api/v1/supervision/counts", headers=bearer("supervisor-xc")).json()
    assert sum(body["totals"].values()) == 0


def test_a_bulletin_is_recorded_listed_and_the_department_told(client, overdue_case):
    login(client, "supervisor")
    response = client.post(
        "/supervision/bulletins/",
        {"department": overdue_case.department_id, "text": "请三个工作日内说明超时原因并整改"},
    )
    assert response.status_code == 302
    bulletin = Bulletin.objects.get()
    assert bulletin.overdue_count == 1 and bulletin.case_numbers == [overdue_case.number]
    told = Notification.objects.filter(event="supervision.bulletin", channel="site")
    assert {"reviewer", "approver"} <= set(told.values_list("recipient__username", flat=True))
    assert "请三个工作日内说明超时原因并整改" in client.get("/supervision/").content.decode()


def test_bulletin_errors(client, bearer, overdue_case, outsider):
    url = "/api/v1/supervision/bulletins"
    body = {"department_id": overdue_case.department_id, "text": ""}
    r = client.post(url, body, content_type="application/json", headers=bearer("supervisor"))
    assert r.status_code == 400 and r.json()["code"] == "text_required"
    body["text"] = "请整改"
    r = client.post(url, body, content_type="application/json", headers=bearer("supervisor-xc"))
    assert r.status_code == 404 and r.json()["code"] == "department_not_found"
    r = client.post(url, body, content_type="application/json", headers=bearer("manager"))
    assert r.status_code == 403
    r = client.post(url, body, content_type="application/json", headers=bearer("supervisor"))
    assert r.status_code == 201 and r.json()["overdue_count"] == 1
    assert not Bulletin.objects.filter(issued_by__username__in=["supervisor-xc", "manager"]).exists()
    listed = client.get(url, headers=bearer("supervisor-xc")).json()
    assert listed == []


def test_weekly_report_pdf(client, overdue_case, tmp_path):
    from django.core.management import call_command

    response = login(client, "supervisor").get("/supervision/weekly-report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert client.get("/supervision/weekly-report.pdf?week=2025-13-01").status_code == 400
    call_command(
        "supervision_weekly_report", "--region", "610104000000", "--out", str(tmp_path), "--week", "2026-01-05"
    )
    assert [p.name for p in tmp_path.glob("supervision-weekly-*.pdf")] == [
        "supervision-weekly-610104000000-20260105.pdf"
    ]


def test_weekly_data_counts_the_week(overdue_case):
    from django.utils import timezone

    from govhall.supervision import reports

    data = reports.weekly_data(
        Alert.objects.all(), Bulletin.objects.all(), scope_name="莲湖区", day=timezone.localdate()
    )
    assert data.overdue_total == 1 and data.overdue[0].number == overdue_case.number
    assert data.by_department[0][Level.OVERDUE] == 1


def test_sweep_command(demo):
    from io import StringIO

    from django.core.management import call_command

    case = f.accepted()
    Case.objects.filter(pk=case.pk).update(due_date=dt.date(2025, 9, 29))
    out = StringIO()
    call_command("supervision_sweep", "--date", "2025-09-30", stdout=out)
    assert "新记录1条" in out.getvalue()
    call_command("supervision_sweep", "--date", "2025-09-30", stdout=out)
    assert Alert.objects.exclude(level=Level.INTAKE).count() == 1


def test_the_menu_offers_the_board_to_supervisors_only(demo):
    from govhall.core.links import nav_links

    assert "电子监察" in [link.label for link in nav_links(f.user("supervisor"))]
    assert "电子监察" not in [link.label for link in nav_links(f.user("reviewer"))]
