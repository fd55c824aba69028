"""Every change to the lockers: the only writers of this app's models. Pages, the API, the
cabinet API, the screen, commands and the case-event subscriber call these.

A cell's state changes only in :func:`_cell_move` and a parcel's only in
:func:`_parcel_move`, each a conditional UPDATE from the state the caller read (so two
requests that read the same free cell cannot both take it), after ``workflow``'s table said
the step is allowed. Cells are taken with ``SELECT … FOR UPDATE SKIP LOCKED`` where the
database has it (PostgreSQL: parallel reservations pass each other by); SQLite's IMMEDIATE
transactions serialise writers. The database holds the last line: one live parcel per cell,
one per case and kind, one live code per hash and cabinet (``models.Parcel.Meta``).

What the lockers did for a case goes into its timeline through ``cases.services.case_note``
(and the pick-up delivers the case through ``case_transition(actor=None, …)``), always after
the lockers' own rows are locked, in the same transaction: locks are taken lockers first,
case last, everywhere.

Wrong codes are counted before they are checked (``core.limits``, outside any transaction:
a count must survive the refusal); see ``codes``.
"""

from __future__ import annotations

import datetime
import logging
import secrets as pysecrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import User
from govhall.accounts.scope import APPLICANT
from govhall.cases import selectors as case_selectors
from govhall.cases import services as case_services
from govhall.cases.models import Case, State
from govhall.catalog.models import DeliveryMode
from govhall.core import limits
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.delivery.services import provider_for
from govhall.lockers import codes, events, notices, selectors
from govhall.lockers.models import Cabinet, CabinetCommand, Cell, LockerSite, OriginalsRequest, Parcel, PickupChoice
from govhall.lockers.workflow import (
    CODE_LIVE,
    LIVE,
    PARCEL_START,
    CellEvent,
    CellState,
    Kind,
    ParcelEvent,
    ParcelState,
    Size,
    cell_next,
    parcel_next,
    size_label,
)

logger = logging.getLogger("govhall.lockers")

OWN_PROVIDER = "locker"  # the delivery provider of our own cabinets (contrib/own.py)
TAKE_ATTEMPTS = 5
CODE_ATTEMPTS = 8
RENEWALS_PER_DAY = 5  # new codes a parcel may be sent a day (each is an SMS)
COMMAND_TTL = datetime.timedelta(minutes=10)  # a door not opened by then is not opened later
PAIRING_SALT = "govhall.lockers.pairing"
SCREEN_SALT = "govhall.lockers.screen"
PAIRING_SECONDS = 600


class CodeRefused(DomainError):
    """A code that opens nothing at this cabinet: wrong, used, expired or never issued. One
    answer for all of them."""

    status = 403
    code = "code_refused"

    def __init__(self) -> None:
        super().__init__("开箱码不正确或已失效，请核对后重试")


class CodeLocked(DomainError):
    """Too many wrong codes: no code is checked until the window ends."""

    status = 429
    code = "code_entry_locked"

    def __init__(self, tier: codes.Tier, scope_: str) -> None:
        where = "本柜" if scope_ == "cabinet" else "本终端"
        super().__init__(
            f"开箱码输入错误次数过多，{where}暂停开箱，请稍后再试或联系工作人员",
            detail={"scope": scope_, "tier": f"{tier.failures}/{tier.seconds}"},
        )


@dataclass(frozen=True)
class Issued:
    """A parcel and the code just made for it: shown once to its holder, sent by SMS."""

    parcel: Parcel
    code: str
    sms_sent: bool


@dataclass(frozen=True)
class Opened:
    """What a code opened: the door to open and what the parcel was."""

    parcel: Parcel
    door: int
    kind: str

    @property
    def door_label(self) -> str:
        return f"{self.door:02d}"


# --------------------------------------------------------------------------- the two state changes


def _cell_move(cell: Cell, event: str, **fields) -> Cell:
    """The one place a cell's state changes (``workflow.CELL_TABLE``)."""
    target = cell_next(cell.state, event)
    now = timezone.now()
    updated = Cell.objects.filter(pk=cell.pk, state=cell.state).update(state=target, changed_at=now, **fields)
    if updated != 1:
        raise Conflict("格口状态刚刚发生变化，请刷新后重试", code="cell_busy", detail={"cell": cell.pk})
    cell.state, cell.changed_at = target, now
    for name, value in fields.items():
        setattr(cell, name, value)
    return cell


def _parcel_move(parcel: Parcel, event: str, **fields) -> Parcel:
    """The one place a parcel's status changes (``workflow.PARCEL_TABLE``)."""
    target = parcel_next(parcel.status, event)
    updated = Parcel.objects.filter(pk=parcel.pk, status=parcel.status).update(status=target, **fields)
    if updated != 1:
        raise Conflict("该件状态刚刚发生变化，请刷新后重试", code="parcel_busy", detail={"parcel": parcel.pk})
    parcel.status = target
    for name, value in fields.items():
        setattr(parcel, name, value)
    return parcel


