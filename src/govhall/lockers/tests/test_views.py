"""The lockers' pages: a case's lockers (the code shown once, never cached), the staff's site
page and overview, 我的信包箱, and the cabinet's screen (paired once by a one-time link into
an httpOnly device cookie; codes typed there go through the same service and counts)."""

from __future__ import annotations

import re

import pytest
from conftest import login

from govhall.cases.tests import factories as f
from govhall.lockers import services
from govhall.lockers.models import CabinetCommand, Parcel
from govhall.lockers.tests import factories as lf
from govhall.lockers.views import SCREEN_COOKIE
from govhall.lockers.workflow import ParcelState

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(demo):
    site, cabinets = lf.site(layout={"S": 2, "M": 1, "L": 1})
    return site, cabinets[0][0]


def text(response) -> str:
    return response.content.decode()


def test_the_applicant_reserves_on_the_case_page_and_sees_the_code_once(client, world):
    site, cabinet = world
    case = lf.accepted()
    login(client, "citizen")
    page = client.get(f"/lockers/cases/{case.number}/")
    assert page.status_code == 200
    body = text(page)
    assert body.count("<h1") == 1 and "预约格口并获取开箱码" in body and site.name in body
    assert "食品经营许可申请书" in body  # the originals asked for
    # nearest first from the phone's position
    lf.site("T-FAR", lat="34.300000", lng="109.000000", name="远处点位")
    near = client.get(f"/lockers/cases/{case.number}/?lat=34.2999&lng=108.9999")
    assert text(near).index("远处点位") < text(near).index(site.name)
    assert "米" in text(near)
    answer = client.post(f"/lockers/cases/{case.number}/", {"action": "reserve", "site": site.code, "size": "M"})
    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"] or "max-age=0" in answer["Cache-Control"]
    shown = re.search(r'id="issued-code">([\d ]+)<', text(answer)).group(1).replace(" ", "")
    assert len(shown) == 8
    parcel = Parcel.objects.get(case=case)
    assert parcel.status == ParcelState.RESERVED and parcel.size == "M"
    again = client.get(f"/lockers/cases/{case.number}/")
    assert shown not in text(again).replace(" ", "") and "开箱码有效期至" in text(again)
    assert services.code_open(cabinet=cabinet, code=shown).kind == "dropoff"


def test_a_refused_action_says_why(client, world):
    site, _ = world
    case = f.submitted()
    login(client, "citizen")
    page = client.get(f"/lockers/cases/{case.number}/")
    assert "网上预审通过后才能自助交件" in text(page)
    refused = client.post(f"/lockers/cases/{case.number}/", {"action": "reserve", "site": site.code, "size": "S"})
    assert refused.status_code == 409 and "操作未完成" in text(refused)


def test_staff_ask_for_originals_collect_and_deposit_on_the_case_page(client, world):
    site, cabinet = world
    case = f.submitted()
    login(client, "clerk")
    done = client.post(f"/lockers/cases/{case.number}/", {"action": "originals", "comment": "申请书原件1份"})
    assert done.status_code == 302
    issued = lf.reserve(case, site)
    services.code_open(cabinet=cabinet, code=issued.code)
    page = client.get(f"/lockers/cases/{case.number}/")
    assert "开箱收件" in text(page) and issued.code not in text(page)
    assert client.post(f"/lockers/cases/{case.number}/", {"action": "collect"}).status_code == 302
    assert Parcel.objects.get(pk=issued.parcel.pk).status == ParcelState.COLLECTED
    result = lf.issued_for_locker()
    page = client.get(f"/lockers/cases/{result.number}/")
    assert "存入信包箱（信包箱自提）" in text(page)
    deposited = client.post(f"/lockers/cases/{result.number}/", {"action": "deposit", "site": site.code, "size": "S"})
    assert deposited.status_code == 302
    parcel = Parcel.objects.get(case=result)
    assert parcel.status == ParcelState.DEPOSITED
    follow = client.get(f"/lockers/cases/{result.number}/")
    assert "存入信包箱（信包箱自提）" not in text(follow) and "开箱取回结果" in text(follow)


