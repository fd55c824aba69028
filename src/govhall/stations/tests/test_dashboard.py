"""The hall manager's view of 帮办代办: assistants' workload, open requests and results, on
the page (/assist/dashboard/) and the API (/api/v1/assist/workload), over the stations
demo: 张明's request in progress with 张敏 (北院门), the company's in progress with 刘洋 (the
park), 李娜's waiting to be assigned, and a walk-in done by 赵婷 (西大街)."""

from __future__ import annotations

import re

import pytest
from conftest import login

from govhall.stations import selectors, services
from govhall.stations.demo import SOCIAL_CARD
from govhall.stations.models import AssistRequest, AssistStatus
from govhall.stations.tests.helpers import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_requests(places):
    from govhall.stations.demo import load

    load()
    return {r.applicant.name: r for r in AssistRequest.objects.select_related("applicant")}


def _lines(board) -> dict[str, tuple]:
    return {a.user.username: (a.open, a.in_progress, a.done_30, a.cancelled_30, a.cases_30) for a in board.assistants}


def test_the_numbers(demo_requests):
    board = selectors.dashboard(user("manager"))
    assert (board.unassigned, len(board.open_requests), board.done_30, board.cancelled_30, board.cases_30) == (
        1,
        3,
        1,
        0,
        0,
    )
    assert _lines(board) == {
        "assistant": (1, 1, 0, 0, 0),
        "assistant2": (0, 0, 0, 0, 0),
        "assistant3": (1, 1, 0, 0, 0),
        "assistant4": (0, 0, 1, 0, 0),
    }
    # busiest first
    assert [a.user.username for a in board.assistants][:2] == ["assistant", "assistant3"]
    walk_in = next(a for a in board.assistants if a.user.username == "assistant4")
    assert walk_in.average_days is not None and walk_in.average_days >= 0 and walk_in.stations == ["西大街政务服务驿站"]
    stations = {s.station.code: (s.assistants, s.new, s.open, s.done_30, s.cancelled_30) for s in board.stations}
    assert stations == {
        "bym-community": (1, 0, 1, 0, 0),
        "dxxq-park": (2, 0, 1, 0, 0),
        "xdj-street": (1, 0, 0, 1, 0),
    }
    # the request without a station waits first in the open list
    assert board.open_requests[0].status == AssistStatus.NEW and board.open_requests[0].station is None


def test_the_numbers_follow_the_work(demo_requests):
    zhang = demo_requests["张明"]
    services.assist_case_file(request=zhang, actor=user("assistant3"), item_code=SOCIAL_CARD)
    services.assist_transition(request=zhang, actor=user("assistant3"), action="finish", comment="已代办")
    lina = demo_requests["李娜"]
    services.assist_transition(request=lina, actor=user("manager"), action="assign", assistant=user("assistant2"))
    company = next(r for name, r in demo_requests.items() if r.applicant.kind == "legal")
    services.assist_transition(request=company, actor=user("company"), action="cancel")
    board = selectors.dashboard(user("manager"))
    assert (board.unassigned, len(board.open_requests), board.done_30, board.cancelled_30, board.cases_30) == (
        0,
        1,
        2,
        1,
        1,
    )
    lines = _lines(board)
    assert lines["assistant3"] == (0, 0, 1, 0, 1)
    assert lines["assistant2"] == (1, 0, 0, 0, 0)
    assert lines["assistant"] == (0, 0, 0, 1, 0)


def test_the_page(client, demo_requests):
    login(client, "manager")
    response = client.get("/assist/dashboard/")
    html = response.content.decode()
    assert response.status_code == 200
    totals = re.search(r'<ul class="numbers" id="totals">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r"<strong>(\d+)</strong>(\S+?)</li>", totals) == [
        ("1", "待分派"),
        ("3", "在办申请"),
        ("1", "近30天办结"),
        ("0", "近30天代为申报办件"),
    ]
    row = re.search(r'<tr data-assistant="assistant3">(.*?)</tr>', html, re.S).group(1)
    assert "张敏" in row and "北院门社区政务服务驿站" in row and '<td data-label="在办">1</td>' in row
    assert '<tr data-station="xdj-street">' in html
    # open requests, persons' names masked as lists mask them
    opened = re.search(r'id="open-title">.*?</section>', html, re.S).group(0)
    for name in ("张明", "李娜"):
        assert demo_requests[name].number in opened and name not in opened
    assert "张*" in opened and demo_requests["王秀兰"].number not in opened  # done: not open


def test_the_api(client, demo_requests):
    login(client, "manager")
    body = client.get("/api/v1/assist/workload").json()
    assert (body["unassigned"], body["open"], body["done_30"], body["cancelled_30"], body["cases_30"]) == (
        1,
        3,
        1,
        0,
        0,
    )
    assert {a["username"]: a["open"] for a in body["assistants"]} == {
        "assistant": 1,
        "assistant2": 0,
        "assistant3": 1,
        "assistant4": 0,
    }
    assert {s["code"]: s["assistants"] for s in body["stations"]} == {
        "bym-community": 1,
        "dxxq-park": 2,
        "xdj-street": 1,
    }
    # a supervisor reads the region's numbers: the same here
    login(client, "supervisor")
    assert client.get("/api/v1/assist/workload").json()["open"] == 3


def test_the_managers_list_filters(client, demo_requests):
    login(client, "manager")
    html = client.get("/assist/", {"status": "new"}).content.decode()
    listed = re.findall(r'<li data-request="([^"]+)"', re.search(r'id="all-title".*', html, re.S).group(0))
    assert listed == [demo_requests["李娜"].number]
    number = demo_requests["王秀兰"].number
    html = client.get("/assist/", {"q": number}).content.decode()
    assert re.findall(r'<li data-request="([^"]+)"', re.search(r'id="all-title".*', html, re.S).group(0)) == [number]
    # a request without a station: the manager assigns it from its page, with each assistant's load
    page = client.get(f"/assist/requests/{demo_requests['李娜'].number}/").content.decode()
    assert "张敏（1）" in page and "王磊（0）" in page