def _take_cell(site: LockerSite, size: str, event: str, *, cabinet: Cabinet | None = None) -> Cell:
    """A free cell of ``size`` at ``site`` (in ``cabinet`` when given), moved by ``event``
    (reserve or deposit). Conflict ``no_free_cell`` when there is none."""
    qs = Cell.objects.filter(cabinet__site=site, cabinet__active=True, size=size, state=CellState.FREE)
    if cabinet is not None:
        qs = qs.filter(cabinet=cabinet)
    # PostgreSQL: rows another reservation holds are skipped, not waited for (SQLite: no
    # row locks; its IMMEDIATE transactions already run one writer at a time).
    qs = qs.order_by("cabinet__code", "door").select_for_update(skip_locked=True, of=("self",))
    for _ in range(TAKE_ATTEMPTS):
        cell = qs.select_related("cabinet").first()
        if cell is None:
            break
        try:
            return _cell_move(cell, event)
        except Conflict:  # taken between the read and the update (no row locks here): next one
            continue
    raise Conflict(
        f"{site.name}暂无空闲的{size_label(size)}，请选择其他规格或点位",
        code="no_free_cell",
        detail={"site": site.code, "size": size},
    )


def _create_parcel(**values) -> Parcel:
    try:
        with transaction.atomic():
            return Parcel.objects.create(**values)
    except IntegrityError:
        # one live parcel per cell and per case and kind (the models' constraints)
        raise Conflict(
            "该办件已有进行中的信包箱交件或取件，或格口已被占用，请刷新后重试", code="parcel_exists"
        ) from None


def _issue_code(parcel: Parcel) -> str:
    """A new code for ``parcel`` (replacing any earlier one): unique among the cabinet's live
    codes, valid GOVHALL_LOCKER_CODE_HOURS; only its hash is kept."""
    expires = timezone.now() + datetime.timedelta(hours=settings.GOVHALL_LOCKER_CODE_HOURS)
    for _ in range(CODE_ATTEMPTS):
        code = codes.new_code()
        digest = codes.code_hash(parcel.cabinet_id, code)
        if Parcel.objects.filter(cabinet_id=parcel.cabinet_id, code_hash=digest).exists():
            continue  # another live parcel of the cabinet holds these digits
        try:
            with transaction.atomic():
                Parcel.objects.filter(pk=parcel.pk).update(
                    code_hash=digest, code_expires_at=expires, code_sent_at=timezone.now(), expiry_told_at=None
                )
        except IntegrityError:  # the same digits, taken in between
            continue
        parcel.code_hash, parcel.code_expires_at, parcel.expiry_told_at = digest, expires, None
        return code
    raise Conflict("暂时无法生成开箱码，请重试", code="code_unavailable")


def _command(cabinet: Cabinet, door: int, reason: str) -> None:
    CabinetCommand.objects.create(cabinet=cabinet, door=door, reason=reason)


def _note(
    case: Case, kind: str, *, actor: User | None = None, comment: str = "", data: dict | None = None, by: str = ""
):
    return case_services.case_note(case=case, actor=actor, kind=kind, comment=comment, data=data or {}, by=by)


# --------------------------------------------------------------------------- who may


def _case(actor: User, case: Case | str) -> Case:
    number = case if isinstance(case, str) else case.number
    return case_selectors.case_for_actor(number, actor)


def _applicant_side(actor: User, case: Case) -> None:
    if APPLICANT not in case_selectors.actor_roles(actor, case):
        raise Forbidden("只有申请人本人（或其经办人、受托的帮办代办员）可以办理", code="not_applicant_side")


def _staff_on_case(actor: User, case: Case) -> str:
    role = scope.staff_role(actor)
    if role not in selectors.ACTING_ROLES or role not in case_selectors.actor_roles(actor, case):
        raise Forbidden("只有本大厅的窗口工作人员或大厅管理员可以办理", code="not_locker_staff")
    return role


def _site(site: LockerSite | str) -> LockerSite:
    return site if isinstance(site, LockerSite) else selectors.site_get(site)


def _size(size: str) -> str:
    if size not in Size.values:
        raise DomainError("请选择格口规格（小格、中格或大格）", code="invalid_size", detail={"field": "size"})
    return size


def _site_for_case(site: LockerSite | str, case: Case) -> LockerSite:
    site = _site(site)
    if not selectors.site_serves(site, case):
        raise DomainError("该信包箱点位不能办理本办件，请另选点位", code="site_not_offered", detail={"field": "site"})
    return site


# --------------------------------------------------------------------------- drop-off (自助交件)


@transaction.atomic
def originals_request(*, case: Case | str, actor: User, comment: str) -> OriginalsRequest:
    """A clerk (or the department) records that the case's paper originals are needed: the
    applicant may then drop them off in a locker, before acceptance too."""
    case = _case(actor, case)
    roles = case_selectors.actor_roles(actor, case) - {APPLICANT}
    if not roles or scope.staff_role(actor) == "supervisor":
        raise Forbidden("只有办理该办件的工作人员可以要求提交纸质原件", code="not_case_staff")
    if case.state not in selectors.ORIGINALS_STATES:
        raise Conflict("该办件当前状态不需要提交纸质原件", code="originals_not_open", detail={"state": case.state})
    comment = (comment or "").strip()[:500]
    if not comment:
        raise DomainError("请写明需要提交的纸质原件", code="missing_field", detail={"field": "comment"})
    request = OriginalsRequest.objects.create(case=case, requested_by=actor, comment=comment)
    _note(case, events.ORIGINALS_REQUESTED, actor=actor, comment=comment)
    notices.tell(
        case,
        "originals_requested",
        f"您的办件{case.number}需要提交纸质原件：{comment}。可到窗口提交，或在办件的信包箱页面预约24小时自助交件。",
    )
    return request


