"""自助交件 and 待收件: who may reserve when, the code (single use, expiring, by SMS and
never in clear), the cell's states, the case's timeline, collection by staff."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from govhall.cases import services as case_services
from govhall.cases.tests import factories as f
from govhall.core.errors import DomainError
from govhall.lockers import codes, services
from govhall.lockers.models import CabinetCommand, Cell, Parcel
from govhall.lockers.tests import factories as lf
from govhall.lockers.workflow import CellState, ParcelState
from govhall.notify.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall_site(demo):
    site, cabinets = lf.site()
    return site, cabinets[0]


def kinds(case) -> list[str]:
    return list(case.events.order_by("seq").values_list("action", flat=True))


def test_an_accepted_case_drops_its_originals_off_and_staff_collect_them(hall_site):
    site, (cabinet, _) = hall_site
    case = lf.accepted()
    issued = lf.reserve(case, site, "M")
    parcel = issued.parcel
    assert len(issued.code) == codes.digits() == 8 and issued.code.isdigit()
    assert parcel.status == ParcelState.RESERVED and parcel.cell.size == "M"
    assert Cell.objects.get(pk=parcel.cell_id).state == CellState.RESERVED
    # stored only as a keyed hash bound to the cabinet
    assert parcel.code_hash == codes.code_hash(cabinet.pk, issued.code) != codes.code_hash(cabinet.pk + 1, issued.code)
    assert issued.code not in str(Parcel.objects.filter(pk=parcel.pk).values().first())
    # by SMS, through notify's secret: no stored text holds it
    sms = Notification.objects.get(event="lockers.code")
    assert sms.secret == issued.code and issued.code not in sms.text and "******" in sms.text
    assert not Notification.objects.filter(text__contains=issued.code).exists()
    assert Notification.objects.filter(event="lockers.code_sent", channel="site").exists()

    opened = services.code_open(cabinet=cabinet, code=codes.spaced(issued.code))  # spaces as typed
    assert (opened.door, opened.kind) == (parcel.cell.door, "dropoff")
    parcel.refresh_from_db()
    assert parcel.status == ParcelState.DROPPED and parcel.code_hash == "" and parcel.opened_at
    assert Cell.objects.get(pk=parcel.cell_id).state == CellState.OCCUPIED
    case.refresh_from_db()
    assert kinds(case)[-2:] == ["lockers.dropoff_reserved", "lockers.dropped_off"]
    event = case.events.order_by("seq").last()
    assert event.actor is None and event.actor_name == str(cabinet) and event.actor_role == "system"

    with pytest.raises(services.CodeRefused):  # single use
        services.code_open(cabinet=cabinet, code=issued.code)

    collected = services.dropoff_collect(case=case.number, actor=f.user("clerk"), comment="原件3份，已核对")
    assert collected.status == ParcelState.COLLECTED and collected.ended_by == f.user("clerk")
    assert Cell.objects.get(pk=parcel.cell_id).state == CellState.FREE
    assert CabinetCommand.objects.filter(cabinet=cabinet, door=parcel.cell.door, reason="collect").exists()
    case.refresh_from_db()
    last = case.events.order_by("seq").last()
    assert (last.action, last.comment, last.actor_role) == ("lockers.collected", "原件3份，已核对", "clerk")
    assert case.state == "accepted"  # notes never move the case


def test_who_may_drop_off_and_when(hall_site):
    site, _ = hall_site
    draft = f.upload_all(f.draft())
    with pytest.raises(DomainError) as exc:
        lf.reserve(draft, site)
    assert exc.value.code == "dropoff_not_open"
    submitted = f.submitted()
    with pytest.raises(DomainError) as exc:
        lf.reserve(submitted, site)
    assert exc.value.code == "dropoff_not_yet"
    # a clerk asks for the originals before pre-review: now it may
    services.originals_request(case=submitted.number, actor=f.user("clerk"), comment="申请书原件1份")
    assert kinds(submitted)[-1] == "lockers.originals_requested"
    issued = lf.reserve(submitted, site)
    assert issued.parcel.status == ParcelState.RESERVED
    with pytest.raises(DomainError) as exc:  # one live reservation per case
        lf.reserve(submitted, site)
    assert exc.value.code == "dropoff_exists"
    # another applicant cannot, nor a reviewer for them
    accepted = lf.accepted()
    with pytest.raises(DomainError) as exc:
        services.dropoff_reserve(case=accepted.number, actor=f.user("citizen2"), site=site.code, size="S")
    assert exc.value.code == "case_not_found"
    with pytest.raises(DomainError) as exc:
        services.dropoff_reserve(case=accepted.number, actor=f.user("reviewer"), site=site.code, size="S")
    assert exc.value.code == "not_applicant_side"
    with pytest.raises(DomainError) as exc:
        services.dropoff_reserve(case=accepted.number, actor=f.user("citizen"), site=site.code, size="X")
    assert exc.value.code == "invalid_size"


def test_once_dropped_a_second_drop_off_needs_a_new_request(hall_site):
    site, (cabinet, _) = hall_site
    case = lf.accepted()
    services.code_open(cabinet=cabinet, code=lf.reserve(case, site).code)
    services.dropoff_collect(case=case.number, actor=f.user("clerk"))
    with pytest.raises(DomainError) as exc:
        lf.reserve(case, site)
    assert exc.value.code == "originals_delivered"
    services.originals_request(case=case.number, actor=f.user("reviewer"), comment="再补营业场所证明原件")
    assert lf.reserve(case, site).parcel.status == ParcelState.RESERVED


def test_a_supervisor_or_an_outsider_cannot_ask_for_originals(hall_site):
    case = f.submitted()
    for username, code in (
        ("supervisor", "not_case_staff"),
        ("citizen", "not_case_staff"),
        ("citizen2", "case_not_found"),
    ):
        with pytest.raises(DomainError) as exc:
            services.originals_request(case=case.number, actor=f.user(username), comment="原件")
        assert exc.value.code == code, username


def test_no_free_cell_of_the_size(hall_site):
    site, _ = hall_site  # one large cell
    lf.reserve(lf.accepted(), site, "L")
    with pytest.raises(DomainError) as exc:
        lf.reserve(lf.accepted(), site, "L")
    assert exc.value.code == "no_free_cell" and "大格" in exc.value.message


def test_cancel_and_a_new_code_replacing_the_old(hall_site):
    site, (cabinet, _) = hall_site
    case = lf.accepted()
    first = lf.reserve(case, site)
    renewed = services.code_renew(case=case.number, actor=f.user("citizen"), kind="dropoff")
    assert renewed.code != first.code  # the digits the parcel held are skipped
    with pytest.raises(services.CodeRefused):
        services.code_open(cabinet=cabinet, code=first.code)
    assert kinds(case)[-1] == "lockers.code_renewed"
    services.dropoff_cancel(case=case.number, actor=f.user("citizen"))
    parcel = Parcel.objects.get(pk=first.parcel.pk)
    assert parcel.status == ParcelState.CANCELLED and Cell.objects.get(pk=parcel.cell_id).state == CellState.FREE
    with pytest.raises(services.CodeRefused):
        services.code_open(cabinet=cabinet, code=renewed.code)


def test_an_expired_reservation_frees_its_cell_and_tells_the_applicant(hall_site, settings):
    site, (cabinet, _) = hall_site
    case = lf.accepted()
    issued = lf.reserve(case, site)
    assert issued.parcel.code_expires_at - timezone.now() > datetime.timedelta(hours=71)  # 72 hours by default
    Parcel.objects.filter(pk=issued.parcel.pk).update(code_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(services.CodeRefused):  # expired: refused before any sweep
        services.code_open(cabinet=cabinet, code=issued.code)
    done = services.codes_expire()
    assert (done.reservations, done.pickup_codes) == (1, 0)
    parcel = Parcel.objects.get(pk=issued.parcel.pk)
    assert parcel.status == ParcelState.EXPIRED and Cell.objects.get(pk=parcel.cell_id).state == CellState.FREE
    assert Notification.objects.filter(event="lockers.dropoff_expired", channel="site").exists()
    assert kinds(case)[-1] == "lockers.dropoff_ended"
    assert services.codes_expire() == services.Expired(0, 0)  # once


def test_a_withdrawn_case_frees_the_cell_it_reserved(hall_site, django_capture_on_commit_callbacks):
    site, _ = hall_site
    case = lf.accepted()
    issued = lf.reserve(case, site)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(case=case.number, actor=f.user("citizen"), action="withdraw")
    parcel = Parcel.objects.get(pk=issued.parcel.pk)  # the subscriber ran after the commit
    assert parcel.status == ParcelState.CANCELLED
    assert Cell.objects.get(pk=parcel.cell_id).state == CellState.FREE
