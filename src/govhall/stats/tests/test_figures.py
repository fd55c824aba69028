"""Each statistic on the small known data set of ``data.py`` (see its table)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from govhall.accounts.models import User
from govhall.cases.models import Deferral
from govhall.catalog.models import Department, Region, ServiceItem
from govhall.stats import selectors
from govhall.stats.tests import data
from govhall.stats.tests.data import D

pytestmark = pytest.mark.django_db
TODAY = D(2025, 6, 2)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def known(demo):
    return data.build()


def figures(username="supervisor", **kwargs):
    f = selectors.StatsFilter(start=kwargs.pop("start", data.START), end=kwargs.pop("end", data.END), **kwargs)
    return selectors.figures(User.objects.get(username=username), f, today=TODAY)


def test_volume_counts_submitted_cases_of_the_period_per_day(known):
    found = figures()
    assert found.total == 5  # c1..c5; the draft c6 and c7 (February) are not counted
    assert len(found.by_day) == 92 and found.by_day[0]["date"] == data.START and found.by_day[-1]["date"] == data.END
    busy = {d["date"]: d["count"] for d in found.by_day if d["count"]}
    assert busy == {D(2025, 3, 3): 1, D(2025, 3, 4): 1, D(2025, 3, 5): 1, D(2025, 3, 6): 1, D(2025, 4, 30): 1}


def test_channels_department_and_item_volumes(known):
    found = figures()
    assert {c["code"]: c["count"] for c in found.channels} == {"online": 4, "window": 1, "station": 0, "locker": 0}
    departments = {d["code"]: d for d in found.departments}
    assert departments["lh-scjg"]["count"] == 4 and departments["lh-sthj"]["count"] == 1
    assert [d["code"] for d in found.departments][:2] == ["lh-scjg", "lh-sthj"]  # busiest first
    items = {i["code"]: i["count"] for i in found.items}
    assert items == {data.f.FOOD: 3, data.f.INSTANT: 1, data.f.EIA: 1}


def test_case_based_rates(known):
    found = figures()
    # 全程网办: only c3 (online, an item whose 网办深度 is 全程网办)
    assert (found.rate("full_online").numerator, found.rate("full_online").denominator) == (1, 5)
    # 零跑动: online with an electronic result: c1 and c3
    assert found.rate("zero_visit").numerator == 2
    # 最多跑一次: c1, c3 (no trip), c4 and c5 (online, result still to collect: one trip);
    # c2 came to a window and collects at the window: two trips
    assert found.rate("at_most_one_visit").numerator == 4
    assert found.rate("instant_cases").numerator == 1
    assert found.rate("zero_visit").rate == 0.4


def test_item_based_rates_count_the_published_catalogue_of_the_department(known):
    department = Department.objects.get(code="lh-scjg")
    found = figures(department=department)
    items = ServiceItem.objects.filter(status="published", department=department)
    assert found.rate("online_capable").denominator == items.count() > 0
    assert found.rate("online_capable").numerator == items.exclude(online_depth="window").count()
    assert found.rate("instant_items").numerator == items.filter(is_instant=True).count() >= 1
    assert found.rate("full_online_items").numerator == items.filter(online_depth="full_online").count()


def test_working_days_skip_holidays_and_pauses_and_the_speedup_rate(known):
    t = figures().timeliness
    assert t["decided"] == 3  # c1, c2, c3
    # c1: 03-03 → 03-07 is 4 working days, less the paused Wednesday: 3; c2: 04-30 → 05-06
    # over Labour Day: 1; c3: the same day: 0
    assert t["used_workdays"] == 4 and t["average_workdays"] == 1.33
    assert t["average_statutory_days"] == 7.0  # (10 + 10 + 1) / 3
    assert t["average_promised_days"] == 2.0  # (3 + 3 + 0) / 3
    assert t["speedup_rate"] == round(1 - 4 / 21, 4)
    assert t["promise_compression_rate"] == round(1 - 6 / 21, 4)
    assert (t["on_time"], t["instant_decided"], t["instant_same_day"]) == (2, 1, 1)


def test_overdue_and_deferrals(known):
    found = figures()
    assert found.overdue == {"decided_late": 1, "open_overdue": 1}  # c2 decided late; c4 open past 03-10
    materials = Deferral.objects.filter(case=known["c4"]).count()
    assert materials >= 1
    assert found.deferrals["cases"] == 1 and found.deferrals["accepted"] == 4
    assert found.deferrals["materials"] == found.deferrals["pending"] == found.deferrals["overdue"] == materials
    by_department = {d["code"]: d for d in found.departments}
    scjg = by_department["lh-scjg"]
    assert (scjg["decided"], scjg["late"], scjg["open_overdue"], scjg["average_workdays"]) == (3, 1, 1, 1.33)


def test_deferral_due_in_the_future_is_not_overdue(known):
    Deferral.objects.filter(case=known["c4"]).update(due_date=D(2025, 7, 1))
    assert figures().deferrals["overdue"] == 0


def test_date_range_region_and_department_filters(known):
    march = figures(start=D(2025, 3, 1), end=D(2025, 3, 31))
    assert march.total == 4 and march.timeliness["decided"] == 2  # c2 (April/May) left out
    assert figures(department=Department.objects.get(code="lh-sthj")).total == 1
    street = Region.objects.get(code="610104002000")  # no department sits in a street
    assert figures(region=street).total == 0
    district = Region.objects.get(code="610104000000")
    assert figures(region=district).total == 5


def test_satisfaction_counts_evaluations_of_decided_cases(known):
    found = figures()
    assert found.satisfaction == {"satisfied": 0, "total": 0, "rate": None}
    from govhall.evaluations.tests import helpers

    helpers.evaluate(known["c1"], 5)  # 非常满意
    helpers.evaluate(known["c3"], 1)  # 非常不满意
    assert figures().satisfaction == {"satisfied": 1, "total": 2, "rate": 0.5}
    # an evaluation of a case decided outside the period is not counted
    assert figures(start=D(2025, 4, 1)).satisfaction == {"satisfied": 0, "total": 0, "rate": None}


def test_queries_do_not_grow_with_the_cases(known):
    user = User.objects.get(username="supervisor")
    f = selectors.StatsFilter(start=data.START, end=data.END)
    selectors.figures(user, f, today=TODAY)  # warm the calendar and the region tree
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        selectors.figures(user, f, today=TODAY)
    for _ in range(3):
        data.f.approved()
    with CaptureQueriesContext(connection) as more:
        selectors.figures(user, f, today=TODAY)
    assert len(more) == len(few) <= 30


def test_an_applicant_or_reviewer_is_refused_by_the_selectors(known):
    from govhall.core.errors import Forbidden

    for username in ("citizen", "reviewer", "clerk", "assistant"):
        with pytest.raises(Forbidden):
            figures(username)


def test_scope_bounds_the_figures(known):
    from govhall.stats.tests.test_access import outsider_manager

    other = outsider_manager()
    found = selectors.figures(other, selectors.StatsFilter(start=data.START, end=data.END), today=TODAY)
    assert found.total == 0 and found.timeliness["decided"] == 0 and found.overdue["open_overdue"] == 0
    assert found.rate("online_capable").denominator == 0  # no catalogue of its region either
    assert not found.departments
    # the demo hall manager reaches the district's departments through the hall's region
    manager = figures("manager")
    assert manager.total == 5


def test_the_dashboard_shares_figures_within_one_reach_and_filter_for_a_while(known, settings):
    from govhall.stats.tests.test_access import outsider_manager

    settings.GOVHALL_STATS_CACHE_SECONDS = 300
    period = selectors.StatsFilter(start=data.START, end=timezone.localdate())
    supervisor = User.objects.get(username="supervisor")
    first = selectors.dashboard(supervisor, period)
    assert first.computed_at is not None
    new = data._move(data.window_case(), submitted=data.START)  # in the period: shared figures do not see it yet
    again = selectors.dashboard(User.objects.get(username="supervisor"), period)
    assert again.computed_at == first.computed_at and again.total == first.total
    # another filter, or another reach, is computed for itself
    narrower = selectors.StatsFilter(start=data.START, end=timezone.localdate(), department=new.department)
    assert selectors.dashboard(supervisor, narrower).computed_at != first.computed_at
    assert selectors.dashboard(outsider_manager(), period).total == 0
    # off: every view computes
    settings.GOVHALL_STATS_CACHE_SECONDS = 0
    fresh = selectors.dashboard(supervisor, period)
    assert fresh.computed_at is None and fresh.total == first.total + 1


IMPORT_HEADER = [
    "办件编号",
    "事项编码",
    "申请人",
    "申请人类型",
    "申请渠道",
    "受理时间",
    "承诺时限(工作日)",
    "到期日",
    "办结时间",
    "状态",
]


def test_imported_cases_are_counted_too(known):
    """Cases decided in a department's own system, imported by the supervision app."""
    import csv
    import io

    from govhall.supervision import imports

    rows = [
        # online, concluded 03-10 after its due date 03-06: 5 working days (03-04..03-07, 03-10)
        [
            "ZW-1",
            data.f.FOOD,
            "王五",
            "自然人",
            "网上申请",
            "2025-03-03 09:30",
            "3",
            "2025-03-06",
            "2025-03-10 16:00",
            "已送达",
        ],
        # at a window, still under review, due 03-05: overdue on TODAY
        [
            "ZW-2",
            data.f.FOOD,
            "赵六",
            "自然人",
            "窗口受理",
            "2025-03-04 10:00",
            "1",
            "2025-03-05",
            "",
            "已受理（审查中）",
        ],
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_HEADER)
    writer.writerows(rows)
    imports.cases_import(actor=data.f.user("supervisor"), name="专网.csv", content=out.getvalue().encode("utf-8-sig"))
    found = figures()
    assert found.imported_included and found.imported_total == 2 and found.total == 7
    assert {c["code"]: c["count"] for c in found.channels} == {"online": 5, "window": 2, "station": 0, "locker": 0}
    assert {d["date"]: d["count"] for d in found.by_day}[D(2025, 3, 3)] == 2
    t = found.timeliness
    assert t["decided"] == 4 and t["used_workdays"] == 4 + 5
    assert found.overdue == {"decided_late": 2, "open_overdue": 2}
    assert {i["code"]: i["count"] for i in found.items}[data.f.FOOD] == 5
    # and an out-of-region manager still sees none of them
    from govhall.stats.tests.test_access import outsider_manager

    other = selectors.figures(outsider_manager(), selectors.StatsFilter(start=data.START, end=data.END), today=TODAY)
    assert other.total == 0 and other.imported_total == 0