@transaction.atomic
def dropoff_reserve(*, case: Case | str, actor: User, site: LockerSite | str, size: str) -> Issued:
    """The applicant reserves a cell of ``size`` at ``site`` for the case's paper originals and
    gets a one-time code (returned once, and by SMS)."""
    case = _case(actor, case)
    _applicant_side(actor, case)
    refusal = selectors.dropoff_refusal(case)
    if refusal is not None:
        raise refusal
    site = _site_for_case(site, case)
    size = _size(size)
    if site.is_network:
        return _network_book(case=case, actor=actor, site=site, size=size, kind=Kind.DROPOFF)
    cell = _take_cell(site, size, CellEvent.RESERVE)
    parcel = _create_parcel(
        kind=Kind.DROPOFF,
        status=PARCEL_START[Kind.DROPOFF],
        case=case,
        applicant=case.applicant,
        site=site,
        cabinet=cell.cabinet,
        cell=cell,
        size=size,
        provider=OWN_PROVIDER,
        created_by=actor,
    )
    parcel.case = case
    code = _issue_code(parcel)
    _note(
        case,
        events.DROPOFF_RESERVED,
        actor=actor,
        comment=f"{parcel.place}（{size_label(size)}），开箱码{_until(parcel)}前有效",
        data={"parcel": parcel.reference, "site": site.code, "door": cell.door},
    )
    sent = notices.send_code(parcel, code)
    return Issued(parcel, code, sent)


@transaction.atomic
def dropoff_cancel(*, case: Case | str, actor: User) -> Parcel:
    """The applicant gives up a reservation not used yet: the cell is free again."""
    case = _case(actor, case)
    _applicant_side(actor, case)
    parcel = selectors.live_parcel(case, Kind.DROPOFF, for_update=True)
    if parcel is None or parcel.status != ParcelState.RESERVED:
        raise Conflict("没有可取消的交件预约", code="nothing_to_cancel")
    _end_reservation(parcel, case, ParcelEvent.CANCEL, reason="申请人取消预约", actor=actor)
    return parcel


def _end_reservation(parcel: Parcel, case: Case, event: str, *, reason: str, actor: User | None = None) -> None:
    """A reservation ends unused (cancelled, expired, the case closed, a fault with no cell to
    move to): the parcel stops, its cell is free (or stays out of service), the network is told."""
    _parcel_move(parcel, event, code_hash="", ended_at=timezone.now(), ended_by=actor, note=reason[:200])
    if parcel.cell_id:
        _cell_move(Cell.objects.get(pk=parcel.cell_id), CellEvent.RELEASE)
    elif parcel.network_ref:
        _network(parcel.provider).cancel_booking(parcel.network_ref)
    _note(
        case,
        events.DROPOFF_ENDED,
        actor=actor,
        by="" if actor else parcel.site.name,
        comment=reason,
        data={"parcel": parcel.reference, "status": parcel.status},
    )


# --------------------------------------------------------------------------- pick-up (出件 → 信包箱自提)


@transaction.atomic
def pickup_choose(*, case: Case | str, actor: User, site: LockerSite | str) -> PickupChoice:
    """The applicant says where they would like to pick the result up."""
    case = _case(actor, case)
    _applicant_side(actor, case)
    if not selectors.may_choose_pickup_site(case):
        raise Conflict("该办件不能选择信包箱取件点位", code="pickup_choice_closed")
    site = _site_for_case(site, case)
    choice, _ = PickupChoice.objects.update_or_create(case=case, defaults={"site": site})
    return choice


@transaction.atomic
def pickup_deposit(*, case: Case | str, actor: User, site: LockerSite | str, size: str) -> Parcel:
    """出件 → 信包箱自提: staff put the result in a free cell of ``site`` (the door opens for
    them), and the applicant gets a pick-up code by SMS (staff never see it)."""
    case = _case(actor, case)
    _staff_on_case(actor, case)
    refusal = selectors.pickup_refusal(case)
    if refusal is not None:
        raise refusal
    site = _site_for_case(site, case)
    size = _size(size)
    provider = provider_for(DeliveryMode.LOCKER, site.network if site.is_network else OWN_PROVIDER)
    if site.is_network:
        issued = _network_book(case=case, actor=actor, site=site, size=size, kind=Kind.PICKUP)
        return issued.parcel
    if not selectors.can_work_site(actor, site):
        raise Forbidden("只能使用本大厅的信包箱", code="not_locker_staff")
    cell = _take_cell(site, size, CellEvent.DEPOSIT)
    parcel = _create_parcel(
        kind=Kind.PICKUP,
        status=PARCEL_START[Kind.PICKUP],
        case=case,
        applicant=case.applicant,
        site=site,
        cabinet=cell.cabinet,
        cell=cell,
        size=size,
        provider=provider.identifier,
        created_by=actor,
    )
    parcel.case = case
    code = _issue_code(parcel)
    _command(cell.cabinet, cell.door, "deposit")
    _note(
        case,
        events.DEPOSITED,
        actor=actor,
        comment=f"{parcel.place}，取件码{_until(parcel)}前有效",
        data={"parcel": parcel.reference, "site": site.code, "door": cell.door},
    )
    notices.send_code(parcel, code)
    return parcel


