"""The dashboard page (SVG charts without JavaScript, data tables, elder mode), the filter's
Chinese errors, the workbook's content, the API's schema, and the locker channel."""

from __future__ import annotations

import datetime
import io
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import login
from django.utils import timezone
from openpyxl import load_workbook

from govhall.accounts.models import User
from govhall.stats import charts, selectors
from govhall.stats.tests import data

pytestmark = pytest.mark.django_db
PERIOD = "start=2025-03-01&end=2025-05-31"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def known(demo):
    return data.build()


def _svgs(html: str) -> list[ET.Element]:
    # our own page, parsed to prove each chart is well-formed SVG
    return [ET.fromstring(s) for s in re.findall(r"<svg class=\"stats-chart\".*?</svg>", html, flags=re.S)]  # noqa: S314


def test_the_page_draws_every_chart_as_accessible_svg_without_script(known, client):
    login(client, "supervisor")
    html = client.get(f"/stats/?{PERIOD}").content.decode()
    main = html.split('<main id="main">')[1].split("</main>")[0]
    assert "<script" not in main  # the charts need no script
    svgs = _svgs(main)
    ids = {svg.get("id") for svg in svgs}
    assert ids == {
        "chart-daily",
        "chart-channels",
        "chart-departments",
        "chart-items",
        "chart-rates",
        "chart-timing",
        "chart-overdue",
    }
    ns = "{http://www.w3.org/2000/svg}"
    for svg in svgs:
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{ns}title"), svg.find(f"{ns}desc")
        assert title is not None and title.text and desc is not None and desc.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    channels = next(s for s in svgs if s.get("id") == "chart-channels")
    assert "网上办理4件；窗口办理1件；驿站帮办代办0件" in channels.find(f"{ns}desc").text
    daily = next(s for s in svgs if s.get("id") == "chart-daily")
    assert "共92天，合计5件" in daily.find(f"{ns}desc").text
    # the same figures as tables
    assert '<tr data-rate="zero_visit"><td>零跑动率</td><td>按办件</td><td>2</td><td>5</td><td>40.0%</td></tr>' in main
    assert 'id="table-daily"' in main and "<td>2025-04-30</td><td>1</td>" in main


def test_the_page_in_elder_mode_on_a_phone(known, client):
    login(client, "manager")
    client.cookies["govhall_mode"] = "elder"
    html = client.get(f"/stats/?{PERIOD}").content.decode()
    assert '<html lang="zh-CN" class="elder">' in html
    assert 'viewBox="0 0 320 ' in html and 'width="100%"' in html  # one unit ≈ one px at 375 px
    assert html.count('class="stats-chart big"') == 7  # drawn larger for 长辈模式
    client.cookies["govhall_mode"] = ""
    assert 'class="stats-chart big"' not in client.get(f"/stats/?{PERIOD}").content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("start=2025-13-01", "start", "开始日期格式不正确，请按“年-月-日”填写，如2025-03-01"),
        ("end=昨天", "end", "结束日期格式不正确"),
        ("start=2025-05-01&end=2025-03-01", "end", "结束日期不能早于开始日期"),
        ("start=2020-01-01&end=2025-03-01", "end", "统计区间最长1098天"),
        ("region=6101", "region", "区划代码应为12位数字"),
        ("region=999999999999", "region", "未找到该区划"),
        ("department=nope", "department", "未找到该部门"),
    ],
)
def test_bad_filters_get_a_specific_chinese_error(known, client, query, field, message):
    login(client, "supervisor")
    page = client.get(f"/stats/?{query}")
    assert page.status_code == 400
    html = page.content.decode()
    assert message in html and f'id="e-{field}"' in html and 'aria-invalid="true"' in html
    assert "chart-daily" not in html
    answer = client.get(f"/api/v1/stats/figures?{query}")
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid_filter" and message in body["detail"][field] and message in body["message"]
    assert client.get(f"/stats/export.xlsx?{query}").status_code == 400


def test_too_long_a_parameter_is_refused_by_the_api_schema(known, client):
    login(client, "supervisor")
    answer = client.get("/api/v1/stats/figures?start=" + "1" * 50)
    assert answer.status_code == 422 and set(answer.json()) == {"code", "message", "detail"}


def test_the_form_keeps_the_values_and_offers_the_viewers_regions(known, client):
    login(client, "supervisor")
    html = client.get(f"/stats/?{PERIOD}&department=lh-scjg").content.decode()
    assert 'value="2025-03-01"' in html and '<option value="lh-scjg" selected>' in html
    assert '<option value="610104000000">' in html  # the district, the supervisor's own region
    assert '<option value="610100000000">' not in html  # the city above it is not theirs


