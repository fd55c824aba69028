"""The stations API: the public finder and stations (``/stations``), 帮办代办 (``/assist``)
and key projects (``/projects``). Thin: parse, call a service or selector, shape the answer.

One ``router`` (mounted at the API's root) holds the three, so the project mounts this app
once. Lists mask personal data: a person's name (张*明), resident ID numbers and phones.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.throttling import AnonRateThrottle

from govhall.accounts import scope
from govhall.accounts.auth import API_AUTH
from govhall.accounts.models import Applicant, Authorisation, User
from govhall.accounts.roles import Role
from govhall.core.errors import DomainError, ErrorOut, Forbidden, NotFound
from govhall.core.fields import IsoDate
from govhall.core.http import client_address
from govhall.core.masking import mask_name, mask_phone
from govhall.stations import geo, selectors, services, workflow
from govhall.stations.geo import Position
from govhall.stations.geocoding import gazetteer
from govhall.stations.models import AssistRequest, KeyProject, Station

router = Router()
stations_router = Router(tags=["stations"])
assist_router = Router(tags=["assist"], auth=API_AUTH)
projects_router = Router(tags=["projects"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PUBLIC_ERRORS = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
KINDS = ("hall", "station", "locker")


def _listed(applicant: Applicant) -> str:
    return mask_name(applicant.name) if applicant.kind == Applicant.Kind.NATURAL else applicant.name


# --------------------------------------------------------------------------- stations (public)


class PositionOut(Schema):
    lat: float
    lng: float
    label: str
    source: str = Field(description="device（手机定位）、gazetteer（本地地名库）、http（地址解析服务）")


class StationOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    region: str
    hall: str
    address: str
    lat: float
    lng: float
    phone: str
    hours: str = Field(description="每周开放时间（文字）")
    closed_on_holidays: bool = Field(description="按工作日历开放：法定节假日不开放，调休上班日按工作日时间开放")
    open_now: bool
    today: str
    item_codes: list[str]
    equipment: list[str]
    locker_sites: list[str] = Field(description="驿站信包箱的 lockers 站点代码")
    assistants: int = Field(description="在岗帮办代办员人数")


def _station_out(station: Station, now: datetime.datetime) -> dict[str, Any]:
    from govhall.workdays.selectors import get_calendar

    calendar = get_calendar()
    schedule = station.schedule
    return {
        "code": station.code,
        "name": station.name,
        "kind": station.kind,
        "kind_label": station.get_kind_display(),
        "region": station.region.name,
        "hall": station.hall.name,
        "address": station.address,
        "lat": station.latitude,
        "lng": station.longitude,
        "phone": station.phone,
        "hours": schedule.text(),
        "closed_on_holidays": station.closed_on_holidays,
        "open_now": schedule.is_open(now, calendar, follows_calendar=station.closed_on_holidays),
        "today": schedule.day(now.date(), calendar, follows_calendar=station.closed_on_holidays).text(),
        "item_codes": [i.item_code for i in station.items.all()],
        "equipment": [e.get_kind_display() for e in station.equipment.all()],
        "locker_sites": [e.locker_site for e in station.equipment.all() if e.locker_site],
        "assistants": len(selectors.station_assistants(station)),
    }


class ServicePointOut(Schema):
    number: int = Field(description="按距离排序的序号（与地图编号一致）")
    kind: Literal["hall", "station", "locker"]
    kind_label: str
    key: str
    name: str
    address: str
    lat: float
    lng: float
    distance_m: int | None = Field(description="直线距离（米）；未给出位置时为 null")
    walk_minutes: int | None = Field(description="步行分钟数（每分钟80米估算）")
    within_15_minutes: bool = Field(description="在15分钟步行服务圈（约1200米）内")
    open_now: bool | None = Field(description="现在是否开放；开放时间未知时为 null")
    today: str
    next_opening: datetime.datetime | None
    offers: list[str]
    phone: str
    station_code: str | None


class NearbyOut(Schema):
    position: PositionOut | None
    note: str
    circle_metres: int
    within_15_minutes: int
    results: list[ServicePointOut]


class NearbyQuery(Schema):
    lat: float | None = Field(None, ge=-90, le=90, description="WGS-84 纬度（与 lng 一起）")
    lng: float | None = Field(None, ge=-180, le=180, description="WGS-84 经度")
    address: str = Field("", max_length=200, description="地址、街道、社区或地标（没有 lat/lng 时）")
    kind: list[Literal["hall", "station", "locker"]] = Field(default_factory=list, description="只看这些类型")
    open: bool = Field(False, description="只看正在开放的")
    limit: int = Field(20, ge=1, le=100)


@stations_router.get("", response={200: list[StationOut], **PUBLIC_ERRORS}, summary="Stations (驿站)", auth=None)
def list_stations(request):
    from django.utils import timezone

    now = timezone.localtime()
    return [_station_out(s, now) for s in selectors.active_stations()]


@stations_router.get(
    "/nearby",
    response={200: NearbyOut, **PUBLIC_ERRORS},
    summary="The nearest halls, stations and lockers (就近服务点, the 15-minute circle)",
    description="From `lat`/`lng` (the phone's position, WGS-84) or an `address` (the configured geocoder; "
    "an address that names no known place answers 400 `address_not_found`). Without either, every point, "
    "halls first. Each point says whether it is open now, by its weekly hours and the working-day calendar.",
    auth=None,
    throttle=[AnonRateThrottle("60/m")],
)
def nearby(request: HttpRequest, filters: Query[NearbyQuery]):
    here: Position | None = None
    note = ""
    if (filters.lat is None) != (filters.lng is None):
        raise DomainError(
            "lat 与 lng 应同时给出", code="invalid_position", detail={"field": "lng" if filters.lng is None else "lat"}
        )
    if filters.lat is not None and filters.lng is not None:
        here = Position(filters.lat, filters.lng, label="当前位置", source="device")
    elif filters.address:  # only spaces: 400 address_not_found, "请输入地址"
        here, note = services.address_locate(address=filters.address, source=client_address(request))
        if here is None:
            raise DomainError(note, code="address_not_found", detail={"field": "address"})
    found = selectors.nearby(here, kinds=tuple(filters.kind) or KINDS)
    if filters.open:
        found = [n for n in found if n.open_now]
    found = found[: filters.limit]
    return {
        "position": None
        if here is None
        else {"lat": here.lat, "lng": here.lng, "label": here.label, "source": here.source},
        "note": note,
        "circle_metres": geo.CIRCLE_METRES,
        "within_15_minutes": sum(1 for n in found if n.within_circle),
        "results": [
            {
                "number": i,
                "kind": n.point.kind,
                "kind_label": n.point.kind_label,
                "key": n.point.key,
                "name": n.point.name,
                "address": n.point.address,
                "lat": n.point.lat,
                "lng": n.point.lng,
                "distance_m": None if n.metres is None else round(n.metres),
                "walk_minutes": n.walk_minutes,
                "within_15_minutes": n.within_circle,
                "open_now": n.open_now,
                "today": n.today.text() if n.open_now is not None else "",
                # the schedule works in naive local time; the API gives it with its offset
                "next_opening": timezone.make_aware(n.next_opening) if n.next_opening else None,
                "offers": list(n.point.offers),
                "phone": n.point.phone,
                "station_code": n.point.key.removeprefix("station-") if n.point.kind == "station" else None,
            }
            for i, n in enumerate(found, start=1)
        ],
    }


class PlaceOut(Schema):
    name: str
    kind: str
    lat: float
    lng: float


@stations_router.get(
    "/places", response={200: list[PlaceOut], **PUBLIC_ERRORS}, summary="Places of the gazetteer (地名库)", auth=None
)
def places(request):
    return [{"name": p.name, "kind": p.kind, "lat": p.lat, "lng": p.lng} for p in gazetteer().choices()]


@stations_router.get("/{code}", response={200: StationOut, **PUBLIC_ERRORS}, summary="A station", auth=None)
def get_station(request, code: str):
    from django.utils import timezone

    return _station_out(selectors.station_get(code), timezone.localtime())


# --------------------------------------------------------------------------- 帮办代办


class WalkInApplicantIn(Schema):
    """A walk-in applicant at a station, found by code or registered (name and phone)."""

    kind: Literal["natural", "legal"]
    code: str = Field(max_length=18, description="居民身份证号码或统一社会信用代码")
    name: str = Field("", max_length=200)
    phone: str = Field("", max_length=11)
    legal_representative: str = Field("", max_length=50)


class AssistRequestIn(Schema):
    description: str = Field(max_length=1000, description="需要帮助办理的事情")
    item_codes: list[str] = Field(default_factory=list, max_length=20, description="需办理事项的实施编码")
    mode: Literal["help", "act"] = Field("act", description="help：帮办（指导）；act：代办（须委托书）")
    station_code: str | None = Field(None, max_length=40, description="受理驿站；网上申请可不指定")
    contact_phone: str = Field("", max_length=11)
    applicant_id: int | None = Field(None, description="申请人（本人或所代表的企业）；可代表多个时必填")
    applicant: WalkInApplicantIn | None = Field(None, description="驿站工作人员现场登记时的申请人")


class AssistEventOut(Schema):
    seq: int
    action: str
    actor_name: str
    actor_role: str
    from_status: str
    to_status: str
    comment: str
    created_at: datetime.datetime


class AssistCaseOut(Schema):
    number: str
    state: str
    state_label: str
    item_code: str
    item_name: str
    department: str
    due_date: datetime.date | None
    remaining_workdays: int | None
    overdue: bool


class AuthorisationOut(Schema):
    id: int
    applicant_name: str
    assistant: str
    item_codes: list[str]
    valid_from: datetime.date
    valid_until: datetime.date
    state: str = Field(
        description="pending（待确认）、live（有效）、future（未生效）、expired（已过期）、revoked（已撤销或拒绝）"
    )
    state_label: str
    confirmation: str
    confirmed_at: datetime.datetime | None


class AssistRequestOut(Schema):
    number: str
    status: str
    status_label: str
    version: int
    mode: str
    channel: str
    applicant_name: str = Field(description="自然人姓名脱敏")
    applicant_code: str = Field(description="证件号码（脱敏）")
    contact_phone: str = Field(description="脱敏")
    station_code: str | None
    station: str | None
    assistant: str | None
    item_codes: list[str]
    description: str
    result: str
    created_at: datetime.datetime
    assigned_at: datetime.datetime | None
    closed_at: datetime.datetime | None


class AssistRequestDetailOut(AssistRequestOut):
    roles: list[str]
    actions: list[str] = Field(description="调用者现在可以执行的操作（transitions 的 action）")
    authorisation: AuthorisationOut | None
    live_authorisation: bool = Field(
        description="帮办代办员对申请人有无有效委托书（无则代为申报答 403 no_authorisation）"
    )
    cases: list[AssistCaseOut]
    events: list[AssistEventOut]


class AssistPageOut(Schema):
    count: int
    page: int
    page_size: int
    results: list[AssistRequestOut]


def _authorisation_out(a: Authorisation) -> dict[str, Any]:
    state, label = selectors.authorisation_state(a)
    return {
        "id": a.pk,
        "applicant_name": _listed(a.applicant),
        "assistant": str(a.assistant),
        "item_codes": a.item_codes,
        "valid_from": a.valid_from,
        "valid_until": a.valid_until,
        "state": state,
        "state_label": label,
        "confirmation": a.confirmation,
        "confirmed_at": a.confirmed_at,
    }


def _request_out(r: AssistRequest) -> dict[str, Any]:
    return {
        "number": r.number,
        "status": r.status,
        "status_label": r.get_status_display(),
        "version": r.version,
        "mode": r.mode,
        "channel": r.channel,
        "applicant_name": _listed(r.applicant),
        "applicant_code": r.applicant.masked_code,
        "contact_phone": mask_phone(r.contact_phone),
        "station_code": r.station.code if r.station else None,
        "station": r.station.name if r.station else None,
        "assistant": str(r.assistant) if r.assistant else None,
        "item_codes": r.item_codes,
        "description": r.description,
        "result": r.result,
        "created_at": r.created_at,
        "assigned_at": r.assigned_at,
        "closed_at": r.closed_at,
    }


def _request_detail(user: User, number: str) -> dict[str, Any]:
    r = selectors.request_for(user, number)
    roles = selectors.request_roles(user, r)
    live = r.assistant_id is not None and scope.mandate_for(r.assistant, r.applicant) is not None
    return {
        **_request_out(r),
        "roles": sorted(roles),
        "actions": [row.action for row in workflow.offered(r.status, roles)],
        "authorisation": _authorisation_out(r.authorisation) if r.authorisation else None,
        "live_authorisation": live,
        "cases": selectors.request_cases(r, user),
        "events": list(r.events.order_by("seq")),
    }


def _applicant_of(user: User, applicant_id: int | None) -> Applicant:
    own = scope.represented(user)
    if applicant_id is not None:
        found = next((a for a in own if a.pk == applicant_id), None)
        if found is None:
            raise NotFound("未找到该申请人", code="applicant_not_found")
        return found
    if not own:
        raise DomainError("该账户尚未绑定申请人身份", code="no_applicant")
    if len(own) > 1:
        raise DomainError("该账户可代表多个申请人，请指定 applicant_id", code="applicant_ambiguous")
    return own[0]


def _station(code: str | None) -> Station | None:
    if not code:
        return None
    found = selectors.active_stations().filter(code=code).first()
    if found is None:
        raise NotFound("未找到该驿站", code="station_not_found")
    return found


@assist_router.post(
    "/requests",
    response={201: AssistRequestDetailOut, 503: ErrorOut, **ERRORS},
    summary="Ask for assisted service (帮办代办申请)",
    description="The applicant side asks online (`applicant_id` when the account acts for several): a request "
    "naming a station goes to its assistant with the fewest open requests, one without waits for the hall "
    "manager. Station staff register a walk-in with `applicant` and `station_code`; an assistant who registers "
    "it serves it.",
)
def create_request(request, payload: AssistRequestIn):
    user = request.auth
    station = _station(payload.station_code)
    common = {
        "description": payload.description,
        "item_codes": payload.item_codes,
        "mode": payload.mode,
    }
    if payload.applicant is not None:
        if station is None:
            raise DomainError("请选择受理的驿站", code="missing_field", detail={"field": "station_code"})
        created = services.assist_walk_in(
            actor=user,
            station=station,
            kind=payload.applicant.kind,
            code=payload.applicant.code,
            name=payload.applicant.name,
            phone=payload.applicant.phone or payload.contact_phone,
            legal_representative=payload.applicant.legal_representative,
            **common,
        )
    else:
        created = services.assist_request_create(
            actor=user,
            applicant=_applicant_of(user, payload.applicant_id),
            station=station,
            contact_phone=payload.contact_phone,
            **common,
        )
    return 201, _request_detail(user, created.number)


@assist_router.get("/requests", response={200: AssistPageOut, **ERRORS}, summary="Requests the caller may see")
def list_requests(
    request,
    status: Literal["new", "assigned", "in_progress", "done", "cancelled"] | None = None,
    mine: bool = Query(False, description="只看分派给我的"),
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(20, ge=1, le=100),
):
    qs = selectors.request_list(request.auth, status=status, mine=mine)
    total = qs.count()
    rows = qs[(page - 1) * page_size : page * page_size]
    return {"count": total, "page": page, "page_size": page_size, "results": [_request_out(r) for r in rows]}


@assist_router.get("/requests/{number}", response={200: AssistRequestDetailOut, **ERRORS}, summary="A request")
def get_request(request, number: str):
    return _request_detail(request.auth, number)


class AssistTransitionIn(Schema):
    action: Literal["assign", "auto_assign", "start", "finish", "cancel"]
    comment: str = Field("", max_length=2000, description="finish：办理结果；cancel：取消原因（工作人员必填）")
    assistant_id: int | None = Field(None, description="assign：帮办代办员的用户 id")
    expected_version: int | None = Field(None, description="申请的 version：不一致时答 409 stale_version")


@assist_router.post(
    "/requests/{number}/transitions",
    response={200: AssistRequestDetailOut, **ERRORS},
    summary="Move a request (分派、开始办理、办结、取消)",
    description="The table: docs/stations.md. 409 `action_not_allowed` in another status, 403 "
    "`role_not_allowed` for a role the row does not list, 409 `no_assistant_available` for `auto_assign` "
    "when no assistant can take it.",
)
def transition_request(request, number: str, payload: AssistTransitionIn):
    user = request.auth
    found = selectors.request_for(user, number)
    assistant = User.objects.filter(pk=payload.assistant_id).first() if payload.assistant_id else None
    if payload.assistant_id and assistant is None:
        raise DomainError("未找到该帮办代办员", code="not_an_assistant", detail={"field": "assistant_id"})
    services.assist_transition(
        request=found,
        actor=user,
        action=payload.action,
        comment=payload.comment,
        assistant=assistant,
        expected_version=payload.expected_version,
    )
    return _request_detail(user, number)


class AuthorisationIn(Schema):
    valid_until: datetime.date
    item_codes: list[str] | None = Field(None, max_length=50, description="默认为申请的事项；空列表为不限事项")
    note: str = Field("", max_length=500)


@assist_router.post(
    "/requests/{number}/authorisation",
    response={201: AuthorisationOut, **ERRORS},
    summary="Ask the applicant for a 委托书 (the request's assistant)",
    description="The applicant then confirms online (`/assist/authorisations/{id}/confirm`) or another member "
    "of the station's staff witnesses the signature (`.../sign`). 403 `not_assignee` for anyone but the "
    "request's assistant.",
)
def request_authorisation(request, number: str, payload: AuthorisationIn):
    user = request.auth
    found = selectors.request_for(user, number)
    authorisation = services.assist_authorisation_request(
        request=found, actor=user, valid_until=payload.valid_until, item_codes=payload.item_codes, note=payload.note
    )
    return 201, _authorisation_out(authorisation)


class AssistCaseIn(Schema):
    item_code: str = Field(max_length=64)
    situation_answers: dict[str, int] = {}
    form: dict[str, Any] = {}


class CaseLinkIn(Schema):
    case_number: str = Field(max_length=32)


@assist_router.post(
    "/requests/{number}/cases",
    response={201: AssistCaseOut, 503: ErrorOut, **ERRORS},
    summary="File a case for the request's applicant (代为申报)",
    description="The request's assistant files a draft under their live authorisation (403 `no_authorisation` "
    "without one, or for an item it does not name); then uploads and submits it through `/cases/{number}`, "
    "where the timeline records each step as theirs for the applicant.",
)
def file_case(request, number: str, payload: AssistCaseIn):
    user = request.auth
    found = selectors.request_for(user, number)
    case = services.assist_case_file(
        request=found,
        actor=user,
        item_code=payload.item_code,
        situation_answers=payload.situation_answers,
        form=payload.form,
    )
    return 201, _case_line(case, user)


@assist_router.post(
    "/requests/{number}/links",
    response={201: AssistCaseOut, **ERRORS},
    summary="Take one of the applicant's cases into the request",
)
def link_case(request, number: str, payload: CaseLinkIn):
    user = request.auth
    found = selectors.request_for(user, number)
    case = services.assist_case_link(request=found, actor=user, case_number=payload.case_number)
    return 201, _case_line(case, user)


def _case_line(case, user) -> dict[str, Any]:
    from govhall.cases.models import Case
    from govhall.cases.presenters import summary_out
    from govhall.workdays.selectors import get_calendar

    fresh = Case.objects.select_related("item", "applicant", "department").prefetch_related("pauses").get(pk=case.pk)
    return summary_out(fresh, get_calendar())


class AuthorisationsOut(Schema):
    given: list[AuthorisationOut] = Field(description="调用者（或其代表的企业）给出的委托书")
    held: list[AuthorisationOut] = Field(description="委托调用者（帮办代办员）的委托书")
    witness: list[AuthorisationOut] = Field(description="等待调用者见证现场签署的委托书")


@assist_router.get("/authorisations", response={200: AuthorisationsOut, **ERRORS}, summary="Authorisations (委托书)")
def list_authorisations(request):
    user = request.auth
    role = scope.staff_role(user)
    return {
        "given": [_authorisation_out(a) for a in selectors.authorisations_given(user)],
        "held": [_authorisation_out(a) for a in selectors.mandates_held(user)],
        "witness": [_authorisation_out(a) for a in selectors.witnessable(user)] if role else [],
    }


@assist_router.post(
    "/authorisations/{authorisation_id}/confirm",
    response={200: AuthorisationOut, **ERRORS},
    summary="The applicant confirms a 委托书 online",
)
def confirm_authorisation(request, authorisation_id: int):
    return _authorisation_out(services.authorisation_confirm(actor=request.auth, authorisation_id=authorisation_id))


@assist_router.post(
    "/authorisations/{authorisation_id}/sign",
    response={200: AuthorisationOut, **ERRORS},
    summary="Station staff witness the applicant's signature (not the assistant it names)",
)
def sign_authorisation(request, authorisation_id: int):
    return _authorisation_out(services.authorisation_sign(actor=request.auth, authorisation_id=authorisation_id))


@assist_router.post(
    "/authorisations/{authorisation_id}/revoke",
    response={200: AuthorisationOut, **ERRORS},
    summary="Refuse or end a 委托书 (the applicant side, its assistant, a hall manager)",
)
def revoke_authorisation(request, authorisation_id: int):
    return _authorisation_out(services.authorisation_revoke(actor=request.auth, authorisation_id=authorisation_id))


class AssistantLoadOut(Schema):
    username: str
    name: str
    stations: list[str]
    open: int
    in_progress: int
    done_30: int
    cancelled_30: int
    cases_30: int
    average_days: float | None


class StationLoadOut(Schema):
    code: str
    name: str
    assistants: int
    new: int
    open: int
    done_30: int
    cancelled_30: int


class WorkloadOut(Schema):
    since: datetime.date
    unassigned: int
    open: int
    done_30: int
    cancelled_30: int
    cases_30: int
    assistants: list[AssistantLoadOut]
    stations: list[StationLoadOut]


@assist_router.get(
    "/workload",
    response={200: WorkloadOut, **ERRORS},
    summary="Assistants' workload, open requests and results (hall managers, supervisors)",
)
def workload(request):
    try:
        board = selectors.dashboard(request.auth)
    except NotFound:
        raise DomainError("只有大厅管理员和电子监察员可以查看", code="role_not_allowed", status=403) from None
    return {
        "since": board.since,
        "unassigned": board.unassigned,
        "open": len(board.open_requests),
        "done_30": board.done_30,
        "cancelled_30": board.cancelled_30,
        "cases_30": board.cases_30,
        "assistants": [
            {
                "username": a.user.username,
                "name": str(a.user),
                "stations": a.stations,
                "open": a.open,
                "in_progress": a.in_progress,
                "done_30": a.done_30,
                "cancelled_30": a.cancelled_30,
                "cases_30": a.cases_30,
                "average_days": a.average_days,
            }
            for a in board.assistants
        ],
        "stations": [
            {
                "code": s.station.code,
                "name": s.station.name,
                "assistants": s.assistants,
                "new": s.new,
                "open": s.open,
                "done_30": s.done_30,
                "cancelled_30": s.cancelled_30,
            }
            for s in board.stations
        ],
    }


# --------------------------------------------------------------------------- 重点项目


class KeyProjectIn(Schema):
    code: str = Field(max_length=40, pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str = Field(max_length=200)
    company_uscc: str = Field(max_length=18, description="项目单位的统一社会信用代码（已登记的法人）")
    assistant_id: int
    location: str = Field("", max_length=200)
    description: str = Field("", max_length=2000)
    # a number in the document (a Decimal is documented as "number or any string", and a
    # string that is not a number was then refused against the document: schemathesis)
    investment: float | None = Field(
        None, ge=0, le=9_999_999_999.99, allow_inf_nan=False, description="总投资（万元），两位小数"
    )
    target_date: IsoDate | None = None


class KeyProjectOut(Schema):
    code: str
    name: str
    status: str
    company: str
    assistant: str
    hall: str
    location: str
    target_date: datetime.date | None
    cases: int
    open: int
    overdue: int
    next_due: datetime.date | None


class KeyProjectDetailOut(KeyProjectOut):
    description: str
    live_authorisation: bool
    case_list: list[AssistCaseOut]


def _project_out(project: KeyProject, user: User, *, detail: bool = False) -> dict[str, Any]:
    tracking = selectors.project_tracking(project, user)
    out = {
        "code": project.code,
        "name": project.name,
        "status": project.status,
        "company": project.company.name,
        "assistant": str(project.assistant),
        "hall": project.hall.name,
        "location": project.location,
        "target_date": project.target_date,
        "cases": len(tracking.cases),
        "open": tracking.open,
        "overdue": tracking.overdue,
        "next_due": tracking.next_due,
    }
    if detail:
        out["description"] = project.description
        out["live_authorisation"] = scope.mandate_for(project.assistant, project.company) is not None
        out["case_list"] = tracking.cases
    return out


@projects_router.get("", response={200: list[KeyProjectOut], **ERRORS}, summary="Key projects the caller may see")
def list_projects(request):
    return [_project_out(p, request.auth) for p in selectors.visible_projects(request.auth)]


@projects_router.post("", response={201: KeyProjectDetailOut, **ERRORS}, summary="Set up a key project (hall managers)")
def create_project(request, payload: KeyProjectIn):
    user = request.auth
    if scope.staff_role(user) not in (Role.HALL_MANAGER, Role.ADMINISTRATOR):
        # before any look-up: nobody else learns which companies are registered
        raise Forbidden("只有大厅管理员可以设立重点项目", code="role_not_allowed")
    company = Applicant.objects.filter(kind=Applicant.Kind.LEGAL, uscc=payload.company_uscc.strip().upper()).first()
    if company is None:
        raise DomainError("未找到该统一社会信用代码的法人", code="company_not_found", detail={"field": "company_uscc"})
    assistant = User.objects.filter(pk=payload.assistant_id).first()
    if assistant is None:
        raise DomainError("未找到该帮办代办员", code="not_an_assistant", detail={"field": "assistant_id"})
    project = services.project_create(
        actor=user,
        code=payload.code,
        name=payload.name,
        company=company,
        assistant=assistant,
        hall=selectors.halls().first(),
        location=payload.location,
        description=payload.description,
        investment=None if payload.investment is None else Decimal(f"{payload.investment:.2f}"),
        target_date=payload.target_date,
    )
    return 201, _project_out(project, user, detail=True)


@projects_router.get(
    "/{code}",
    response={200: KeyProjectDetailOut, **ERRORS},
    summary="A key project with all its cases and their deadlines",
)
def get_project(request, code: str):
    return _project_out(selectors.project_for(request.auth, code), request.auth, detail=True)


@projects_router.post(
    "/{code}/cases",
    response={201: AssistCaseOut, 503: ErrorOut, **ERRORS},
    summary="File a case for the project's company (its assistant, under the company's 委托书)",
)
def project_file_case(request, code: str, payload: AssistCaseIn):
    user = request.auth
    project = selectors.project_for(user, code)
    case = services.project_case_file(
        project=project,
        actor=user,
        item_code=payload.item_code,
        situation_answers=payload.situation_answers,
        form=payload.form,
    )
    return 201, _case_line(case, user)


@projects_router.post(
    "/{code}/links",
    response={201: AssistCaseOut, **ERRORS},
    summary="Take one of the company's cases into the project (its assistant, a hall manager)",
)
def project_link_case(request, code: str, payload: CaseLinkIn):
    user = request.auth
    project = selectors.project_for(user, code)
    case = services.project_case_link(project=project, actor=user, case_number=payload.case_number)
    return 201, _case_line(case, user)


router.add_router("/stations", stations_router)
router.add_router("/assist", assist_router)
router.add_router("/projects", projects_router)