@transaction.atomic
def pickup_retrieve(*, case: Case | str, actor: User, comment: str = "") -> Parcel:
    """Staff take back a result not picked up (expired code, revoked case, applicant asked
    for the window): the cell is free; the case waits for delivery another way."""
    case = _case(actor, case)
    _staff_on_case(actor, case)
    parcel = selectors.live_parcel(case, Kind.PICKUP, for_update=True)
    if parcel is None:
        raise Conflict("该办件没有存放在信包箱中的结果", code="nothing_to_retrieve")
    reason = (comment or "").strip()[:200] or "工作人员取回"
    _parcel_move(parcel, ParcelEvent.RETRIEVE, code_hash="", ended_at=timezone.now(), ended_by=actor, note=reason)
    if parcel.cell_id:
        cell = Cell.objects.select_related("cabinet").get(pk=parcel.cell_id)
        _cell_move(cell, CellEvent.RETRIEVE)
        if cell.state != CellState.OUT_OF_SERVICE:
            _command(cell.cabinet, cell.door, "retrieve")
    elif parcel.network_ref:
        _network(parcel.provider).cancel_booking(parcel.network_ref)
    _note(case, events.RETRIEVED, actor=actor, comment=reason, data={"parcel": parcel.reference})
    if case.state == State.ISSUED:
        notices.tell(
            case,
            "retrieved",
            f"您的办件{case.number}的办理结果已从信包箱取回，原取件码作废，请到窗口领取或联系大厅。",
        )
    return parcel


# --------------------------------------------------------------------------- collection (待收件)


@transaction.atomic
def dropoff_collect(*, case: Case | str, actor: User, comment: str = "") -> Parcel:
    """待收件 → 收件: staff open the cell (a door command), take the papers and receive them
    against the case; the cell is free."""
    case = _case(actor, case)
    _staff_on_case(actor, case)
    parcel = selectors.live_parcel(case, Kind.DROPOFF, for_update=True)
    if parcel is None or parcel.status != ParcelState.DROPPED:
        raise Conflict("该办件没有待收取的信包箱材料", code="nothing_to_collect")
    if parcel.cell_id and not selectors.can_work_site(actor, parcel.site):
        raise Forbidden("只能收取本大厅信包箱中的材料", code="not_locker_staff")
    note = (comment or "").strip()[:200] or "已收取纸质材料"
    _parcel_move(parcel, ParcelEvent.COLLECT, ended_at=timezone.now(), ended_by=actor, note=note)
    if parcel.cell_id:
        cell = Cell.objects.select_related("cabinet").get(pk=parcel.cell_id)
        _cell_move(cell, CellEvent.COLLECT)
        if cell.state != CellState.OUT_OF_SERVICE:
            _command(cell.cabinet, cell.door, "collect")
    _note(case, events.COLLECTED, actor=actor, comment=note, data={"parcel": parcel.reference})
    notices.tell(case, "collected", f"您的办件{case.number}通过信包箱提交的纸质材料已由工作人员收取。")
    return parcel


# --------------------------------------------------------------------------- codes at the cabinet


def _limits(cabinet: Cabinet, source: str) -> list[tuple[str, limits.Limit, codes.Tier]]:
    found = [
        (
            "cabinet",
            limits.Limit(limits.key_for(f"lockers.cabinet.{t.seconds}", cabinet.code), t.failures, t.seconds),
            t,
        )
        for t in codes.cabinet_tiers()
    ]
    found += [
        (
            "source",
            limits.Limit(limits.key_for(f"lockers.source.{t.seconds}", cabinet.code, source), t.failures, t.seconds),
            t,
        )
        for t in codes.source_tiers()
    ]
    return found


def code_open(*, cabinet: Cabinet, code: str, source: str = "keypad", screen: bool = False) -> Opened:
    """A code typed at ``cabinet`` (on its keypad or a terminal ``source``): the door it opens.

    Counted first, per cabinet and per source in their tiers; past a tier, CodeLocked (429)
    for every code, right or wrong. Then one indexed lookup of the code's hash; a wrong,
    used, expired or unknown code is CodeRefused (403), the same answer and the same work. A
    right one is given its counts back and opens: a drop-off's papers are in (the cell is
    occupied, the timeline says so), a pick-up's result is out (the cell is free and the case
    delivered through the locker channel). With ``screen`` the door is also queued for the
    cabinet to open (its screen has no door of its own)."""
    wanted = _limits(cabinet, source)
    refused = limits.take(*(limit for _, limit, _ in wanted))
    if refused is not None:
        scope_, tier = next((s, t) for s, limit, t in wanted if limit == refused)
        raise CodeLocked(tier, scope_)
    typed = codes.clean_code(code)
    digest = codes.code_hash(cabinet.pk, typed)
    now = timezone.now()
    parcel = selectors.parcel_by_code(cabinet, digest, now)
    if parcel is None:
        raise CodeRefused()
    limits.give_back(*(limit.key for _, limit, _ in wanted))  # a right code does not count
    try:
        with transaction.atomic():
            return _open(parcel.pk, cabinet, digest, screen=screen)
    except CodeRefused:
        raise
    except DomainError as exc:
        if exc.code == "cell_out_of_service":
            raise
        logger.warning("cabinet %s: parcel %s could not be opened: %s", cabinet.code, parcel.pk, exc.code)
        raise CodeRefused() from None


