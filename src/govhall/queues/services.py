"""Every change of a queue ticket and of the hall's paired devices (the only writers).

Numbers: one ``Counter`` row per window group and day, locked while a number is taken
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's write transactions are serial), with a
unique constraint on (group, day, number) behind it. Calling: ``call_next`` takes the first
waiting ticket of the clerk's group in queue order; on PostgreSQL with
``FOR UPDATE SKIP LOCKED``, elsewhere by a conditional ``UPDATE … WHERE state = 'waiting'``
retried on a lost race, so two clerks calling at once never get the same ticket.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Hall, User, Window, WindowGroup
from govhall.accounts.roles import Role
from govhall.accounts.validators import is_valid_id_number
from govhall.cases import selectors as case_selectors
from govhall.cases.models import Case
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.notify.services import notification_send
from govhall.queues import workflow
from govhall.queues.models import Counter, Device, Priority, Source, State, Ticket, TicketCase
from govhall.stations.models import KeyProject

SECRET_BYTES = 18  # 24 URL-safe characters: the ticket link and device pairing codes
HALL_STAFF = (Role.CLERK, Role.HALL_MANAGER)


def _now() -> datetime.datetime:
    """The clock of the queue (tests move it)."""
    return timezone.now()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _today(now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now)


# --------------------------------------------------------------------------- who may act


def staff_hall(user: User | None) -> int | None:
    """The hall a clerk or hall manager works in (None for everyone else)."""
    if user is None or scope.staff_role(user) not in HALL_STAFF:
        return None
    profile = scope.staff_profile(user)
    return profile.hall_id if profile is not None else None


def can_operate(user: User | None, hall_id: int) -> bool:
    """Whether ``user`` may issue and move tickets of the hall: its clerks and managers, and
    administrators."""
    if user is None or not user.is_authenticated:
        return False
    if scope.staff_role(user) == Role.ADMINISTRATOR:
        return True
    return staff_hall(user) == hall_id


def can_manage(user: User | None, hall_id: int) -> bool:
    """Whether ``user`` manages the hall's devices and sees its statistics."""
    if user is None or not user.is_authenticated:
        return False
    role = scope.staff_role(user)
    return role == Role.ADMINISTRATOR or (role == Role.HALL_MANAGER and staff_hall(user) == hall_id)


def clerk_window(user: User) -> Window:
    """The window the clerk works at, with its group (the one ``call_next`` calls for)."""
    if scope.staff_role(user) != Role.CLERK:
        raise Forbidden("只有窗口受理员可以叫号", code="not_clerk")
    profile = scope.staff_profile(user)
    if profile is None or not profile.window_id:
        raise Conflict("您的账号尚未设置窗口，请联系大厅管理员", code="no_window")
    window = Window.objects.select_related("group", "hall").get(pk=profile.window_id)
    if window.group_id is None:
        raise Conflict(f"{window.code}号窗口不属于任何窗口分区，无法叫号", code="window_without_group")
    return window


def served_group_ids(window: Window) -> list[int]:
    """The groups ``window`` calls for: its own, then those it also serves (兼办) in its hall."""
    extra = window.also_serves.filter(hall_id=window.hall_id).exclude(pk=window.group_id).order_by("order", "letter")
    return [window.group_id, *extra.values_list("pk", flat=True)]


# --------------------------------------------------------------------------- priority