def test_the_workbook_holds_the_figures_of_the_filter(known, client):
    login(client, "supervisor")
    answer = client.get(f"/stats/export.xlsx?{PERIOD}&department=lh-scjg")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="statistics-20250301-20250531.xlsx"' in answer["Content-Disposition"]
    wb = load_workbook(io.BytesIO(answer.content))
    assert wb.sheetnames == ["概览", "每日办件量", "渠道", "部门", "事项", "比率"]
    summary = {r[0]: r[1] for r in wb["概览"].iter_rows(min_row=2, values_only=True)}
    assert summary["办件量（件）"] == 4 and summary["部门"] == "西安市莲湖区市场监督管理局"
    assert summary["办结量（件）"] == 3 and summary["超期办结（件）"] == 1
    assert summary["统计区间"] == "2025-03-01 至 2025-05-31"
    days = list(wb["每日办件量"].iter_rows(min_row=2, values_only=True))
    assert len(days) == 92 and days[0][0] == datetime.datetime(2025, 3, 1)
    assert {r[0]: r[1] for r in wb["渠道"].iter_rows(min_row=2, values_only=True)}["窗口办理"] == 1
    departments = list(wb["部门"].iter_rows(min_row=2, values_only=True))
    assert departments == [("区市场监管局", "lh-scjg", 4, 3, 1, 1, 1.33)]
    rates = {r[0]: r for r in wb["比率"].iter_rows(min_row=2, values_only=True)}
    assert rates["零跑动率"][1:] == ("按办件", 2, 4, 0.5)
    assert wb["比率"]["E2"].number_format == "0.0%"
    from govhall.audit.models import Kind, SecurityEvent

    event = SecurityEvent.objects.filter(kind=Kind.EXPORTED).latest("id")
    assert event.actor.username == "supervisor" and event.data["what"] == "statistics"
    assert event.data["department"] == "lh-scjg" and event.data["start"] == "2025-03-01"


def test_the_api_answers_the_documented_schema(known, client):
    login(client, "admin")
    body = client.get(f"/api/v1/stats/figures?{PERIOD}").json()
    assert body["filter"] == {
        "start": "2025-03-01",
        "end": "2025-05-31",
        "region": None,
        "region_name": None,
        "department": None,
        "department_name": None,
    }
    assert body["by_day"][0] == {"date": "2025-03-01", "count": 0}
    assert {r["key"]: r["rate"] for r in body["rates"]}["at_most_one_visit"] == 0.8
    assert body["timeliness"]["used_workdays"] == 4 and body["overdue"]["decided_late"] == 1


def test_default_period_is_the_last_30_days(known, client):
    login(client, "supervisor")
    body = client.get("/api/v1/stats/figures").json()
    today = datetime.date.fromisoformat(body["today"])
    assert body["filter"]["end"] == body["today"]
    assert datetime.date.fromisoformat(body["filter"]["start"]) == today - datetime.timedelta(days=29)
    assert len(body["by_day"]) == 30


def test_a_result_through_a_locker_counts_in_the_locker_channel_and_as_one_trip(demo):
    from govhall.lockers.tests import factories as lf

    site, _ = lf.site()
    case = lf.issued_for_locker()
    lf.deposit(case, site)
    reserved_only = data.f.accepted()  # a drop-off booked but never used is no locker case
    lf.reserve(reserved_only, site)
    today = timezone.localdate()
    found = selectors.figures(
        User.objects.get(username="supervisor"), selectors.StatsFilter(start=today, end=today), today=today
    )
    channels = {c["code"]: c["count"] for c in found.channels}
    assert channels["locker"] == 1 and channels["online"] == 2
    assert found.rate("zero_visit").numerator == 0  # a locker is a trip
    assert found.rate("at_most_one_visit").numerator == 2
    # papers dropped in a cell (the cabinet's drop, as lockers' own tests make it, stood in
    # for by the parcel's state): a locker case, and with the result still to collect at a
    # window that is two trips
    from govhall.lockers.models import Parcel

    Parcel.objects.filter(case=reserved_only, kind="dropoff").update(status="dropped")
    found = selectors.figures(
        User.objects.get(username="supervisor"), selectors.StatsFilter(start=today, end=today), today=today
    )
    assert {c["code"]: c["count"] for c in found.channels}["locker"] == 2
    assert found.rate("at_most_one_visit").numerator == 1


def test_charts_escape_labels_and_handle_empty_data():
    svg = charts.bar_chart("x", "标题<b>", [("<script>", 3)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "暂无数据" in charts.bar_chart("y", "空", [])
    assert "暂无数据" in charts.line_chart("z", "空", [])
    assert charts.percent(None) == "—" and charts.percent(0.12345) == "12.3%"