def _open(parcel_id: int, cabinet: Cabinet, digest: str, *, screen: bool) -> Opened:
    now = timezone.now()
    parcel = (
        Parcel.objects.select_related("site", "cabinet", "cell")
        .select_for_update(of=("self",))
        .filter(pk=parcel_id)
        .first()
    )
    if (
        parcel is None
        or parcel.status not in CODE_LIVE
        or parcel.code_hash != digest
        or parcel.code_expires_at is None
        or parcel.code_expires_at <= now
    ):
        raise CodeRefused()  # used or expired in between
    cell = parcel.cell
    if cell.state == CellState.OUT_OF_SERVICE:
        raise Conflict("该格口故障暂停使用，请联系工作人员", code="cell_out_of_service", status=409)
    case = case_selectors.case_row(pk=parcel.case_id)
    parcel.case = case
    if parcel.kind == Kind.DROPOFF:
        _parcel_move(parcel, ParcelEvent.DROP, code_hash="", code_used_at=now, opened_at=now)
        _cell_move(cell, CellEvent.DROP)
        _note(
            case,
            events.DROPPED_OFF,
            by=str(cabinet),
            comment=f"申请人凭开箱码投递纸质材料：{parcel.place}",
            data={"parcel": parcel.reference, "door": cell.door},
        )
        notices.tell(
            case, "dropped_off", f"您的办件{case.number}的纸质材料已投入{parcel.place}，工作人员收取后会通知您。"
        )
    else:
        _parcel_move(parcel, ParcelEvent.PICK_UP, code_hash="", code_used_at=now, opened_at=now, ended_at=now)
        _cell_move(cell, CellEvent.PICK_UP)
        case_services.case_transition(
            case=case,
            actor=None,
            action="deliver",
            params={"delivery_mode": DeliveryMode.LOCKER, "provider": parcel.provider},
            by=str(cabinet),
        )
    if screen:
        _command(cabinet, cell.door, "code")
    return Opened(parcel=parcel, door=cell.door, kind=parcel.kind)


def cabinet_unlock(*, cabinet: Cabinet, actor: User) -> None:
    """Staff lift a cabinet's code lock (every tier, every source). Each lift gives a guesser
    another day's budget: it is logged, and docs/lockers.md counts it."""
    if not selectors.can_work_site(actor, cabinet.site):
        raise NotFound("未找到该信包箱柜", code="cabinet_not_found")
    keys = [limits.key_for(f"lockers.cabinet.{t.seconds}", cabinet.code) for t in codes.cabinet_tiers()]
    limits.reset(*keys)
    for t in codes.source_tiers():
        limits.reset_prefix(limits.key_for(f"lockers.source.{t.seconds}", cabinet.code) + ":")
    logger.warning("cabinet %s: code lock lifted by user %s", cabinet.code, actor.pk)


@transaction.atomic
def code_renew(*, case: Case | str, actor: User, kind: str) -> Issued:
    """A new code for the case's live parcel of ``kind`` (the old one stops working): shown
    once and sent by SMS. At most RENEWALS_PER_DAY a day per parcel (each is an SMS)."""
    case = _case(actor, case)
    _applicant_side(actor, case)
    if kind not in Kind.values:
        raise DomainError("类型不正确", code="invalid_kind", detail={"field": "kind"})
    parcel = selectors.live_parcel(case, kind, for_update=True)
    if parcel is None or parcel.status not in CODE_LIVE:
        raise Conflict("没有需要开箱码的信包箱预约或存件", code="no_live_code")
    if parcel.cell_id is None:
        raise Conflict("该点位的开箱码由信包箱网络发送，请联系网络客服", code="network_code")
    if kind == Kind.PICKUP and case.state != State.ISSUED:
        raise Conflict("该办件的结果已不能在信包箱领取，请联系大厅", code="pickup_not_open")
    key = limits.key_for("lockers.renew", str(parcel.pk))
    if limits.hit(key, 86400) > RENEWALS_PER_DAY:
        raise DomainError("今天获取开箱码的次数已达上限，请明天再试或联系大厅", code="renew_limited", status=429)
    parcel.case = case
    code = _issue_code(parcel)
    _note(
        case, events.CODE_RENEWED, actor=actor, comment=f"{parcel.place}，新开箱码{_until(parcel)}前有效，原开箱码作废"
    )
    sent = notices.send_code(parcel, code)
    return Issued(parcel, code, sent)


def _until(parcel: Parcel) -> str:
    return f"{timezone.localtime(parcel.code_expires_at):%Y-%m-%d %H:%M}" if parcel.code_expires_at else ""


# --------------------------------------------------------------------------- expiry (cron: lockers_expire)


@dataclass(frozen=True)
class Expired:
    reservations: int  # drop-off reservations ended, cells freed
    pickup_codes: int  # pick-up codes expired (the result stays: the applicant may ask again)


def codes_expire(*, now: datetime.datetime | None = None) -> Expired:
    """End drop-off reservations whose code expired (the cell is free; the applicant is
    told) and tell applicants whose pick-up code expired (the result stays in the cell; a new
    code is one click away, or staff retrieve it). Each parcel in its own transaction."""
    now = now or timezone.now()
    due = Parcel.objects.filter(status__in=CODE_LIVE, code_expires_at__lte=now, cell__isnull=False)
    reservations = pickups = 0
    for parcel_id, kind in due.filter(expiry_told_at__isnull=True).values_list("id", "kind"):
        with transaction.atomic():
            parcel = Parcel.objects.select_related("site", "cabinet", "cell").select_for_update(of=("self",))
            parcel = parcel.filter(pk=parcel_id, status__in=CODE_LIVE, code_expires_at__lte=now).first()
            if parcel is None:
                continue
            case = case_selectors.case_row(pk=parcel.case_id)
            parcel.case = case
            if kind == Kind.DROPOFF:
                _end_reservation(parcel, case, ParcelEvent.EXPIRE, reason="开箱码过期未使用，预约自动取消")
                notices.tell(
                    case,
                    "dropoff_expired",
                    f"您的办件{case.number}在{parcel.site.name}的信包箱交件预约已过期，格口已释放；如仍需交件，请重新预约。",
                )
                reservations += 1
            else:
                Parcel.objects.filter(pk=parcel.pk).update(code_hash="", expiry_told_at=now)
                notices.tell(
                    case,
                    "pickup_expired",
                    f"您的办件{case.number}存放在{parcel.place}的取件码已过期，结果仍在格口中：可在办件的信包箱页面重新获取取件码，或联系大厅。",
                )
                pickups += 1
    return Expired(reservations, pickups)