def age_from_id_number(id_number: str, today: datetime.date) -> int | None:
    """Whole years of age from a resident ID's birth date (GB 11643), or None when the number
    is not a valid one."""
    if not id_number or not is_valid_id_number(id_number):
        return None
    try:
        born = datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def priority_for(
    *,
    today: datetime.date,
    id_number: str = "",
    elderly: bool = False,
    disabled: bool = False,
    key_project: KeyProject | None = None,
    appointment: bool = False,
    applicant: Applicant | None = None,
) -> str:
    """The strongest priority class that applies (the one with the largest credit)."""
    reasons = []
    numbers = [id_number, applicant.id_number if applicant is not None else ""]
    age = next((a for a in (age_from_id_number(n, today) for n in numbers if n) if a is not None), None)
    if elderly or (age is not None and age >= workflow.elderly_age()):
        reasons.append(Priority.ELDERLY)
    if disabled:
        reasons.append(Priority.DISABLED)
    if key_project is not None:
        reasons.append(Priority.KEY_PROJECT)
    if applicant is not None and applicant.green_channel:
        reasons.append(Priority.GREEN_CHANNEL)
    if appointment:
        reasons.append(Priority.APPOINTMENT)
    if not reasons:
        return Priority.NONE
    return max(reasons, key=lambda reason: (workflow.credit(reason), -list(Priority.values).index(reason)))


def _key_project_of(applicant: Applicant | None, hall: Hall) -> KeyProject | None:
    if applicant is None:
        return None
    return KeyProject.objects.filter(company=applicant, status=KeyProject.Status.ACTIVE).first()


# --------------------------------------------------------------------------- issuing


def _next_seq(group: WindowGroup, day: datetime.date) -> int:
    """Take the next number of ``group`` on ``day`` (inside the caller's transaction): an
    ``UPDATE … SET last = last + 1`` on the day's counter row, which holds the row's lock until
    commit on PostgreSQL (SQLite's write transactions are serial), then its value."""
    counter = Counter.objects.filter(group=group, day=day)
    if not counter.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                Counter.objects.create(group=group, day=day, last=0)
        except IntegrityError:
            pass  # another kiosk made the day's row first: count on it like everyone else
        counter.update(last=F("last") + 1)
    return counter.values_list("last", flat=True).get()


def _group_of(hall: Hall, group: Any) -> WindowGroup:
    if isinstance(group, WindowGroup):
        found = group if group.hall_id == hall.pk else None
    else:
        text = str(group or "").strip()
        found = (
            WindowGroup.objects.filter(hall=hall, letter=text.upper()).first()
            if text.isalpha()
            else WindowGroup.objects.filter(hall=hall, pk=text).first()
            if text.isdigit()
            else None
        )
    if found is None:
        raise NotFound("本大厅没有这个窗口分区，请重新选择", code="group_not_found")
    return found


@transaction.atomic
def issue(
    *,
    hall: Hall,
    group: WindowGroup | str | int,
    source: str,
    actor: User | None = None,
    id_number: str = "",
    elderly: bool = False,
    disabled: bool = False,
    key_project: KeyProject | str | None = None,
    applicant: Applicant | None = None,
    appointment_code: str = "",
) -> tuple[Ticket, str]:
    """Give a number of ``group`` (A001, A002… from 1 each day): returns the ticket and its
    secret (the link to the ticket page; only its hash is kept). A clerk issuing for someone
    (``source=clerk``) must work in the hall."""
    if source not in Source.values:
        raise DomainError("未知的取号方式", code="invalid_source")
    if source == Source.CLERK and not can_operate(actor, hall.pk):
        raise Forbidden("只有本大厅的工作人员可以代取号", code="not_hall_staff")
    id_number = (id_number or "").strip().upper()
    if id_number and not is_valid_id_number(id_number):
        raise DomainError("身份证号码不正确，请核对后重新输入", code="invalid_id_number")
    found_group = _group_of(hall, group)
    if applicant is None and id_number:
        # the ID card read at the kiosk names a registered person: their green channel and
        # the SMS when their turn is near follow (nothing is shown of them at the kiosk)
        applicant = Applicant.objects.filter(kind=Applicant.Kind.NATURAL, id_number=id_number).first()
    project = None
    if isinstance(key_project, KeyProject):
        project = key_project
    elif key_project:
        project = KeyProject.objects.filter(code=str(key_project).strip(), status=KeyProject.Status.ACTIVE).first()
        if project is None:
            raise NotFound("未找到推进中的该重点项目，请核对项目代码", code="project_not_found")
    if project is None:
        project = _key_project_of(applicant, hall)
    now = _now()
    today = _today(now)
    priority = priority_for(
        today=today,
        id_number=id_number,
        elderly=bool(elderly),
        disabled=bool(disabled),
        key_project=project,
        appointment=bool(appointment_code),
        applicant=applicant,
    )
    seq = _next_seq(found_group, today)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    ticket = Ticket.objects.create(
        hall=hall,
        group=found_group,
        issued_group=found_group,
        day=today,
        seq=seq,
        number=f"{found_group.letter}{seq:03d}",
        secret_hash=_hash(secret),
        priority=priority,
        source=source,
        queue_key=now - workflow.credit(priority),
        issued_at=now,
        applicant=applicant,
        appointment_code=appointment_code[:32],
        key_project=project,
        issued_by=actor if actor is not None and actor.is_authenticated else None,
    )
    return ticket, secret