def test_the_staff_overview_and_site_page(client, world):
    site, cabinet = world
    case = lf.accepted()
    issued = lf.reserve(case, site)
    services.code_open(cabinet=cabinet, code=issued.code)
    waiting = lf.issued_for_locker()
    login(client, "clerk")
    overview = client.get("/lockers/")
    body = text(overview)
    assert overview.status_code == 200 and site.name in body and "待收件" in body
    assert waiting.number in body  # 待存入
    assert "张*" in body and "张明" not in body  # names masked in lists
    page = client.get(f"/lockers/sites/{site.code}/")
    body = text(page)
    assert page.status_code == 200 and body.count("<h1") == 1 and "开箱收件" in body and "使用情况" in body
    assert client.post(f"/lockers/sites/{site.code}/", {"action": "collect", "case": case.number}).status_code == 302
    assert Parcel.objects.get(pk=issued.parcel.pk).status == ParcelState.COLLECTED
    # a pairing link, shown once
    paired = client.post(f"/lockers/sites/{site.code}/", {"action": "pair", "cabinet": cabinet.code})
    assert paired.status_code == 200 and f"/lockers/screen/{cabinet.code}/?pair=" in text(paired)


def test_my_lockers_lists_the_applicants_own(client, world):
    site, _ = world
    case = lf.accepted()
    lf.reserve(case, site)
    login(client, "citizen")
    mine = client.get("/lockers/")
    assert mine.status_code == 200 and case.number in text(mine) and "我的信包箱" in text(mine)
    login(client, "citizen2")
    assert case.number not in text(client.get("/lockers/"))


def pairing_link(cabinet) -> str:
    token = services.screen_pairing(cabinet=cabinet, actor=f.user("clerk"))
    return f"/lockers/screen/{cabinet.code}/?pair={token}"


def test_a_paired_screen_opens_with_a_code(client, world):
    site, cabinet = world
    issued = lf.reserve(lf.accepted(), site)
    assert client.get(f"/lockers/screen/{cabinet.code}/").status_code == 302  # not paired: sign in
    paired = client.get(pairing_link(cabinet))
    assert paired.status_code == 302 and paired["Location"] == f"/lockers/screen/{cabinet.code}/"
    cookie = paired.cookies[SCREEN_COOKIE]
    assert (
        cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == f"/lockers/screen/{cabinet.code}/"
    )
    screen = client.get(f"/lockers/screen/{cabinet.code}/")
    body = text(screen)
    assert screen.status_code == 200 and body.count("<h1") == 1 and 'lang="zh-CN"' in body
    assert "secret" not in body.lower() and cookie.value not in body  # the page holds no key
    wrong = client.post(f"/lockers/screen/{cabinet.code}/", {"code": "00000000"})
    assert wrong.status_code == 403 and "开箱码不正确或已失效" in text(wrong)
    opened = client.post(f"/lockers/screen/{cabinet.code}/", {"code": issued.code}, follow=True)
    assert f"{issued.parcel.cell.door_label}号柜门已打开" in text(opened)
    assert CabinetCommand.objects.filter(cabinet=cabinet, door=issued.parcel.cell.door, reason="code").exists()
    assert Parcel.objects.get(pk=issued.parcel.pk).status == ParcelState.DROPPED


def test_a_pairing_link_works_once_for_its_cabinet_and_unpairing_stops_screens(client, world, demo):
    _site, cabinet = world
    link = pairing_link(cabinet)
    assert client.get(link).status_code == 302
    other = client.__class__()
    used = other.get(link)
    assert used.status_code == 403 and "已使用过" in text(used)
    _other_site, cabinets = lf.site("T-ELSE")
    token = link.split("pair=")[1]
    assert other.get(f"/lockers/screen/{cabinets[0][0].code}/?pair={token}").status_code == 403
    assert other.get(f"/lockers/screen/{cabinet.code}/?pair=forged").status_code == 403
    forged = client.__class__()
    forged.cookies[SCREEN_COOKIE] = "forged-value"
    assert forged.get(f"/lockers/screen/{cabinet.code}/").status_code == 302
    services.screens_unpair(cabinet=cabinet, actor=f.user("clerk"))
    assert client.get(f"/lockers/screen/{cabinet.code}/").status_code == 302  # its cookie's epoch is past


def test_the_screen_in_elder_mode(client, world):
    _site, cabinet = world
    client.get(pairing_link(cabinet))
    client.cookies["govhall_mode"] = "elder"
    body = text(client.get(f"/lockers/screen/{cabinet.code}/"))
    assert '<html lang="zh-CN" class="elder">' in body and 'aria-pressed="true">长辈模式' in body