# --------------------------------------------------------------------------- what the cabinet reports


@transaction.atomic
def cell_event(*, cabinet: Cabinet, door: int, event: str, detail: str = "") -> Cell:
    """The cabinet reports a door closed or a cell fault. A fault takes the cell out of
    service; a reservation in it (nothing inside yet) moves to another free cell of its size
    (in the same cabinet, where its code still works, else at the same site with a new code),
    or ends and the applicant is told. Papers or a result inside stay for staff."""
    cell = Cell.objects.select_related("cabinet").filter(cabinet=cabinet, door=door).first()
    if cell is None:
        raise NotFound("该柜没有这个门号", code="door_not_found", detail={"door": door})
    now = timezone.now()
    if event == "closed":
        Cell.objects.filter(pk=cell.pk).update(door_closed_at=now)
        cell.door_closed_at = now
        return cell
    if event != "fault":
        raise DomainError("事件只能是 closed 或 fault", code="invalid_event", detail={"field": "event"})
    if cell.state == CellState.OUT_OF_SERVICE:
        return cell  # told twice: nothing new
    # (SELECT … FOR UPDATE where the database has it; Django leaves it out on SQLite)
    parcel = (
        Parcel.objects.select_related("site", "cabinet", "cell")
        .select_for_update(of=("self",))
        .filter(cell=cell, status__in=LIVE)
        .first()
    )
    if parcel is not None and parcel.status == ParcelState.RESERVED:
        _move_reservation(parcel, cell)
    _cell_move(cell, CellEvent.FAULT, fault=(detail or "柜机报告故障")[:200])
    if parcel is not None and parcel.status == ParcelState.DEPOSITED:
        case = case_selectors.case_row(pk=parcel.case_id)
        notices.tell(
            case,
            "cell_fault",
            f"存放您的办件{case.number}办理结果的格口出现故障，工作人员将尽快处理，请暂勿前往取件，或联系大厅。",
        )
    logger.warning("cabinet %s door %s reported a fault: %s", cabinet.code, door, detail[:100])
    return cell


def _move_reservation(parcel: Parcel, broken: Cell) -> None:
    case = case_selectors.case_row(pk=parcel.case_id)
    parcel.case = case
    old_place = parcel.place
    new = None
    for cabinet in (broken.cabinet, None):
        try:
            new = _take_cell(parcel.site, parcel.size, CellEvent.RESERVE, cabinet=cabinet)
            break
        except Conflict:
            continue
    if new is None:
        _parcel_move(parcel, ParcelEvent.CANCEL, code_hash="", ended_at=timezone.now(), note="格口故障，无空闲格口可换")
        _note(case, events.DROPOFF_ENDED, by=str(broken.cabinet), comment="格口故障且无空闲格口可换，预约取消")
        notices.tell(
            case,
            "dropoff_cancelled",
            f"您的办件{case.number}预约的{old_place}出现故障，且暂无空闲格口可换，预约已取消，请重新预约或到窗口提交。",
        )
        return
    same_cabinet = new.cabinet_id == parcel.cabinet_id
    Parcel.objects.filter(pk=parcel.pk).update(cell=new, cabinet=new.cabinet)
    parcel.cell, parcel.cabinet = new, new.cabinet
    if same_cabinet:
        _note(case, events.MOVED, by=str(broken.cabinet), comment=f"格口故障，改为{parcel.place}，开箱码不变")
        notices.tell(case, "moved", f"您的办件{case.number}预约的格口出现故障，已改为{parcel.place}，开箱码不变。")
    else:
        code = _issue_code(parcel)  # a code is bound to its cabinet
        _note(case, events.MOVED, by=str(broken.cabinet), comment=f"格口故障，改为{parcel.place}，已发送新开箱码")
        notices.send_code(parcel, code)


@transaction.atomic
def cell_repair(*, cell: Cell, actor: User) -> Cell:
    """Staff put a repaired cell back in service: free, or occupied with what is inside."""
    if not selectors.can_work_site(actor, cell.cabinet.site):
        raise NotFound("未找到该格口", code="cell_not_found")
    inside = Parcel.objects.filter(cell=cell, status__in=(ParcelState.DROPPED, ParcelState.DEPOSITED)).exists()
    return _cell_move(cell, CellEvent.REPAIR_FULL if inside else CellEvent.REPAIR_EMPTY, fault="")


def commands_poll(*, cabinet: Cabinet) -> list[CabinetCommand]:
    """The doors to open now, each handed out once; older than COMMAND_TTL: dropped."""
    now = timezone.now()
    with transaction.atomic():
        pending = CabinetCommand.objects.filter(cabinet=cabinet, sent_at__isnull=True).select_for_update(
            skip_locked=True
        )
        found = list(pending.order_by("id"))
        fresh = [c for c in found if c.created_at > now - COMMAND_TTL]
        CabinetCommand.objects.filter(pk__in=[c.pk for c in found]).update(sent_at=now)
    return fresh


