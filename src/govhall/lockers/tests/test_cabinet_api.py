"""The cabinets' signed API: HMAC over method, path, timestamp, nonce and body; bad
signatures, unknown cabinets, replays and stale timestamps refused; codes answered the same
whether or not they exist; the lockout, escalating per cabinet and per terminal; door and
fault events; the doors staff and screens open."""

from __future__ import annotations

import json
import time

import pytest

from govhall.core import limits
from govhall.lockers import codes, services
from govhall.lockers.models import Cabinet, CabinetCommand, Cell, Parcel
from govhall.lockers.tests import factories as lf
from govhall.lockers.workflow import CellState, ParcelState
from govhall.notify.models import Notification

pytestmark = pytest.mark.django_db
OPEN = "/api/v1/lockers/cabinet/open"


@pytest.fixture
def locker(demo):
    site, cabinets = lf.site(layout={"S": 3, "M": 1})
    cabinet, secret = cabinets[0]
    return site, cabinet, secret


def test_a_signed_code_opens_its_door(client, locker):
    site, cabinet, secret = locker
    issued = lf.reserve(lf.accepted(), site)
    response = lf.open_code(client, cabinet, secret, issued.code)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "door": issued.parcel.cell.door,
        "door_label": issued.parcel.cell.door_label,
        "kind": "dropoff",
        "message": "请放入材料后关好柜门",
    }
    assert Cabinet.objects.get(pk=cabinet.pk).last_seen_at is not None


def test_a_code_that_opens_nothing_gets_one_answer(client, locker, settings):
    """Wrong, used, expired, never issued, another cabinet's, malformed: the same status and
    body, after the same work (one counted attempt, one indexed lookup)."""
    site, cabinet, secret = locker
    settings.GOVHALL_LOCKER_CABINET_LOCKOUT = settings.GOVHALL_LOCKER_SOURCE_LOCKOUT = "1000/60"
    used = lf.reserve(lf.accepted(), site)
    services.code_open(cabinet=cabinet, code=used.code)
    expired = lf.reserve(lf.accepted(), site)
    Parcel.objects.filter(pk=expired.parcel.pk).update(code_expires_at="2000-01-01T00:00:00Z")
    other_site, _others = lf.site("T-OTHER")
    elsewhere = lf.reserve(lf.accepted(), other_site)
    answers = []
    for code in (used.code, expired.code, elsewhere.code, "00000000", "12", "abcdefgh"):
        response = lf.open_code(client, cabinet, secret, code)
        answers.append((response.status_code, response.content))
    assert len(set(answers)) == 1
    status, body = answers[0]
    assert status == 403 and json.loads(body) == {
        "code": "code_refused",
        "message": "开箱码不正确或已失效，请核对后重试",
        "detail": None,
    }


def test_bad_signature_unknown_cabinet_replay_and_stale_timestamp(client, locker):
    _site, cabinet, secret = locker
    body = json.dumps({"code": "12345678"}).encode()

    def post(headers, data=body):
        return client.post(OPEN, data, content_type="application/json", **headers)

    assert post({}).json()["code"] == "signature_missing"
    assert post({}).status_code == 401
    wrong = lf.signed_headers(cabinet.code, "f" * 64, OPEN, body)
    unknown = lf.signed_headers("NO-SUCH-CABINET", secret, OPEN, body)
    answers = {(post(h).status_code, post(h).json()["code"]) for h in (wrong, unknown)}
    assert answers == {(401, "signature_invalid")}
    # the body, the path or the method changed after signing
    good = lf.signed_headers(cabinet.code, secret, OPEN, body)
    assert post(good, json.dumps({"code": "87654321"}).encode()).json()["code"] == "signature_invalid"
    assert client.post("/api/v1/lockers/cabinet/events", body, content_type="application/json", **good).json()[
        "code"
    ] in ("signature_invalid",)
    # replay: the same nonce within the window
    fresh = lf.signed_headers(cabinet.code, secret, OPEN, body)
    assert post(fresh).status_code == 403  # signed right: the code itself is refused
    again = post(fresh)
    assert (again.status_code, again.json()["code"]) == (401, "replayed_request")
    # stale: more than five minutes either way, even when signed right
    for skew in (-301, 301):
        stale = lf.signed_headers(cabinet.code, secret, OPEN, body, timestamp=int(time.time()) + skew)
        assert (post(stale).status_code, post(stale).json()["code"]) == (401, "stale_timestamp")
    ok = lf.signed_headers(cabinet.code, secret, OPEN, body, timestamp=int(time.time()) - 290)
    assert post(ok).status_code == 403
    # a rotated secret stops the old one at once
    new = services.cabinet_rotate_secret(cabinet=cabinet)
    assert post(lf.signed_headers(cabinet.code, secret, OPEN, body)).json()["code"] == "signature_invalid"
    assert post(lf.signed_headers(cabinet.code, new, OPEN, body)).status_code == 403