def issue_for_appointment(*, hall: Hall, code: str, source: str, actor: User | None = None) -> tuple[Ticket, str]:
    """Check in an appointment by its code (the appointments app decides whether it may be
    checked in now: today, this hall, within its check-in window) and give a priority ticket
    of the appointment's window group. A second scan of the same code while its ticket is
    still open gives no second ticket."""
    try:
        from govhall.appointments.services import appointment_check_in, normalise_code
    except ImportError as exc:  # the appointments app is not installed
        raise Conflict("预约签到暂不可用，请直接选择业务取号", code="appointments_unavailable") from exc
    code = normalise_code(code)
    if not code:
        raise DomainError("请输入预约签到码", code="appointment_code_missing")
    with transaction.atomic():
        appointment = appointment_check_in(hall=hall, code=code, actor=actor, now=_now())
        open_ticket = Ticket.objects.filter(
            hall=hall, day=appointment.date, appointment_code=code, state__in=workflow.OPEN
        ).first()
        if open_ticket is not None:
            raise Conflict(
                f"该预约已签到取号（{open_ticket.number}号），请留意叫号屏",
                code="appointment_already_queued",
                detail={"number": open_ticket.number},
            )
        return issue(
            hall=hall,
            group=appointment.window_group,
            source=Source.APPOINTMENT if source == Source.KIOSK else source,
            actor=actor,
            applicant=appointment.applicant,
            appointment_code=code,
        )


def door_issue_allowed(address: str) -> bool:
    """A phone at the door takes at most DOOR_TICKETS_PER_HOUR tickets an hour per address."""
    key = f"queues:door:{address}:{_now():%Y%m%d%H}"
    cache.add(key, 0, 3700)
    try:
        count = cache.incr(key)
    except ValueError:
        count = 1
    return count <= workflow.DOOR_TICKETS_PER_HOUR


# --------------------------------------------------------------------------- calling


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("hall", "group").get(pk=ticket.pk)


def _check(ticket: Ticket, action: str) -> None:
    allowed, _ = workflow.TRANSITIONS[action]
    if ticket.state not in allowed:
        raise Conflict(
            f"{ticket.number}号当前{ticket.get_state_display()}，不能{workflow.ACTION_LABELS[action]}",
            code="invalid_state",
            detail={"state": ticket.state, "action": action},
        )