def cabinet_seen(cabinet: Cabinet) -> None:
    """Record that the cabinet spoke (at most once a minute: it is not worth a write each time)."""
    now = timezone.now()
    if cabinet.last_seen_at is None or cabinet.last_seen_at < now - datetime.timedelta(minutes=1):
        Cabinet.objects.filter(pk=cabinet.pk).update(last_seen_at=now)
        cabinet.last_seen_at = now


# --------------------------------------------------------------------------- cabinets and their screens


@transaction.atomic
def cabinet_create(*, site: LockerSite, code: str, name: str, layout: dict[str, int]) -> tuple[Cabinet, str]:
    """A cabinet with its cells (``layout``: how many of each size, doors numbered from 1 in
    size order) and its secret, returned once."""
    if site.is_network:
        raise DomainError("第三方网络点位的柜机由网络管理", code="network_site")
    salt = codes.new_salt()
    cabinet = Cabinet.objects.create(
        site=site, code=code, name=name, secret_salt=salt, secret_rotated_at=timezone.now()
    )
    door = 0
    for size in Size.values:
        for _ in range(int(layout.get(size, 0))):
            door += 1
            Cell.objects.create(cabinet=cabinet, door=door, size=size)
    return cabinet, codes.cabinet_secret(cabinet.code, salt)


@transaction.atomic
def cabinet_rotate_secret(*, cabinet: Cabinet) -> str:
    """A new secret for the cabinet (the old one stops at once), returned once."""
    salt = codes.new_salt()
    Cabinet.objects.filter(pk=cabinet.pk).update(secret_salt=salt, secret_rotated_at=timezone.now())
    cabinet.secret_salt = salt
    logger.warning("cabinet %s: secret rotated", cabinet.code)
    return codes.cabinet_secret(cabinet.code, salt)


def screen_pairing(*, cabinet: Cabinet, actor: User) -> str:
    """A one-time pairing token (10 minutes) for the cabinet's screen: staff open
    ``/lockers/screen/<cabinet>/?pair=<token>`` on the screen once."""
    if not selectors.can_work_site(actor, cabinet.site):
        raise NotFound("未找到该信包箱柜", code="cabinet_not_found")
    return signing.dumps(
        {"c": cabinet.pk, "e": cabinet.screen_epoch, "n": pysecrets.token_urlsafe(12), "u": actor.pk},
        salt=PAIRING_SALT,
        compress=True,
    )


def screen_pair(*, cabinet: Cabinet, token: str) -> str:
    """The device cookie's value for a screen that opened a pairing link; DomainError when the
    token is forged, expired, for another cabinet or used already."""
    try:
        data = signing.loads(token, salt=PAIRING_SALT, max_age=PAIRING_SECONDS)
    except signing.BadSignature:
        raise Forbidden("配对链接无效或已过期，请工作人员重新生成", code="pairing_invalid") from None
    if data.get("c") != cabinet.pk or data.get("e") != cabinet.screen_epoch:
        raise Forbidden("配对链接无效或已过期，请工作人员重新生成", code="pairing_invalid")
    if limits.hit(limits.key_for("lockers.pairing", data["n"]), PAIRING_SECONDS) > 1:
        raise Forbidden("配对链接已使用过，请工作人员重新生成", code="pairing_used")
    device = pysecrets.token_hex(8)
    logger.info("cabinet %s: screen %s paired by user %s", cabinet.code, device, data.get("u"))
    return signing.dumps({"c": cabinet.pk, "e": cabinet.screen_epoch, "d": device}, salt=SCREEN_SALT)


def screen_device(cabinet: Cabinet, cookie: str | None) -> str | None:
    """The paired device's id if ``cookie`` pairs a screen with ``cabinet`` (now), else None."""
    if not cookie:
        return None
    try:
        data = signing.loads(cookie, salt=SCREEN_SALT)
    except signing.BadSignature:
        return None
    if data.get("c") != cabinet.pk or data.get("e") != cabinet.screen_epoch:
        return None
    return str(data.get("d") or "") or None


@transaction.atomic
def screens_unpair(*, cabinet: Cabinet, actor: User) -> None:
    """Every screen paired with the cabinet stops working (its cookie's epoch is past)."""
    if not selectors.can_work_site(actor, cabinet.site):
        raise NotFound("未找到该信包箱柜", code="cabinet_not_found")
    Cabinet.objects.filter(pk=cabinet.pk).update(screen_epoch=cabinet.screen_epoch + 1)
    cabinet.screen_epoch += 1


# --------------------------------------------------------------------------- a third-party network


def _network(identifier: str):
    from govhall.lockers.contrib.network import LockerNetwork

    provider = provider_for(DeliveryMode.LOCKER, identifier)
    if not isinstance(provider, LockerNetwork):
        raise Conflict("该点位的信包箱网络未开通", code="locker_unavailable")
    return provider