def test_the_secret_is_derived_and_never_stored(locker):
    _site, cabinet, secret = locker
    row = Cabinet.objects.filter(pk=cabinet.pk).values().first()
    assert secret not in json.dumps(row, default=str)
    assert secret == codes.cabinet_secret(cabinet.code, row["secret_salt"])


def test_wrong_codes_lock_the_cabinet_escalating_and_a_right_code_does_not_count(locker, settings):
    site, cabinet, _ = locker
    settings.GOVHALL_LOCKER_SOURCE_LOCKOUT = "100/60"  # this test watches the cabinet's tiers
    right = lf.reserve(lf.accepted(), site)
    for _ in range(4):
        with pytest.raises(services.CodeRefused):
            services.code_open(cabinet=cabinet, code="11111111")
    # a right code opens and gives its count back: still room for one more wrong code
    other = lf.reserve(lf.accepted(), site)
    services.code_open(cabinet=cabinet, code=other.code)
    with pytest.raises(services.CodeRefused):
        services.code_open(cabinet=cabinet, code="22222222")
    # the 6th wrong one in 15 minutes: locked, for right codes too
    with pytest.raises(services.CodeLocked) as exc:
        services.code_open(cabinet=cabinet, code=right.code)
    assert exc.value.status == 429 and exc.value.detail == {"scope": "cabinet", "tier": "5/900"}
    assert Parcel.objects.get(pk=right.parcel.pk).status == ParcelState.RESERVED
    # staff lift it
    services.cabinet_unlock(cabinet=cabinet, actor=lf.f.user("clerk"))
    services.code_open(cabinet=cabinet, code=right.code)


def test_the_day_tier_holds_when_the_short_windows_pass(locker, settings, monkeypatch):
    _site, cabinet, _ = locker
    settings.GOVHALL_LOCKER_SOURCE_LOCKOUT = "100/60"
    now = [time.time()]
    monkeypatch.setattr(limits, "clock", lambda: now[0])
    refused = locked = 0
    for _ in range(40):  # one wrong code every 5 minutes, for more than 3 hours
        try:
            services.code_open(cabinet=cabinet, code="33333333")
        except services.CodeRefused:
            refused += 1
        except services.CodeLocked as exc:
            locked += 1
            assert exc.detail["tier"] == "20/86400"
        now[0] += 300
    assert (refused, locked) == (20, 20)  # never more than 20 wrong codes checked in a day


def test_each_terminal_has_its_own_count_within_the_cabinets(locker, client):
    _site, cabinet, secret = locker
    for _ in range(3):
        assert lf.open_code(client, cabinet, secret, "44444444", terminal="screen-1").status_code == 403
    locked = lf.open_code(client, cabinet, secret, "44444444", terminal="screen-1")
    assert locked.status_code == 429 and locked.json()["code"] == "code_entry_locked"
    assert locked.json()["detail"] == {"scope": "source", "tier": "3/300"}
    assert lf.open_code(client, cabinet, secret, "44444444", terminal="keypad").status_code == 403


def test_door_closed_and_fault_events(client, locker):
    _site, cabinet, secret = locker
    path = "/api/v1/lockers/cabinet/events"
    closed = lf.cabinet_post(client, cabinet, secret, path, {"door": 1, "event": "closed"})
    assert closed.status_code == 200 and closed.json()["state"] == "free"
    assert Cell.objects.get(cabinet=cabinet, door=1).door_closed_at is not None
    fault = lf.cabinet_post(client, cabinet, secret, path, {"door": 2, "event": "fault", "detail": "锁舌卡住"})
    assert fault.json()["state"] == "out_of_service" and fault.json()["fault"] == "锁舌卡住"
    again = lf.cabinet_post(client, cabinet, secret, path, {"door": 2, "event": "fault"})
    assert again.json()["state"] == "out_of_service"
    missing = lf.cabinet_post(client, cabinet, secret, path, {"door": 99, "event": "closed"})
    assert (missing.status_code, missing.json()["code"]) == (404, "door_not_found")
    bad = lf.cabinet_post(client, cabinet, secret, path, {"door": 1, "event": "exploded"})
    assert bad.status_code == 422