def call_next(*, actor: User) -> Ticket | None:
    """Call the next waiting ticket of the clerk's window group to the clerk's window (None:
    nobody is waiting). A window holds one ticket at a time: finish, park or mark missed the
    current one first."""
    window = clerk_window(actor)
    with transaction.atomic():
        Window.objects.select_for_update().filter(pk=window.pk).first()  # one call per window at a time
        current = Ticket.objects.filter(window=window, state__in=workflow.ACTIVE).first()
        if current is not None:
            raise Conflict(
                f"窗口当前号{current.number}尚未办结，请先办结、挂起或过号",
                code="window_busy",
                detail={"ticket": current.pk, "number": current.number},
            )
        now = _now()
        # its own group's and those it also serves (兼办): the earliest of all in queue order
        waiting = Ticket.objects.filter(
            group_id__in=served_group_ids(window), day=_today(now), state=State.WAITING
        ).order_by("queue_key", "id")
        changes = {"state": State.CALLED, "window": window, "clerk": actor, "called_at": now, "call_count": 1}
        if connection.features.has_select_for_update_skip_locked:
            ticket = waiting.select_for_update(skip_locked=True).first()
            if ticket is None:
                return None
            for field, value in changes.items():
                setattr(ticket, field, value)
            _first_call(ticket, now)
            ticket.save()
            _remind_after_commit(ticket.group_id, ticket.day, now)
            return ticket
        while True:
            pk = waiting.values_list("pk", flat=True).first()
            if pk is None:
                return None
            if Ticket.objects.filter(pk=pk, state=State.WAITING).update(**changes):
                ticket = Ticket.objects.select_related("hall", "group", "window").get(pk=pk)
                if _first_call(ticket, now):
                    ticket.save(update_fields=["first_called_at", "wait_seconds"])
                _remind_after_commit(ticket.group_id, ticket.day, now)
                return ticket


def _remind_after_commit(group_id: int, day: datetime.date, now: datetime.datetime) -> None:
    # after the call commits, in its own statement: inside the call it would lock a second
    # ticket while another window's call holds that one and waits for ours (a deadlock)
    transaction.on_commit(lambda: _remind_near(group_id, day, now))


def _remind_near(group_id: int, day: datetime.date, now: datetime.datetime) -> None:
    """叫号提醒: the applicant whose ticket a call has brought ``workflow.remind_ahead()``
    places from the front gets one SMS (and an in-site message when they have an account).
    Only tickets with a known applicant and phone; once per ticket, even with two windows
    calling at once (a conditional UPDATE claims it)."""
    place = workflow.remind_ahead()
    if place <= 0:
        return
    waiting = Ticket.objects.filter(group_id=group_id, day=day, state=State.WAITING).order_by("queue_key", "id")
    ticket = waiting.select_related("applicant", "hall", "group")[place - 1 : place].first()
    if ticket is None or ticket.reminded_at is not None or ticket.applicant is None or not ticket.applicant.phone:
        return
    if not Ticket.objects.filter(pk=ticket.pk, reminded_at__isnull=True).update(reminded_at=now):
        return
    ahead = f"前面还有{place - 1}人" if place > 1 else "下一位就是您"
    notification_send(
        event="queues.turn_near",
        text=f"【{ticket.hall.name}】您的{ticket.number}号{ahead}，请到{ticket.group.letter}区（{ticket.group.name}）等候叫号。",
        phone=ticket.applicant.phone,
        user_ids=[ticket.applicant.user_id] if ticket.applicant.user_id else [],
    )


def _first_call(ticket: Ticket, now: datetime.datetime) -> bool:
    if ticket.first_called_at is not None:
        return False
    ticket.first_called_at = now
    ticket.wait_seconds = max(0, int((now - ticket.issued_at).total_seconds()))
    return True


def _may_act(actor: User, ticket: Ticket, action: str) -> None:
    if not can_operate(actor, ticket.hall_id):
        raise NotFound("未找到该排队号", code="ticket_not_found")
    # a clerk moves a ticket at someone else's window only through the hall manager
    if (
        ticket.state in workflow.ACTIVE
        and scope.staff_role(actor) == Role.CLERK
        and ticket.clerk_id != actor.pk
        and action != "transfer"
    ):
        raise Forbidden(f"{ticket.number}号正在其他窗口办理", code="other_window")


