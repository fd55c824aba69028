"""The calendar in the Django admin: the unknown-year warning and entering an arrangement."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from govhall.workdays import selectors, services
from govhall.workdays.forms import format_days, parse_days
from govhall.workdays.models import CalendarOverride, YearArrangement

D = dt.date
WARNING_2027 = "2027年的节假日安排尚未录入"


@pytest.fixture
def november_2026(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 11, 24))


def test_changelist_warns_of_an_unknown_next_year(admin_client, november_2026):
    response = admin_client.get("/admin/workdays/calendaroverride/")
    assert response.status_code == 200
    assert WARNING_2027 in response.content.decode()


def test_no_warning_once_the_year_is_entered(admin_client, november_2026):
    services.arrangement_enter(year=2027, holidays=[(D(2027, 1, 1), "元旦")], workdays=[])
    response = admin_client.get("/admin/workdays/calendaroverride/")
    assert WARNING_2027 not in response.content.decode()


def test_entering_an_arrangement_in_the_admin(admin_client, november_2026):
    form = admin_client.get("/admin/workdays/yeararrangement/add/")
    assert form.status_code == 200 and 'value="2027"' in form.content.decode()  # next year proposed
    response = admin_client.post(
        "/admin/workdays/yeararrangement/add/",
        {
            "year": "2027",
            "holidays_text": "2027-01-01 至 2027-01-03 元旦\n\n2027-02-06~2027-02-13 春节",
            "workdays_text": "2027-02-14 春节调休上班",
            "note": "示例",
        },
    )
    assert response.status_code == 302, response.content.decode()
    arrangement = YearArrangement.objects.get(year=2027)
    assert CalendarOverride.objects.filter(date__year=2027, is_workday=False).count() == 11
    assert selectors.get_calendar().is_workday(D(2027, 2, 14))

    url = f"/admin/workdays/yeararrangement/{arrangement.pk}/change/"
    change = admin_client.get(url).content.decode()
    assert "2027-02-06 至 2027-02-13 春节" in change and "2027-02-14 春节调休上班" in change

    # Correcting the year: the whole list is entered again and replaces the old one.
    response = admin_client.post(url, {"holidays_text": "2027-01-01 元旦", "workdays_text": "", "note": "更正"})
    assert response.status_code == 302, response.content.decode()
    assert list(CalendarOverride.objects.values_list("date", flat=True)) == [D(2027, 1, 1)]
    assert YearArrangement.objects.get(year=2027).note == "更正"


def test_admin_rejects_a_date_of_another_year(admin_client):
    response = admin_client.post(
        "/admin/workdays/yeararrangement/add/",
        {"year": "2027", "holidays_text": "2026-12-31 元旦", "workdays_text": "", "note": ""},
    )
    assert response.status_code == 200
    assert "不在2027年" in response.content.decode()
    assert not YearArrangement.objects.exists()


def test_override_edited_and_deleted_in_the_admin(admin_client):
    response = admin_client.post(
        "/admin/workdays/calendaroverride/add/",
        {"date": "2025-10-08", "is_workday": "on", "name": "示例上班", "note": ""},
    )
    assert response.status_code == 302
    override = CalendarOverride.objects.get()
    assert selectors.get_calendar().is_workday(D(2025, 10, 8))
    response = admin_client.post(f"/admin/workdays/calendaroverride/{override.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarOverride.objects.exists()
    assert not selectors.get_calendar().is_workday(D(2025, 10, 8))


def test_parse_and_format_days_round_trip():
    text = "2027-01-01 至 2027-01-03 元旦\n2027-02-14 春节调休上班"
    days = parse_days(text)
    assert days[0] == (D(2027, 1, 1), "元旦") and len(days) == 4
    assert format_days(days) == text
