"""自助取件: staff deposit a result issued with locker delivery, the pick-up code opens the
cell and delivers the case through the locker channel; nobody delivers a locker case by
hand; a revoked result, or one delivered another way, can no longer be picked up."""

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


def code_of(parcel: Parcel) -> str:
    """The pick-up code as the applicant's SMS carries it (notify keeps it until sent)."""
    return Notification.objects.filter(event="lockers.code", case_number=parcel.case.number).latest("id").secret


def test_a_deposited_result_picked_up_with_its_code_delivers_the_case(hall_site):
    site, (cabinet, _) = hall_site
    case = lf.issued_for_locker()
    parcel = lf.deposit(case, site, "S")
    assert parcel.status == ParcelState.DEPOSITED and parcel.provider == "locker"
    assert Cell.objects.get(pk=parcel.cell_id).state == CellState.OCCUPIED
    assert CabinetCommand.objects.filter(cabinet=cabinet, door=parcel.cell.door, reason="deposit").exists()
    case.refresh_from_db()
    assert case.events.order_by("seq").last().action == "lockers.deposited"
    code = code_of(parcel)
    assert len(code) == 8 and code not in case.events.order_by("seq").last().comment

    opened = services.code_open(cabinet=cabinet, code=code)
    assert (opened.kind, opened.door) == ("pickup", parcel.cell.door)
    parcel.refresh_from_db()
    assert parcel.status == ParcelState.PICKED_UP and parcel.ended_at
    assert Cell.objects.get(pk=parcel.cell_id).state == CellState.FREE
    case.refresh_from_db()
    assert case.state == "delivered" and case.delivery_mode == "locker"
    assert case.tracking_number == parcel.reference
    deliver = case.events.order_by("seq").last()
    assert (deliver.action, deliver.actor_id, deliver.actor_role, deliver.actor_name) == (
        "deliver",
        None,
        "system",
        str(cabinet),
    )
    assert deliver.data["provider"] == "locker"


def test_a_locker_case_is_never_delivered_by_hand(hall_site):
    site, _ = hall_site
    case = lf.issued_for_locker()
    with pytest.raises(DomainError) as exc:  # nothing picked up: the channel refuses, in Chinese
        f.act(case, "clerk", "deliver", delivery_mode="locker")
    assert exc.value.code == "locker_not_picked_up" and "凭取件码开箱取件时自动完成" in exc.value.message
    lf.deposit(case, site)
    with pytest.raises(DomainError) as exc:
        f.act(case, "clerk", "deliver", delivery_mode="locker", provider="locker")
    assert exc.value.code == "locker_not_picked_up"
    case.refresh_from_db()
    assert case.state == "issued"


def test_only_a_locker_result_of_the_halls_staff_goes_in(hall_site):
    site, _ = hall_site
    window_case = f.act(f.approved(), "clerk", "issue", delivery_mode="window")
    with pytest.raises(DomainError) as exc:
        lf.deposit(window_case, site)
    assert exc.value.code == "not_locker_delivery"
    with pytest.raises(DomainError) as exc:
        lf.deposit(f.approved(), site)
    assert exc.value.code == "pickup_not_open"
    case = lf.issued_for_locker()
    for username, code in (
        ("citizen", "not_locker_staff"),
        ("reviewer", "not_locker_staff"),
        ("supervisor", "not_locker_staff"),
    ):
        with pytest.raises(DomainError) as exc:
            lf.deposit(case, site, username=username)
        assert exc.value.code == code, username
    lf.clerk_elsewhere()
    with pytest.raises(DomainError) as exc:
        lf.deposit(case, site, username="clerk_other")
    assert exc.value.code == "case_not_found"
    lf.deposit(case, site)
    with pytest.raises(DomainError) as exc:
        lf.deposit(case, site)
    assert exc.value.code == "pickup_exists"


def test_an_expired_pick_up_code_keeps_the_result_and_a_new_code_opens(hall_site):
    site, (cabinet, _) = hall_site
    case = lf.issued_for_locker()
    parcel = lf.deposit(case, site)
    old = code_of(parcel)
    Parcel.objects.filter(pk=parcel.pk).update(code_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert services.codes_expire() == services.Expired(0, 1)
    parcel.refresh_from_db()
    assert parcel.status == ParcelState.DEPOSITED and parcel.code_hash == "" and parcel.expiry_told_at
    assert Cell.objects.get(pk=parcel.cell_id).state == CellState.OCCUPIED  # the result is still inside
    assert Notification.objects.filter(event="lockers.pickup_expired").exists()
    with pytest.raises(services.CodeRefused):
        services.code_open(cabinet=cabinet, code=old)
    issued = services.code_renew(case=case.number, actor=f.user("citizen"), kind="pickup")
    services.code_open(cabinet=cabinet, code=issued.code)
    case.refresh_from_db()
    assert case.state == "delivered"


def test_staff_retrieve_a_result_and_the_code_stops(hall_site):
    site, (cabinet, _) = hall_site
    case = lf.issued_for_locker()
    parcel = lf.deposit(case, site)
    code = code_of(parcel)
    services.pickup_retrieve(case=case.number, actor=f.user("clerk"), comment="申请人改为窗口领取")
    parcel.refresh_from_db()
    assert parcel.status == ParcelState.RETRIEVED and Cell.objects.get(pk=parcel.cell_id).state == CellState.FREE
    with pytest.raises(services.CodeRefused):
        services.code_open(cabinet=cabinet, code=code)
    f.act(case, "clerk", "deliver", delivery_mode="window")  # and the window hands it over


def test_a_revoked_result_cannot_be_picked_up(hall_site, django_capture_on_commit_callbacks):
    site, (cabinet, _) = hall_site
    case = lf.issued_for_locker()
    parcel = lf.deposit(case, site)
    code = code_of(parcel)
    with django_capture_on_commit_callbacks(execute=True):
        case_services.case_transition(
            case=case.number, actor=f.user("approver"), action="revoke", params={"reason": "以欺骗手段取得许可"}
        )
    with pytest.raises(services.CodeRefused):
        services.code_open(cabinet=cabinet, code=code)
    parcel.refresh_from_db()
    assert parcel.status == ParcelState.DEPOSITED and "待工作人员取回" in parcel.note  # staff take it back
    services.pickup_retrieve(case=case.number, actor=f.user("clerk"))


def test_the_open_code_goes_only_to_the_applicant(hall_site):
    """Staff deposit but never see the code: not in the answer, the timeline or any stored text."""
    site, _ = hall_site
    case = lf.issued_for_locker()
    parcel = lf.deposit(case, site)
    code = code_of(parcel)
    assert codes.code_hash(parcel.cabinet_id, code) == Parcel.objects.get(pk=parcel.pk).code_hash
    assert not case.events.filter(comment__contains=code).exists()
    assert not Notification.objects.filter(text__contains=code).exists()