def _network_book(*, case: Case, actor: User, site: LockerSite, size: str, kind: str) -> Issued:
    from govhall.lockers.contrib.network import Booking

    network = _network(site.network)
    parcel = _create_parcel(
        kind=kind,
        status=PARCEL_START[kind],
        case=case,
        applicant=case.applicant,
        site=site,
        size=size,
        provider=network.identifier,
        created_by=actor,
    )
    parcel.case = case
    expires = timezone.now() + datetime.timedelta(hours=settings.GOVHALL_LOCKER_CODE_HOURS)
    booked = network.book(
        Booking(
            kind=kind,
            reference=parcel.reference,
            case_number=case.number,
            point=site.code,
            size=size,
            recipient=case.applicant.name,
            phone=case.applicant.phone,
            expires_at=expires,
        )
    )
    Parcel.objects.filter(pk=parcel.pk).update(network_ref=booked.network_ref, code_expires_at=expires)
    parcel.network_ref, parcel.code_expires_at = booked.network_ref, expires
    kind_event = events.DROPOFF_RESERVED if kind == Kind.DROPOFF else events.DEPOSITED
    _note(
        case,
        kind_event,
        actor=actor,
        comment=f"{site.name}（{network.verbose_name}），件号{booked.network_ref}",
        data={"parcel": booked.network_ref, "site": site.code, "network": network.identifier},
    )
    sent = False
    if booked.code:
        sent = notices.send_code(parcel, booked.code)
    else:
        notices.tell(
            case,
            "network_booked",
            f"您的办件{case.number}已预约{site.name}，开箱码将由{network.verbose_name}短信发送。",
        )
    return Issued(parcel, booked.code, sent)


@transaction.atomic
def network_event(*, provider: str, reference: str, event: str) -> Parcel:
    """What a locker network reports about one of its parcels (its signed callback, or the
    local stand-in's command): ``dropped_off`` (papers in its locker: they come to the hall
    by its courier and staff collect them there), ``picked_up`` (the result is out: the case
    is delivered through this network) or ``expired`` (unused: a reservation ends, a result
    goes back to the hall). Idempotent: a repeated event changes nothing."""
    parcel = (
        Parcel.objects.select_related("site")
        .select_for_update(of=("self",))
        .filter(provider=provider, network_ref=reference)
        .first()
    )
    if parcel is None:
        raise NotFound("未找到该件", code="parcel_not_found")
    case = case_selectors.case_row(pk=parcel.case_id)
    parcel.case = case
    now = timezone.now()
    by = parcel.site.name
    if event == "dropped_off" and parcel.kind == Kind.DROPOFF:
        if parcel.status != ParcelState.RESERVED:
            return parcel
        _parcel_move(parcel, ParcelEvent.DROP, code_used_at=now, opened_at=now)
        _note(
            case,
            events.DROPPED_OFF,
            by=by,
            comment=f"申请人在{by}投递纸质材料，由网络转运至大厅",
            data={"parcel": reference},
        )
        notices.tell(case, "dropped_off", f"您的办件{case.number}的纸质材料已投入{by}，送达大厅收取后会通知您。")
    elif event == "picked_up" and parcel.kind == Kind.PICKUP:
        if parcel.status != ParcelState.DEPOSITED:
            return parcel
        _parcel_move(parcel, ParcelEvent.PICK_UP, code_used_at=now, opened_at=now, ended_at=now)
        case_services.case_transition(
            case=case,
            actor=None,
            action="deliver",
            params={"delivery_mode": DeliveryMode.LOCKER, "provider": provider},
            by=by,
        )
    elif event == "expired":
        if parcel.status == ParcelState.RESERVED:
            _parcel_move(parcel, ParcelEvent.EXPIRE, ended_at=now, note="网络报告开箱码过期")
            _note(
                case, events.DROPOFF_ENDED, by=by, comment="开箱码过期未使用，预约自动取消", data={"parcel": reference}
            )
            notices.tell(
                case, "dropoff_expired", f"您的办件{case.number}在{by}的交件预约已过期；如仍需交件，请重新预约。"
            )
        elif parcel.status == ParcelState.DEPOSITED:
            _parcel_move(parcel, ParcelEvent.RETRIEVE, ended_at=now, note="逾期未取，网络退回大厅")
            _note(
                case, events.RETRIEVED, by=by, comment="逾期未取，信包箱网络将结果退回大厅", data={"parcel": reference}
            )
            notices.tell(case, "retrieved", f"您的办件{case.number}的办理结果逾期未取，已退回大厅，请到窗口领取。")
    else:
        raise DomainError("事件不正确", code="invalid_event", detail={"event": event, "kind": parcel.kind})
    return parcel


# --------------------------------------------------------------------------- when a case moves


def case_moved(*, case_id: int, action: str, to_state: str, provider: str = "") -> None:
    """The case-event subscriber's work (``receivers``): a case that closed before its papers
    were dropped off frees the reserved cell; a result revoked, or delivered another way,
    while in a locker can no longer be picked up with its code (staff retrieve it).
    Idempotent: a second call finds nothing left to do."""
    with transaction.atomic():
        reserved = Parcel.objects.filter(case_id=case_id, kind=Kind.DROPOFF, status=ParcelState.RESERVED).first()
        closed = to_state in (State.WITHDRAWN, State.REJECTED, State.REVOKED, State.DENIED, State.APPROVED)
        if reserved is not None and closed:
            case = case_selectors.case_row(pk=case_id)
            reserved.case = case
            _end_reservation(reserved, case, ParcelEvent.CANCEL, reason="办件已进入下一阶段或已终结，交件预约自动取消")
        deposited = Parcel.objects.filter(case_id=case_id, kind=Kind.PICKUP, status=ParcelState.DEPOSITED).first()
        if deposited is None:
            return
        if to_state == State.REVOKED or (action == "deliver" and provider != deposited.provider):
            Parcel.objects.filter(pk=deposited.pk).update(
                code_hash="", note="办件已撤销或已另行送达，取件码作废，待工作人员取回"
            )