def test_a_paused_case_is_not_overdue_while_paused(known):
    c4 = data.f.act(known["c4"], "reviewer", "suspend", reason="现场核查")
    assert c4.clock_paused
    assert figures().overdue["open_overdue"] == 0


def test_days_are_the_site_time_zone_days_near_midnight(known):
    """Beijing time, not UTC: 23:30 on 3 March is 15:30 UTC the same day, 00:30 on 4 March is
    16:30 UTC on the 3rd; each counts on its own Beijing day (LocalDate = TruncDate)."""
    import datetime

    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from govhall.cases.models import Case

    tz = data.timezone.get_current_timezone()
    Case.objects.filter(pk=known["c1"].pk).update(submitted_at=datetime.datetime(2025, 3, 3, 23, 30, tzinfo=tz))
    Case.objects.filter(pk=known["c3"].pk).update(submitted_at=datetime.datetime(2025, 3, 4, 0, 30, tzinfo=tz))
    busy = {d["date"]: d["count"] for d in figures().by_day if d["count"]}
    assert busy[D(2025, 3, 3)] == 1 and busy[D(2025, 3, 4)] == 1
    cases = Case.objects.exclude(submitted_at=None)
    ours = dict(cases.annotate(d=selectors.LocalDate("submitted_at")).values_list("pk", "d"))
    django = dict(cases.annotate(d=TruncDate("submitted_at")).values_list("pk", "d"))
    assert {k: data.D.fromisoformat(str(v)[:10]) for k, v in ours.items()} == django
    assert cases.annotate(d=selectors.LocalDate("submitted_at")).values("d").annotate(n=Count("id")).count() == 6


def test_the_dashboard_reads_the_replica_where_one_is_configured(known, settings, monkeypatch):
    """A report over past days: ``figures`` runs inside ``core.dbrouter.replica_reads``, so
    its reads go to the replica when DATABASE_REPLICA_URL adds one (the router's answer is
    taken where the figures begin, and the call stopped there)."""
    from govhall.core import dbrouter

    class Seen(Exception):
        pass

    def stop(user):
        raise Seen(dbrouter.ReplicaRouter().db_for_read(None))

    settings.DATABASES = {**settings.DATABASES, dbrouter.REPLICA: settings.DATABASES["default"]}
    monkeypatch.setattr(selectors, "require_viewer", stop)
    with pytest.raises(Seen) as seen:
        selectors.figures(
            User.objects.get(username="supervisor"), selectors.StatsFilter(start=data.START, end=data.END)
        )
    assert seen.value.args == (dbrouter.REPLICA,)
    assert dbrouter.ReplicaRouter().db_for_read(None) is None  # only inside