@transaction.atomic
def act(*, actor: User, ticket: Ticket, action: str, group: Any = None) -> Ticket:
    """One state change of the table (``workflow.TRANSITIONS``) other than calling."""
    if action not in workflow.TRANSITIONS or action == "call":
        raise DomainError(f"未知的操作：{action}", code="unknown_action", detail={"allowed": ACTIONS})
    ticket = _locked(ticket)
    _may_act(actor, ticket, action)
    _check(ticket, action)
    now = _now()
    limit = workflow.max_calls()
    if action == "recall":
        if ticket.call_count >= limit:
            raise Conflict(f"{ticket.number}号已呼叫{limit}次，请按过号处理", code="max_calls_reached")
        ticket.call_count += 1
        ticket.called_at = now
    elif action == "miss":
        if ticket.call_count < limit:
            raise Conflict(
                f"{ticket.number}号只呼叫了{ticket.call_count}次，呼叫{limit}次未到才能过号",
                code="not_called_enough",
                detail={"calls": ticket.call_count, "required": limit},
            )
        ticket.state, ticket.window, ticket.ended_at = State.MISSED, None, now
    elif action == "start":
        ticket.state, ticket.started_at = State.SERVING, now
    elif action == "park":
        ticket.state, ticket.window = State.PARKED, None
    elif action == "resume":
        # back where it was: a parked ticket keeps its place in the queue
        ticket.state, ticket.call_count = State.WAITING, 0
    elif action == "requeue":
        if ticket.day != _today(now):
            raise Conflict("只能重排当天的过号", code="not_today")
        # to the end of the queue: the applicant missed their turn
        ticket.state, ticket.call_count, ticket.queue_key, ticket.ended_at = State.WAITING, 0, now, None
    elif action == "transfer":
        target = _group_of(ticket.hall, group)
        if target.pk == ticket.group_id:
            raise Conflict("已在该窗口分区排队", code="same_group")
        # keeps its number and its place: the hall routed it, the applicant has waited already
        ticket.group, ticket.state, ticket.window, ticket.call_count = target, State.WAITING, None, 0
    elif action == "finish":
        ticket.state, ticket.ended_at, ticket.window = State.FINISHED, now, None
        ticket.service_seconds = max(0, int((now - (ticket.started_at or now)).total_seconds()))
    elif action == "cancel":
        ticket.state, ticket.ended_at, ticket.window = State.CANCELLED, now, None
    ticket.save()
    return ticket


ACTIONS = [a for a in workflow.TRANSITIONS if a != "call"]


def close_days(*, today: datetime.date | None = None) -> int:
    """闭厅清号: every ticket still open (waiting, called, serving or parked) on a day before
    ``today`` becomes ``expired``, and its window is free again. Every page and call looks at
    today only, so yesterday's open tickets would otherwise sit in the statistics as neither
    served nor missed, and keep a window marked busy. One UPDATE whatever the number; run
    twice, the second finds nothing. Returns how many tickets it closed."""
    today = today or _today(_now())
    return Ticket.objects.filter(day__lt=today, state__in=workflow.OPEN).update(
        state=State.EXPIRED, window=None, ended_at=_now()
    )


@transaction.atomic
def cancel_own(*, ticket: Ticket) -> Ticket:
    """The applicant gives up their ticket (from the ticket page, by its secret)."""
    ticket = _locked(ticket)
    _check(ticket, "cancel")
    ticket.state, ticket.ended_at, ticket.window = State.CANCELLED, _now(), None
    ticket.save()
    return ticket


def ticket_for_secret(secret: str | None) -> Ticket | None:
    if not secret or not isinstance(secret, str) or len(secret) > 100:
        return None
    return Ticket.objects.select_related("group", "hall", "window").filter(secret_hash=_hash(secret)).first()


