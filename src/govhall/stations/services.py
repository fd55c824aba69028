"""Every change of stations, hall locations, assisted-service requests and key projects.
Pages, the API, the admin's actions and the demo call these; nothing else writes this
app's models (the admin edits a station's own settings, checked by the models).

帮办代办 stands on the shared mechanisms: the 委托书 is ``accounts.Authorisation`` (asked,
confirmed, signed and revoked by ``accounts.services.authorisations``, wrapped here so the
request's history says so), cases are filed by ``cases.services`` (which refuses an
assistant without a live authorisation: 403 ``no_authorisation``, and records "assistant X
for applicant Y" in the case's timeline) and the link is noted in the case's timeline with
``cases.services.case_note``.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Authorisation, Hall, User
from govhall.accounts.roles import Role
from govhall.accounts.services import authorisations as mandates
from govhall.cases import selectors as case_selectors
from govhall.cases import services as case_services
from govhall.cases.events import register_kind
from govhall.cases.models import Case, Channel
from govhall.catalog.models import Region
from govhall.catalog.selectors import published_version
from govhall.core.errors import Conflict, DomainError, Forbidden, NotFound
from govhall.core.masking import mask_name
from govhall.stations import selectors, workflow
from govhall.stations.geo import Position
from govhall.stations.hours import Schedule
from govhall.stations.models import (
    AssistCase,
    AssistEvent,
    AssistRequest,
    AssistStatus,
    Equipment,
    HallLocation,
    KeyProject,
    ProjectCase,
    Station,
    StationAssistant,
    StationItem,
)

logger = logging.getLogger(__name__)

# What this app records in a case's timeline (decision 0007).
ASSIST_LINKED = register_kind("stations.assist_linked", "纳入帮办代办申请")
PROJECT_LINKED = register_kind("stations.project_linked", "纳入重点项目")

MAX_ITEMS = 20
MAX_DESCRIPTION = 1000
# Staff who may register a request at a station for a walk-in applicant.
STATION_STAFF = (Role.ASSISTANT, Role.CLERK, Role.HALL_MANAGER, Role.ADMINISTRATOR)


# --------------------------------------------------------------------------- stations and halls


def _schedule(hours: str | Schedule | list) -> Schedule:
    try:
        if isinstance(hours, Schedule):
            return hours
        if isinstance(hours, str):
            return Schedule.parse(hours)
        return Schedule.from_json(hours)
    except ValueError as exc:
        raise DomainError(f"开放时间有误：{exc}", code="invalid_hours", detail={"field": "hours"}) from None


def _position(latitude: float, longitude: float) -> tuple[float, float]:
    from govhall.stations import geo

    try:
        geo.check(float(latitude), float(longitude))
    except (TypeError, ValueError):
        raise DomainError("坐标应为 WGS-84 经纬度", code="invalid_position", detail={"field": "latitude"}) from None
    return float(latitude), float(longitude)


@transaction.atomic
def station_configure(
    *,
    code: str,
    name: str,
    kind: str,
    region: Region,
    hall: Hall,
    address: str,
    latitude: float,
    longitude: float,
    hours: str | Schedule | list,
    closed_on_holidays: bool = True,
    phone: str = "",
    description: str = "",
    item_codes: Iterable[str] = (),
    equipment: Iterable[tuple[str, str, str]] = (),
    assistants: Iterable[User] = (),
) -> Station:
    """Create or update a station with its items, equipment ((kind, name, locker site
    code)) and assistants (users with the assistant role), all or nothing. Items without a
    published version are refused; assistants not named are taken off (their history stays)."""
    latitude, longitude = _position(latitude, longitude)
    schedule = _schedule(hours)
    codes = list(dict.fromkeys(c.strip() for c in item_codes if c.strip()))
    unknown = [c for c in codes if published_version(c) is None]
    if unknown:
        raise DomainError(
            "以下事项不存在或未发布：" + "、".join(unknown), code="item_not_found", detail={"item_codes": unknown}
        )
    people = list(assistants)
    wrong = [u.username for u in people if scope.staff_role(u) != Role.ASSISTANT]
    if wrong:
        raise DomainError(
            "驿站人员应为帮办代办员：" + "、".join(wrong), code="not_an_assistant", detail={"users": wrong}
        )
    station, _ = Station.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "kind": kind,
            "region": region,
            "hall": hall,
            "address": address,
            "latitude": latitude,
            "longitude": longitude,
            "hours": schedule.to_json(),
            "closed_on_holidays": closed_on_holidays,
            "phone": phone,
            "description": description,
            "is_active": True,
        },
    )
    station.full_clean()
    StationItem.objects.filter(station=station).exclude(item_code__in=codes).delete()
    for item_code in codes:
        StationItem.objects.get_or_create(station=station, item_code=item_code)
    station.equipment.all().delete()
    for kind_, label, locker_site in equipment:
        Equipment.objects.create(station=station, kind=kind_, name=label, locker_site=locker_site)
    StationAssistant.objects.filter(station=station).exclude(user__in=people).update(is_active=False)
    for user in people:
        StationAssistant.objects.update_or_create(station=station, user=user, defaults={"is_active": True})
    return station


@transaction.atomic
def hall_locate(
    *, hall: Hall, latitude: float, longitude: float, hours: str | Schedule | list, closed_on_holidays: bool = True
) -> HallLocation:
    """Where a hall stands and when it opens (for the finder)."""
    latitude, longitude = _position(latitude, longitude)
    location, _ = HallLocation.objects.update_or_create(
        hall=hall,
        defaults={
            "latitude": latitude,
            "longitude": longitude,
            "hours": _schedule(hours).to_json(),
            "closed_on_holidays": closed_on_holidays,
        },
    )
    return location


# --------------------------------------------------------------------------- the finder's address search

# Lookups an address may ask of an outside geocoder per hour (the shipped gazetteer,
# which asks nobody, is never limited): the finder is public.
GEOCODES_PER_HOUR = 60


def address_locate(*, address: str, source: str = "") -> tuple[Position | None, str]:
    """An address's position from the configured geocoder, and a note for the visitor.
    When an outside service fails, or ``source`` (the client's address) used up its
    lookups this hour, the shipped gazetteer answers instead and the note says so; nothing
    found is (None, why)."""
    from govhall.core import limits
    from govhall.stations.geocoding import GazetteerGeocoder, GeocoderUnavailable, get_geocoder

    address = (address or "").strip()[:200]
    if not address:
        return None, "请输入地址"
    note = ""
    geocoder = get_geocoder()
    if not isinstance(geocoder, GazetteerGeocoder) and source:
        if limits.hit(limits.key_for("stations.geocode", source), 3600) > GEOCODES_PER_HOUR:
            geocoder, note = GazetteerGeocoder(), "查询过于频繁，已按本地地名库查找。"
    try:
        found = geocoder.locate(address)
    except GeocoderUnavailable as exc:
        logger.warning("geocoder unavailable: %s", exc)
        note = "地址解析服务暂时无法使用，已按本地地名库查找。"
        found = GazetteerGeocoder().locate(address)
    if found is None:
        return None, note + "未能识别该地址，请输入街道、社区或地标名称（如“西大街”“西华门社区”），或使用当前位置。"
    return found, note


# --------------------------------------------------------------------------- requests: history


def _name(user: User | None, by: str = "") -> str:
    return (user.display_name or user.username) if user else (by or "系统")


def _record(
    request: AssistRequest,
    *,
    actor: User | None,
    action: str,
    role: str = "",
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    data: dict | None = None,
    by: str = "",
) -> AssistEvent:
    """Append to the request's history (the caller holds its row lock)."""
    last = AssistEvent.objects.filter(request=request).order_by("-seq").values_list("seq", flat=True).first() or 0
    return AssistEvent.objects.create(
        request=request,
        seq=last + 1,
        action=action,
        actor=actor,
        actor_name=_name(actor, by),
        actor_role=role,
        from_status=from_status,
        to_status=to_status,
        comment=comment[:2000],
        data=data or {},
        created_at=timezone.now(),
    )


def _locked(request: AssistRequest | str) -> AssistRequest:
    number = request if isinstance(request, str) else request.number
    found = (
        # of=self: PostgreSQL cannot lock the nullable side of an outer join (station, authorisation)
        AssistRequest.objects.select_for_update(of=("self",))
        .select_related("applicant", "station", "assistant", "hall", "authorisation")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise NotFound("未找到该帮办代办申请", code="assist_request_not_found")
    return found


def _applicant_side_users(applicant: Applicant) -> set[int]:
    users = set(scope.operator_user_ids(applicant))
    if applicant.user_id:
        users.add(applicant.user_id)
    return users


def _tell_applicant(request: AssistRequest, text: str, event: str) -> None:
    from govhall.notify.services import notification_send

    users = _applicant_side_users(request.applicant)
    if users:
        notification_send(event=event, text=text, user_ids=users)


def _tell_assistant(user: User, text: str, event: str) -> None:
    from govhall.notify.services import notification_send

    notification_send(event=event, text=text, users=[user])


def _new_number() -> str:
    """BB + the date + 6 random digits: readable on the phone, not enumerable."""
    return f"BB{timezone.localdate():%Y%m%d}{secrets.randbelow(10**6):06d}"


def _checked_items(item_codes: Iterable[str], station: Station | None) -> list[str]:
    codes = list(dict.fromkeys(c.strip() for c in item_codes if c and c.strip()))
    if len(codes) > MAX_ITEMS:
        raise DomainError(f"一次最多选择{MAX_ITEMS}项事项", code="too_many_items", detail={"field": "item_codes"})
    unknown = [c for c in codes if published_version(c) is None]
    if unknown:
        raise DomainError(
            "以下事项不存在或未发布：" + "、".join(unknown), code="item_not_found", detail={"item_codes": unknown}
        )
    if station is not None:
        taken = {i.item_code for i in station.items.all()}
        elsewhere = [c for c in codes if c not in taken]
        if elsewhere:
            raise DomainError(
                f"{station.name}不受理所选的部分事项，请改选其他驿站或不指定驿站",
                code="item_not_at_station",
                detail={"item_codes": elsewhere},
            )
    return codes


# --------------------------------------------------------------------------- requests: create and move


@transaction.atomic
def assist_request_create(
    *,
    actor: User,
    applicant: Applicant,
    description: str,
    item_codes: Iterable[str] = (),
    mode: str = AssistRequest.Mode.ACT,
    station: Station | None = None,
    contact_phone: str = "",
) -> AssistRequest:
    """An applicant (or a company's operator) asks online; or station staff register a
    walk-in applicant's request at their station, and the assistant who registers it serves
    it. An online request naming a station goes to the assistant of that station with the
    fewest open requests; one without a station waits for the hall manager."""
    from govhall.accounts.services import clean_mobile

    description = (description or "").strip()
    if not description:
        raise DomainError("请说明需要帮助办理的事情", code="missing_field", detail={"field": "description"})
    if mode not in AssistRequest.Mode.values:
        raise DomainError("服务方式应为帮办或代办", code="invalid_field", detail={"field": "mode"})
    role = scope.staff_role(actor)
    if scope.acts_for(actor, applicant):
        channel = AssistRequest.Channel.ONLINE
    elif role in STATION_STAFF:
        channel = AssistRequest.Channel.STATION
        if station is None:
            raise DomainError("请选择受理的驿站", code="missing_field", detail={"field": "station"})
        if role == Role.ASSISTANT and station.pk not in {s.pk for s in selectors.stations_of_assistant(actor)}:
            raise Forbidden("您不在该驿站工作，不能在此登记", code="not_at_station")
    else:
        raise NotFound("未找到该申请人", code="applicant_not_found")
    if station is not None and not station.is_active:
        raise DomainError("该驿站已停用", code="station_inactive", detail={"field": "station"})
    codes = _checked_items(item_codes, station)
    phone = clean_mobile(contact_phone) if contact_phone.strip() else applicant.phone
    hall = station.hall if station else _hall_for(codes)
    if hall is None:
        raise DomainError("本地区尚未设立政务服务大厅，暂不能受理帮办代办", code="no_hall")
    for _ in range(8):
        try:
            with transaction.atomic():
                request = AssistRequest.objects.create(
                    number=_new_number(),
                    applicant=applicant,
                    mode=mode,
                    channel=channel,
                    station=station,
                    hall=hall,
                    item_codes=codes,
                    description=description[:MAX_DESCRIPTION],
                    contact_phone=phone,
                    created_by=actor,
                )
            break
        except IntegrityError:
            continue
    else:
        raise DomainError("无法生成帮办编号，请重试", code="number_exhausted", status=503)
    acting = scope.APPLICANT if channel == AssistRequest.Channel.ONLINE else role
    _record(request, actor=actor, action="create", role=acting, to_status=AssistStatus.NEW, comment=description[:200])
    if channel == AssistRequest.Channel.STATION and role == Role.ASSISTANT:
        _assign(request, actor=actor, assistant=actor, role=role, how="walk_in", comment="驿站现场登记，由登记人接办")
    elif station is not None:
        chosen = selectors.pick_by_workload(selectors.candidates_for(request))
        if chosen is not None:
            _assign(request, actor=None, assistant=chosen, role=workflow.SYSTEM, how="workload", by="系统按工作量分派")
    if channel == AssistRequest.Channel.ONLINE:
        _tell_applicant(
            request,
            f"已收到您的帮办代办申请（编号{request.number}）"
            + ("，已分派帮办代办员，请留意联系。" if request.assistant_id else "，大厅将尽快安排帮办代办员。"),
            "stations.assist_received",
        )
    return request


@transaction.atomic
def assist_walk_in(
    *,
    actor: User,
    station: Station,
    kind: str,
    code: str,
    name: str = "",
    phone: str = "",
    legal_representative: str = "",
    description: str,
    item_codes: Iterable[str] = (),
    mode: str = AssistRequest.Mode.ACT,
) -> AssistRequest:
    """驿站现场登记: station staff find the applicant by resident ID or credit code (or
    register them, with name and mobile number) and record their request at the station,
    all or nothing. An assistant who registers it serves it."""
    from govhall.accounts.services import applicant_find_or_register

    if scope.staff_role(actor) not in STATION_STAFF:
        raise Forbidden("只有驿站或大厅工作人员可以现场登记", code="role_not_allowed")
    natural = kind == Applicant.Kind.NATURAL
    applicant, _ = applicant_find_or_register(
        kind=kind,
        actor=actor,
        name=name,
        id_number=code if natural else "",
        uscc="" if natural else code,
        phone=phone,
        legal_representative=legal_representative,
    )
    return assist_request_create(
        actor=actor,
        applicant=applicant,
        description=description,
        item_codes=item_codes,
        mode=mode,
        station=station,
        contact_phone=phone,
    )


def _hall_for(codes: list[str]) -> Hall | None:
    """The hall that answers for an online request without a station: the hall of the
    region of its first item's department (as for an online case), else the first hall."""
    from govhall.catalog.selectors import item_version

    for code in codes:
        found = published_version(code)
        if found is not None:
            hall = case_selectors.region_hall(item_version(*found).department.region_id)
            if hall is not None:
                return hall
    return Hall.objects.order_by("id").first()


def _assign(
    request: AssistRequest,
    *,
    actor: User | None,
    assistant: User,
    role: str,
    how: str,
    comment: str = "",
    by: str = "",
    action: str = "assign",
) -> None:
    before = request.status
    previous = request.assistant
    request.assistant = assistant
    request.status = AssistStatus.ASSIGNED
    request.assigned_at = timezone.now()
    request.started_at = None
    request.version += 1
    request.save(update_fields=["assistant", "status", "assigned_at", "started_at", "version"])
    _record(
        request,
        actor=actor,
        action=action,
        role=role,
        from_status=before,
        to_status=request.status,
        comment=comment,
        data={"assistant": _name(assistant), "assistant_id": assistant.pk, "how": how},
        by=by,
    )
    who = (
        mask_name(request.applicant.name)
        if request.applicant.kind == Applicant.Kind.NATURAL
        else request.applicant.name
    )
    _tell_assistant(assistant, f"新的帮办代办任务：{request.number}（{who}）", "stations.assist_assigned")
    if previous is not None and previous.pk != assistant.pk:
        _tell_assistant(previous, f"帮办代办任务 {request.number} 已改由他人办理", "stations.assist_reassigned")
    contact = request.station.phone if request.station and request.station.phone else request.hall.phone
    _tell_applicant(
        request,
        f"您的帮办代办申请（{request.number}）已由帮办代办员{_name(assistant)}办理"
        + (f"，咨询电话{contact}" if contact else "")
        + "。",
        "stations.assist_assigned",
    )


@transaction.atomic
def assist_transition(
    *,
    request: AssistRequest | str,
    actor: User | None,
    action: str,
    comment: str = "",
    assistant: User | None = None,
    expected_version: int | None = None,
    by: str = "",
) -> AssistRequest:
    """Move ``request`` by ``action`` (``workflow.ROWS``): checks the row, the actor's role
    on the request and the parameters, records the step in its history and tells the
    people concerned. ``actor=None`` is the system (assignment by workload).

    Raises NotFound (the actor may not see it), ``unknown_action``, Conflict
    ``action_not_allowed``, Forbidden ``role_not_allowed``, Conflict ``stale_version``,
    ``missing_field`` (an assistant, a comment), ``not_an_assistant`` or Conflict
    ``no_assistant_available``."""
    row = workflow.known(action)
    request = _locked(request)
    if actor is None:
        roles = {workflow.SYSTEM}
    elif not scope.can_see(actor, request, selectors.ASSIST_SCOPE):
        raise NotFound("未找到该帮办代办申请", code="assist_request_not_found")
    else:
        roles = selectors.request_roles(actor, request)
    refused = workflow.refusal(request.status, roles, action)
    if refused is not None:
        raise refused
    if expected_version is not None and expected_version != request.version:
        raise Conflict("申请已被他人更新，请刷新后重试", code="stale_version", detail={"version": request.version})
    role = workflow.acting_role(roles, row)
    comment = (comment or "").strip()[:2000]
    if row.comment and role in row.comment_from and not comment:
        raise DomainError(f"请填写{row.comment}", code="missing_field", detail={"field": "comment"})
    if action == "assign":
        if assistant is None:
            raise DomainError("请选择帮办代办员", code="missing_field", detail={"field": "assistant"})
        if scope.staff_role(assistant) != Role.ASSISTANT or not assistant.is_active:
            raise DomainError("只能分派给帮办代办员", code="not_an_assistant", detail={"field": "assistant"})
        _assign(request, actor=actor, assistant=assistant, role=role, how="manager", comment=comment, by=by)
        return request
    if action == "auto_assign":
        chosen = selectors.pick_by_workload(selectors.candidates_for(request))
        if chosen is None:
            raise Conflict("没有可分派的帮办代办员，请手动分派", code="no_assistant_available")
        _assign(
            request, actor=actor, assistant=chosen, role=role, how="workload", comment=comment, by=by, action=action
        )
        return request
    before = request.status
    request.status = row.target
    request.version += 1
    now = timezone.now()
    fields = ["status", "version"]
    if action == "start":
        request.started_at = now
        fields.append("started_at")
    if row.target in workflow.CLOSED:
        request.closed_at = now
        fields.append("closed_at")
    if action == "finish":
        request.result = comment
        fields.append("result")
    request.save(update_fields=fields)
    _record(
        request,
        actor=actor,
        action=action,
        role=role,
        from_status=before,
        to_status=request.status,
        comment=comment,
        by=by,
    )
    if action == "finish":
        _tell_applicant(request, f"您的帮办代办申请（{request.number}）已办结：{comment[:100]}", "stations.assist_done")
    elif action == "cancel":
        _end_authorisation(request, actor)
        if role != scope.APPLICANT:
            _tell_applicant(
                request, f"您的帮办代办申请（{request.number}）已取消：{comment[:100]}", "stations.assist_cancelled"
            )
        if request.assistant is not None and request.assistant_id != getattr(actor, "pk", None):
            _tell_assistant(request.assistant, f"帮办代办任务 {request.number} 已取消", "stations.assist_cancelled")
    return request


def _end_authorisation(request: AssistRequest, actor: User | None) -> None:
    """A cancelled request takes its 委托书 with it, unless another open request of the
    same applicant and assistant still rests on it."""
    authorisation = request.authorisation
    if authorisation is None or authorisation.revoked_at is not None or actor is None:
        return
    others = (
        AssistRequest.objects.filter(authorisation=authorisation, status__in=workflow.OPEN)
        .exclude(pk=request.pk)
        .exists()
    )
    if others:
        return
    try:
        mandates.authorisation_revoke(actor=actor, authorisation_id=authorisation.pk)
    except DomainError:  # an actor who may not revoke it (cannot happen for the request's roles)
        logger.warning("authorisation %s of request %s left in force", authorisation.pk, request.number)
        return
    _record(request, actor=actor, action="authorisation_revoked", comment="申请取消，委托书随之撤销")


# --------------------------------------------------------------------------- 委托书 for a request


def _assignee(request: AssistRequest, actor: User) -> None:
    if request.assistant_id != actor.pk:
        raise Forbidden("只有该申请的帮办代办员可以办理此项", code="not_assignee")
    if request.status not in (AssistStatus.ASSIGNED, AssistStatus.IN_PROGRESS):
        raise Conflict(f"帮办代办申请{request.get_status_display()}，不能再办理", code="action_not_allowed")


@transaction.atomic
def assist_authorisation_request(
    *,
    request: AssistRequest | str,
    actor: User,
    valid_until: datetime.date,
    item_codes: Iterable[str] | None = None,
    note: str = "",
) -> Authorisation:
    """The request's assistant asks the applicant for a 委托书 (by default for the request's
    items, until ``valid_until``): the applicant confirms it online, or another member of
    the station's staff witnesses the signature. Starts the request if it was only assigned."""
    request = _locked(request)
    if not scope.can_see(actor, request, selectors.ASSIST_SCOPE):
        raise NotFound("未找到该帮办代办申请", code="assist_request_not_found")
    _assignee(request, actor)
    codes = list(item_codes) if item_codes is not None else list(request.item_codes or [])
    authorisation = mandates.authorisation_request(
        actor=actor,
        assistant=actor,
        applicant=request.applicant,
        item_codes=codes,
        valid_until=valid_until,
        note=(note or request.description)[:500],
    )
    request.authorisation = authorisation
    request.save(update_fields=["authorisation"])
    _record(
        request,
        actor=actor,
        action="authorisation_requested",
        role=workflow.ASSIGNEE,
        comment=f"委托期限至{valid_until:%Y-%m-%d}",
        data={"authorisation_id": authorisation.pk, "item_codes": authorisation.item_codes},
    )
    if request.status == AssistStatus.ASSIGNED:
        assist_transition(request=request, actor=actor, action="start")
    return authorisation


def _note_requests(authorisation: Authorisation, actor: User, action: str, comment: str) -> None:
    for request in AssistRequest.objects.select_for_update().filter(authorisation=authorisation):
        _record(request, actor=actor, action=action, comment=comment, data={"authorisation_id": authorisation.pk})


@transaction.atomic
def authorisation_confirm(*, actor: User, authorisation_id: int) -> Authorisation:
    """The applicant (or a company's operator) confirms a 委托书 online. Anyone else is told
    it does not exist, whatever its state (NotFound before ``authorisation_confirmed``)."""
    selectors.authorisation_given(actor, authorisation_id)
    authorisation = mandates.authorisation_confirm(actor=actor, authorisation_id=authorisation_id)
    _note_requests(authorisation, actor, "authorisation_confirmed", "申请人已网上确认委托书")
    _tell_assistant(
        authorisation.assistant,
        f"{authorisation.applicant.name}已确认帮办代办委托（至{authorisation.valid_until:%Y-%m-%d}），可以代为申报。",
        "stations.authorisation_live",
    )
    return authorisation


@transaction.atomic
def authorisation_sign(*, actor: User, authorisation_id: int) -> Authorisation:
    """Station staff other than the assistant record that the applicant signed the 委托书
    in person: a colleague at one of the assistant's stations, a clerk or hall manager of
    the station's hall, or an administrator (``selectors.witnessable``)."""
    if not selectors.witnessable(actor).filter(pk=authorisation_id).exists():
        if Authorisation.objects.filter(pk=authorisation_id, assistant=actor).exists():
            raise Forbidden("委托书应由受托人以外的工作人员见证签署", code="role_not_allowed")
        raise NotFound("未找到该委托", code="authorisation_not_found")
    authorisation = mandates.authorisation_sign(actor=actor, authorisation_id=authorisation_id)
    _note_requests(authorisation, actor, "authorisation_signed", f"委托书已在驿站签署，由{_name(actor)}见证")
    _tell_assistant(
        authorisation.assistant,
        f"{authorisation.applicant.name}的帮办代办委托已签署生效（至{authorisation.valid_until:%Y-%m-%d}）。",
        "stations.authorisation_live",
    )
    return authorisation


@transaction.atomic
def authorisation_revoke(*, actor: User, authorisation_id: int) -> Authorisation:
    """The applicant side refuses a pending 委托书 or ends a live one; the assistant, a hall
    manager of the hall it serves (``selectors.can_revoke``) or an administrator may end it
    too. To anyone else it does not exist."""
    found = Authorisation.objects.select_related("applicant").filter(pk=authorisation_id).first()
    if found is None or not selectors.can_revoke(actor, found):
        raise NotFound("未找到该委托", code="authorisation_not_found")
    authorisation = mandates.authorisation_revoke(actor=actor, authorisation_id=authorisation_id)
    _note_requests(authorisation, actor, "authorisation_revoked", "委托书已撤销")
    if actor.pk != authorisation.assistant_id:
        _tell_assistant(
            authorisation.assistant,
            f"{authorisation.applicant.name}的帮办代办委托已撤销。",
            "stations.authorisation_ended",
        )
    return authorisation


# --------------------------------------------------------------------------- cases for a request or project


def _file(
    *,
    actor: User,
    applicant: Applicant,
    hall: Hall,
    item_code: str,
    situation_answers: dict | None,
    form: dict | None,
) -> Case:
    """File a draft for ``applicant`` as the assistant ``actor`` (帮办代办 channel). The
    cases app refuses without a live authorisation covering the item (403 no_authorisation)."""
    if scope.staff_role(actor) != Role.ASSISTANT:
        raise Forbidden("只有帮办代办员可以代为申报", code="role_not_allowed")
    applicant = case_services.applicant_for(actor, applicant.pk)
    return case_services.case_create(
        actor=actor,
        item_code=item_code,
        applicant=applicant,
        situation_answers=situation_answers or {},
        form=form or {},
        channel=Channel.ASSISTED,
        hall=hall,
    )


@transaction.atomic
def assist_case_file(
    *,
    request: AssistRequest | str,
    actor: User,
    item_code: str,
    situation_answers: dict | None = None,
    form: dict | None = None,
) -> Case:
    """The request's assistant files a draft case for its applicant under their live
    authorisation, linked to the request (and noted in the case's timeline). Starts the
    request if it was only assigned."""
    request = _locked(request)
    if not scope.can_see(actor, request, selectors.ASSIST_SCOPE):
        raise NotFound("未找到该帮办代办申请", code="assist_request_not_found")
    _assignee(request, actor)
    case = _file(
        actor=actor,
        applicant=request.applicant,
        hall=request.hall,
        item_code=item_code,
        situation_answers=situation_answers,
        form=form,
    )
    _link_request(request, case, actor, filed=True)
    if request.status == AssistStatus.ASSIGNED:
        assist_transition(request=request, actor=actor, action="start")
    return case


def _case_of(actor: User, number: str, applicant: Applicant) -> Case:
    try:
        case = case_selectors.case_for_actor(number.strip(), actor)
    except NotFound:
        raise NotFound("未找到该办件", code="case_not_found") from None
    if case.applicant_id != applicant.pk:
        raise DomainError("该办件的申请人与此不符", code="applicant_mismatch", detail={"field": "case_number"})
    return case


def _link_request(request: AssistRequest, case: Case, actor: User, *, filed: bool) -> None:
    if AssistCase.objects.filter(request=request, case=case).exists():
        raise Conflict("该办件已关联此申请", code="already_linked")
    _record(
        request,
        actor=actor,
        action="case_filed" if filed else "case_linked",
        role=workflow.ASSIGNEE if request.assistant_id == actor.pk else scope.staff_role(actor) or "",
        comment=f"{case.item.name}（{case.number}）",
        data={"case_number": case.number},
    )
    note = case_services.case_note(
        case=case,
        actor=actor,
        kind=ASSIST_LINKED,
        comment=f"帮办代办申请 {request.number}",
        data={"request": request.number},
    )
    AssistCase.objects.create(request=request, case=case, linked_by=actor, told_event=note.pk)


@transaction.atomic
def assist_case_link(*, request: AssistRequest | str, actor: User, case_number: str) -> Case:
    """The request's assistant takes a case of the applicant they can see (one they filed
    before, say) into the request."""
    request = _locked(request)
    if not scope.can_see(actor, request, selectors.ASSIST_SCOPE):
        raise NotFound("未找到该帮办代办申请", code="assist_request_not_found")
    _assignee(request, actor)
    case = _case_of(actor, case_number, request.applicant)
    _link_request(request, case, actor, filed=False)
    return case


# --------------------------------------------------------------------------- 重点项目


def _project_manager(actor: User) -> Hall | None:
    """The hall a project is created in by ``actor``: a hall manager's own; an
    administrator names one (None here). Others are refused."""
    role = scope.staff_role(actor)
    if role == Role.HALL_MANAGER:
        profile = scope.staff_profile(actor)
        if profile is None or profile.hall_id is None:
            raise DomainError("您的账户未分配到政务服务大厅", code="no_hall")
        return profile.hall
    if role == Role.ADMINISTRATOR:
        return None
    raise Forbidden("只有大厅管理员可以设立重点项目", code="role_not_allowed")


@transaction.atomic
def project_create(
    *,
    actor: User,
    code: str,
    name: str,
    company: Applicant,
    assistant: User,
    hall: Hall | None = None,
    location: str = "",
    description: str = "",
    investment: Any = None,
    target_date: datetime.date | None = None,
) -> KeyProject:
    """A hall manager sets up a key project of a company with its dedicated assistant."""
    own = _project_manager(actor)
    hall = own or hall
    if hall is None:
        raise DomainError("请选择牵头大厅", code="missing_field", detail={"field": "hall"})
    if company.kind != Applicant.Kind.LEGAL:
        raise DomainError("重点项目的项目单位应为法人", code="not_a_company", detail={"field": "company"})
    if scope.staff_role(assistant) != Role.ASSISTANT:
        raise DomainError("专属帮办代办员应为帮办代办员", code="not_an_assistant", detail={"field": "assistant"})
    if not name.strip():
        raise DomainError("请填写项目名称", code="missing_field", detail={"field": "name"})
    if KeyProject.objects.filter(code=code).exists():
        raise Conflict("项目代码已被使用", code="project_code_taken", detail={"field": "code"})
    project = KeyProject(
        code=code,
        name=name.strip(),
        company=company,
        assistant=assistant,
        hall=hall,
        location=location.strip(),
        description=description.strip(),
        investment=investment,
        target_date=target_date,
        created_by=actor,
    )
    try:
        project.full_clean()
    except Exception as exc:
        raise DomainError(f"项目信息有误：{exc}", code="invalid_field") from None
    project.save()
    _tell_assistant(assistant, f"您被指定为重点项目“{project.name}”的专属帮办代办员。", "stations.project_assigned")
    return project


def _project_locked(project: KeyProject | str, actor: User) -> tuple[KeyProject, set[str]]:
    code = project if isinstance(project, str) else project.code
    found = (
        KeyProject.objects.select_for_update(of=("self",))
        .select_related("company", "assistant", "hall")
        .filter(code=code)
        .first()
    )
    if found is None or not selectors.project_can_see(actor, found):
        raise NotFound("未找到该重点项目", code="project_not_found")
    return found, selectors.project_roles(actor, found)


def _link_project(project: KeyProject, case: Case, actor: User) -> None:
    if ProjectCase.objects.filter(case=case).exists():
        raise Conflict("该办件已纳入重点项目", code="already_linked")
    note = case_services.case_note(
        case=case, actor=actor, kind=PROJECT_LINKED, comment=f"重点项目：{project.name}", data={"project": project.code}
    )
    ProjectCase.objects.create(project=project, case=case, linked_by=actor, told_event=note.pk)


@transaction.atomic
def project_case_file(
    *,
    project: KeyProject | str,
    actor: User,
    item_code: str,
    situation_answers: dict | None = None,
    form: dict | None = None,
) -> Case:
    """The project's assistant files a draft case for the company under its live
    authorisation, in the project."""
    project, roles = _project_locked(project, actor)
    if workflow.ASSIGNEE not in roles:
        raise Forbidden("只有项目的专属帮办代办员可以为项目代为申报", code="not_assignee")
    case = _file(
        actor=actor,
        applicant=project.company,
        hall=project.hall,
        item_code=item_code,
        situation_answers=situation_answers,
        form=form,
    )
    _link_project(project, case, actor)
    return case


@transaction.atomic
def project_case_link(*, project: KeyProject | str, actor: User, case_number: str) -> Case:
    """The project's assistant, a hall manager of its hall or an administrator takes one of
    the company's cases (filed by anyone) into the project."""
    project, roles = _project_locked(project, actor)
    if not roles & {workflow.ASSIGNEE, Role.HALL_MANAGER, Role.ADMINISTRATOR}:
        raise Forbidden("只有专属帮办代办员或大厅管理员可以关联办件", code="role_not_allowed")
    case = _case_of(actor, case_number, project.company)
    _link_project(project, case, actor)
    return case


@transaction.atomic
def project_case_adopt(*, project: KeyProject, case: Case, actor: User) -> bool:
    """Take a case into the project for another domain whose own record already ties the two
    (a construction project registered in this key project: its stages' cases are the key
    project's whoever files them), without the staff rights ``project_case_link`` asks for.
    Only the project company's cases; False when the case is in a project already."""
    project = KeyProject.objects.select_for_update(of=("self",)).get(pk=project.pk)
    if case.applicant_id != project.company_id:
        raise DomainError("该办件的申请人与此不符", code="applicant_mismatch", detail={"field": "case_number"})
    if ProjectCase.objects.filter(case=case).exists():
        return False
    _link_project(project, case, actor)
    return True


@transaction.atomic
def project_complete(*, project: KeyProject | str, actor: User, reopen: bool = False) -> KeyProject:
    project, roles = _project_locked(project, actor)
    if not roles & {Role.HALL_MANAGER, Role.ADMINISTRATOR}:
        raise Forbidden("只有大厅管理员可以更改项目状态", code="role_not_allowed")
    project.status = KeyProject.Status.ACTIVE if reopen else KeyProject.Status.COMPLETED
    project.save(update_fields=["status"])
    return project


# --------------------------------------------------------------------------- following linked cases


# Case actions an assistant hears about on the cases they follow (filed for a request or in
# a project): what asks them to act or closes the matter.
FOLLOWED = {
    "request_correction": "需要补正",
    "accept": "已受理",
    "accept_with_deferral": "已容缺受理",
    "reject": "不予受理",
    "approve": "准予许可",
    "deny": "不予许可",
    "issue": "已办结出件",
    "revoke": "已撤销",
}


def case_followup(*, case_id: int, action: str, event_id: int) -> int:
    """Tell the assistants who follow a case (of a request, of a project) what happened to
    it, once per timeline event: a second delivery of the same event finds it told.
    Returns how many were told."""
    label = FOLLOWED.get(action)
    if label is None:
        return 0
    case = Case.objects.select_related("item").filter(pk=case_id).first()
    if case is None:
        return 0
    told = 0
    links = [
        *AssistCase.objects.filter(case_id=case_id).select_related("request__assistant"),
        *ProjectCase.objects.filter(case_id=case_id).select_related("project__assistant"),
    ]
    for link in links:
        model = type(link)
        with transaction.atomic():
            # only the first delivery moves told_event past this event
            if not model.objects.filter(pk=link.pk, told_event__lt=event_id).update(told_event=event_id):
                continue
            owner = link.request.assistant if isinstance(link, AssistCase) else link.project.assistant
            if owner is None:
                continue
            _tell_assistant(owner, f"您跟进的办件 {case.number}（{case.item.name}）{label}。", "stations.case_followup")
            told += 1
    return told