def test_a_faulty_cells_reservation_moves_in_its_cabinet_and_keeps_its_code(locker):
    site, cabinet, _ = locker
    case = lf.accepted()
    issued = lf.reserve(case, site)
    old = issued.parcel.cell
    services.cell_event(cabinet=cabinet, door=old.door, event="fault", detail="门打不开")
    parcel = Parcel.objects.select_related("cell").get(pk=issued.parcel.pk)
    assert parcel.cell_id != old.pk and parcel.cell.size == "S" and parcel.status == ParcelState.RESERVED
    assert Cell.objects.get(pk=old.pk).state == CellState.OUT_OF_SERVICE
    assert Cell.objects.get(pk=parcel.cell_id).state == CellState.RESERVED
    assert Notification.objects.filter(event="lockers.moved", text__contains="开箱码不变").exists()
    assert services.code_open(cabinet=cabinet, code=issued.code).door == parcel.cell.door


def test_a_moved_reservation_in_another_cabinet_gets_a_new_code(demo):
    site, cabinets = lf.site("T-TWO", layout={"M": 1}, cabinets=2)
    (first, _), (second, _) = cabinets
    issued = lf.reserve(lf.accepted(), site, "M")
    assert issued.parcel.cabinet_id == first.pk
    services.cell_event(cabinet=first, door=issued.parcel.cell.door, event="fault")
    parcel = Parcel.objects.get(pk=issued.parcel.pk)
    assert parcel.cabinet_id == second.pk and parcel.status == ParcelState.RESERVED
    new_code = Notification.objects.filter(event="lockers.code").latest("id").secret
    assert new_code != issued.code
    with pytest.raises(services.CodeRefused):
        services.code_open(cabinet=second, code=issued.code)
    services.code_open(cabinet=second, code=new_code)


def test_with_no_cell_to_move_to_the_applicant_is_told(demo):
    site, cabinets = lf.site("T-ONE", layout={"L": 1})
    cabinet, _ = cabinets[0]
    issued = lf.reserve(lf.accepted(), site, "L")
    services.cell_event(cabinet=cabinet, door=issued.parcel.cell.door, event="fault")
    parcel = Parcel.objects.get(pk=issued.parcel.pk)
    assert parcel.status == ParcelState.CANCELLED
    assert Notification.objects.filter(event="lockers.dropoff_cancelled", channel="site").exists()
    cell = Cell.objects.get(pk=issued.parcel.cell_id)
    assert cell.state == CellState.OUT_OF_SERVICE
    services.cell_repair(cell=cell, actor=lf.f.user("clerk"))
    assert Cell.objects.get(pk=cell.pk).state == CellState.FREE


def test_papers_inside_a_faulty_cell_stay_and_it_comes_back_occupied(locker):
    site, cabinet, _ = locker
    issued = lf.reserve(lf.accepted(), site)
    services.code_open(cabinet=cabinet, code=issued.code)
    services.cell_event(cabinet=cabinet, door=issued.parcel.cell.door, event="fault")
    assert Parcel.objects.get(pk=issued.parcel.pk).status == ParcelState.DROPPED
    cell = Cell.objects.get(pk=issued.parcel.cell_id)
    services.cell_repair(cell=cell, actor=lf.f.user("clerk"))
    assert Cell.objects.get(pk=cell.pk).state == CellState.OCCUPIED


def test_the_cabinet_fetches_the_doors_to_open_once(client, locker):
    site, cabinet, secret = locker
    case = lf.issued_for_locker()
    parcel = lf.deposit(case, site)
    path = "/api/v1/lockers/cabinet/poll"
    first = lf.cabinet_post(client, cabinet, secret, path, {})
    assert first.status_code == 200
    assert first.json() == {"commands": [{"door": parcel.cell.door, "action": "open", "reason": "deposit"}]}
    assert lf.cabinet_post(client, cabinet, secret, path, {}).json() == {"commands": []}
    assert CabinetCommand.objects.filter(sent_at__isnull=True).count() == 0