def current_ticket(user: User) -> Ticket | None:
    """The ticket at the clerk's window (called or being served), if any."""
    profile = scope.staff_profile(user)
    if profile is None or not profile.window_id:
        return None
    return (
        Ticket.objects.select_related("group", "applicant")
        .filter(window_id=profile.window_id, state__in=workflow.ACTIVE)
        .first()
    )


# --------------------------------------------------------------------------- cases and evaluation


@transaction.atomic
def link_case(*, actor: User, case: Case, ticket: Ticket | None = None) -> TicketCase:
    """Record that the ticket being served at the clerk's window led to ``case`` (一窗受理)."""
    ticket = ticket or current_ticket(actor)
    if ticket is None:
        raise Conflict("您的窗口当前没有正在办理的排队号", code="no_current_ticket")
    ticket = _locked(ticket)
    _may_act(actor, ticket, "start")
    if ticket.state != State.SERVING:
        raise Conflict(f"{ticket.number}号尚未开始办理", code="invalid_state", detail={"state": ticket.state})
    if not case_selectors.can_see(actor, case):
        raise NotFound("未找到该办件", code="case_not_found")
    if case.hall_id is not None and case.hall_id != ticket.hall_id:
        raise Conflict("该办件不是本大厅受理的办件", code="case_of_other_hall")
    link, _ = TicketCase.objects.get_or_create(ticket=ticket, case=case, defaults={"linked_by": actor})
    return link


def request_evaluation(*, actor: User, ticket: Ticket, case: Case | None = None):
    """Put the case served on this ticket (the last linked one unless given) on the window's
    evaluator screen (好差评, the evaluations app's ``screen_request``)."""
    from govhall.evaluations.services import screen_request

    links = TicketCase.objects.filter(ticket=ticket).select_related("case").order_by("-linked_at", "-id")
    if case is None:
        link = links.first()
        if link is None:
            raise Conflict(f"{ticket.number}号还没有关联办件，无法发起评价", code="no_case_linked")
        case = link.case
    elif not links.filter(case=case).exists():
        raise Conflict("该办件不是这个排队号办理的", code="case_not_linked")
    return screen_request(actor=actor, case=case)


# --------------------------------------------------------------------------- devices


@transaction.atomic
def device_pair(*, actor: User, hall: Hall, kind: str, name: str = "") -> tuple[Device, str]:
    """A new kiosk, screen or door code for ``hall``: returns it and its secret (shown once)."""
    if not can_manage(actor, hall.pk):
        raise Forbidden("只有本大厅的管理员可以配置取号机和叫号屏", code="not_hall_manager")
    if kind not in Device.Kind.values:
        raise DomainError("未知的设备类型", code="invalid_kind")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    label = dict(Device.Kind.choices)[kind]
    device = Device.objects.create(
        hall=hall, kind=kind, name=(name or "").strip()[:50] or label, secret_hash=_hash(secret), created_by=actor
    )
    return device, secret


@transaction.atomic
def device_revoke(*, actor: User, device: Device) -> Device:
    if not can_manage(actor, device.hall_id):
        raise Forbidden("只有本大厅的管理员可以停用设备", code="not_hall_manager")
    if device.revoked_at is None:
        device.revoked_at = _now()
        device.save(update_fields=["revoked_at"])
    return device


def device_for_secret(secret: str | None, kind: str | None = None) -> Device | None:
    """The live device a secret pairs (of ``kind`` when given), or None."""
    if not secret or not isinstance(secret, str) or len(secret) > 100:
        return None
    found = Device.objects.select_related("hall").filter(secret_hash=_hash(secret), revoked_at__isnull=True)
    if kind is not None:
        found = found.filter(kind=kind)
    return found.first()


def device_seen(device: Device) -> None:
    """Note the device is alive (at most once a minute: the screen polls every few seconds)."""
    now = _now()
    if device.last_seen_at is None or now - device.last_seen_at > datetime.timedelta(minutes=1):
        Device.objects.filter(pk=device.pk).update(last_seen_at=now)
