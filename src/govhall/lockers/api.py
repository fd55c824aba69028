"""Lockers API (``/api/v1/lockers``): sites nearest first, a case's lockers, drop-off,
pick-up, collection and the staff's actions (bearer token or session); the cabinets' own
signed API (``/cabinet/…``: open with a code, door and fault events, doors to open); the
locker network's signed callback (``/network/events``).

Thin: parse, call a service or selector, shape the answer. Codes appear in an answer only to
the applicant side that just asked for one, once; staff never see a code.
"""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from govhall.accounts.auth import API_AUTH
from govhall.cases import selectors as case_selectors
from govhall.core.errors import ErrorOut, NotFound
from govhall.core.masking import mask_name
from govhall.lockers import selectors, services
from govhall.lockers.auth import CabinetAuth, NetworkAuth
from govhall.lockers.models import Cell, Parcel
from govhall.lockers.workflow import CellState, Kind, SiteKind

router = Router(tags=["lockers"], auth=API_AUTH)

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}
SizeIn = Literal["S", "M", "L"]


# --------------------------------------------------------------------------- shapes


class SiteOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    address: str
    latitude: float
    longitude: float
    region_code: str
    hall: str | None
    hours: str
    phone: str
    network: str = Field(description="第三方网络点位：其送达渠道标识")
    distance_m: float | None = Field(None, description="与所给位置的直线距离（米）")
    free: dict[str, int] = Field(description="各规格空闲格口数（网络点位为空：由网络分配）")


class ParcelOut(Schema):
    reference: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    case_number: str
    applicant: str = Field(description="申请人（已脱敏）")
    site: str
    site_name: str
    place: str
    door: str | None
    size: str
    provider: str
    code_expires_at: datetime.datetime | None
    created_at: datetime.datetime
    opened_at: datetime.datetime | None
    ended_at: datetime.datetime | None


class IssuedOut(Schema):
    parcel: ParcelOut
    code: str = Field(description="开箱码：只在此应答中出现一次，并以短信发送；网络点位可能为空（由网络发送）")
    sms_sent: bool


class DropoffOut(Schema):
    allowed: bool
    code: str | None = Field(None, description="不能交件时的原因代码")
    message: str | None = None
    originals: list[str] = Field(description="需要提交纸质原件的材料")


class CaseLockersOut(Schema):
    case_number: str
    state: str
    dropoff: DropoffOut
    pickup_choice: str | None = Field(description="申请人选择的取件点位编码")
    parcels: list[ParcelOut]
    sites: list[SiteOut] = Field(description="可用于本办件的点位（给出位置时由近及远）")


class CellOut(Schema):
    cabinet: str
    door: int
    size: str
    state: str
    state_label: str
    fault: str


class CabinetOut(Schema):
    code: str
    name: str
    last_seen_at: datetime.datetime | None
    cells: list[CellOut]


class SiteDetailOut(SiteOut):
    cabinets: list[CabinetOut]
    waiting_collection: list[ParcelOut]
    waiting_pickup: list[ParcelOut]


class DayOut(Schema):
    day: datetime.date
    dropoffs: int
    pickups: int


class StatsOut(Schema):
    site: str
    days: int
    cells: int
    in_service: int
    in_use: int
    use_rate: float | None = Field(description="当前在用格口 / 在用的格口")
    occupancy: float | None = Field(description="统计期内格口被占用的时间比例")
    dropoffs: int
    pickups: int
    average_wait_hours: float | None = Field(description="结果从存入到取件的平均等待时间（小时）")
    waiting_now: int
    oldest_wait_hours: float | None
    per_day: list[DayOut]


class CaseIn(Schema):
    case_number: str = Field(max_length=40)


class DropoffIn(CaseIn):
    site: str = Field(max_length=40, description="点位编码")
    size: SizeIn


class CodeIn(CaseIn):
    kind: Literal["dropoff", "pickup"]


class OriginalsIn(CaseIn):
    comment: str = Field(max_length=500, description="需要提交的纸质原件")


class SiteChoiceIn(CaseIn):
    site: str = Field(max_length=40)


class CommentIn(CaseIn):
    comment: str = Field("", max_length=200)


class CellIn(Schema):
    cabinet: str = Field(max_length=40)
    door: int = Field(ge=1, le=999)


class CabinetIn(Schema):
    cabinet: str = Field(max_length=40)


class Ok(Schema):
    ok: bool


def site_out(site, distance=None, free=None) -> dict:
    return {
        "code": site.code,
        "name": site.name,
        "kind": site.kind,
        "kind_label": SiteKind(site.kind).label,
        "address": site.address,
        "latitude": float(site.latitude),
        "longitude": float(site.longitude),
        "region_code": site.region.code,
        "hall": site.hall.name if site.hall_id else None,
        "hours": site.hours,
        "phone": site.phone,
        "network": site.network,
        "distance_m": round(distance, 1) if distance is not None else None,
        "free": free or {},
    }


def choice_out(choice: selectors.SiteChoice) -> dict:
    return site_out(choice.site, choice.distance, choice.free)


def parcel_out(parcel: Parcel) -> dict:
    return {
        "reference": parcel.reference,
        "kind": parcel.kind,
        "kind_label": parcel.get_kind_display(),
        "status": parcel.status,
        "status_label": parcel.get_status_display(),
        "case_number": parcel.case.number,
        "applicant": mask_name(parcel.applicant.name),
        "site": parcel.site.code,
        "site_name": parcel.site.name,
        "place": parcel.place,
        "door": parcel.cell.door_label if parcel.cell_id else None,
        "size": parcel.size,
        "provider": parcel.provider,
        "code_expires_at": parcel.code_expires_at,
        "created_at": parcel.created_at,
        "opened_at": parcel.opened_at,
        "ended_at": parcel.ended_at,
    }


def cell_out(cell: Cell) -> dict:
    return {
        "cabinet": cell.cabinet.code,
        "door": cell.door,
        "size": cell.size,
        "state": cell.state,
        "state_label": CellState(cell.state).label,
        "fault": cell.fault,
    }


def issued_out(issued: services.Issued) -> dict:
    return {"parcel": parcel_out(issued.parcel), "code": issued.code, "sms_sent": issued.sms_sent}


def _position(lat: float | None, lng: float | None) -> tuple[float | None, float | None]:
    return (lat, lng) if selectors.valid_position(lat, lng) else (None, None)


# --------------------------------------------------------------------------- sites


class SiteQuery(Schema):
    lat: float | None = Field(None, ge=-90, le=90, description="WGS-84 纬度")
    lng: float | None = Field(None, ge=-180, le=180, description="WGS-84 经度")
    q: str = Field("", max_length=50, description="名称、地址或编码中的文字")
    kind: Literal["", "hall", "station", "community", "network"] = ""


@router.get("/sites", response={200: list[SiteOut], **ERRORS}, summary="Locker sites, nearest first from a position")
def list_sites(request, filters: Query[SiteQuery]):
    lat, lng = _position(filters.lat, filters.lng)
    return [choice_out(c) for c in selectors.public_sites(lat=lat, lng=lng, q=filters.q, kind=filters.kind)]


@router.get("/sites/{code}", response={200: SiteDetailOut, **ERRORS}, summary="A site's cabinets and cells (staff)")
def site_detail(request, code: str):
    site = selectors.site_for_staff(request.auth, code)
    cabinets = selectors.cabinets_of(site)
    free = selectors.free_cells([site.pk]).get(site.pk, {})
    return {
        **site_out(site, free=free),
        "cabinets": [
            {
                "code": c.code,
                "name": c.name,
                "last_seen_at": c.last_seen_at,
                "cells": [cell_out(cell) for cell in sorted(c.cells.all(), key=lambda x: x.door)],
            }
            for c in cabinets
        ],
        "waiting_collection": [parcel_out(p) for p in selectors.waiting_collection(request.auth, site)],
        "waiting_pickup": [parcel_out(p) for p in selectors.waiting_pickup(request.auth, site)],
    }


@router.get(
    "/sites/{code}/stats",
    response={200: StatsOut, **ERRORS},
    summary="A site's use rate, drop-offs and pick-ups per day, waiting time (staff)",
)
def site_stats(request, code: str, days: int = Query(30, ge=1, le=366)):
    site = selectors.site_for_staff(request.auth, code)
    stats = selectors.site_stats(site, days=days)
    return {
        "site": site.code,
        "days": stats.days,
        "cells": stats.cells,
        "in_service": stats.in_service,
        "in_use": stats.in_use,
        "use_rate": stats.use_rate,
        "occupancy": stats.occupancy,
        "dropoffs": stats.dropoffs,
        "pickups": stats.pickups,
        "average_wait_hours": stats.average_wait_hours,
        "waiting_now": stats.waiting_now,
        "oldest_wait_hours": stats.oldest_wait_hours,
        "per_day": [{"day": d.day, "dropoffs": d.dropoffs, "pickups": d.pickups} for d in stats.per_day],
    }


# --------------------------------------------------------------------------- a case's lockers


class PositionQuery(Schema):
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


@router.get(
    "/cases/{number}",
    response={200: CaseLockersOut, **ERRORS},
    summary="A case's lockers: may it drop off, its parcels, the sites it may use",
)
def case_lockers(request, number: str, position: Query[PositionQuery]):
    case = case_selectors.case_for_actor(number, request.auth)
    refusal = selectors.dropoff_refusal(case)
    lat, lng = _position(position.lat, position.lng)
    choice = selectors.pickup_choice(case)
    return {
        "case_number": case.number,
        "state": case.state,
        "dropoff": {
            "allowed": refusal is None,
            "code": refusal.code if refusal else None,
            "message": refusal.message if refusal else None,
            "originals": [m.name for m in selectors.originals_needed(case)],
        },
        "pickup_choice": choice.site.code if choice else None,
        "parcels": [parcel_out(p) for p in selectors.parcels_of_case(case)],
        "sites": [choice_out(c) for c in selectors.site_choices(selectors.sites_serving(case), lat=lat, lng=lng)],
    }


@router.post(
    "/dropoffs",
    response={201: IssuedOut, **ERRORS},
    summary="Reserve a drop-off cell (the code is in this answer, once)",
)
def reserve_dropoff(request, payload: DropoffIn):
    issued = services.dropoff_reserve(
        case=payload.case_number, actor=request.auth, site=payload.site, size=payload.size
    )
    return 201, issued_out(issued)


@router.post("/dropoffs/cancel", response={200: ParcelOut, **ERRORS}, summary="Cancel an unused drop-off reservation")
def cancel_dropoff(request, payload: CaseIn):
    return parcel_out(services.dropoff_cancel(case=payload.case_number, actor=request.auth))


@router.post(
    "/codes",
    response={200: IssuedOut, **ERRORS},
    summary="A new open code for a live reservation or deposit (the old one stops)",
)
def renew_code(request, payload: CodeIn):
    return issued_out(services.code_renew(case=payload.case_number, actor=request.auth, kind=payload.kind))


@router.post(
    "/pickup-site", response={200: SiteOut, **ERRORS}, summary="Where the applicant would like to pick the result up"
)
def choose_pickup_site(request, payload: SiteChoiceIn):
    choice = services.pickup_choose(case=payload.case_number, actor=request.auth, site=payload.site)
    return site_out(choice.site)


@router.post(
    "/originals", response={200: Ok, **ERRORS}, summary="Staff: the case's paper originals are needed (drop-off opens)"
)
def request_originals(request, payload: OriginalsIn):
    services.originals_request(case=payload.case_number, actor=request.auth, comment=payload.comment)
    return {"ok": True}


@router.post(
    "/deposits",
    response={201: ParcelOut, **ERRORS},
    summary="Staff: 出件 → 信包箱自提 (the pick-up code goes to the applicant by SMS)",
)
def deposit(request, payload: DropoffIn):
    parcel = services.pickup_deposit(case=payload.case_number, actor=request.auth, site=payload.site, size=payload.size)
    return 201, parcel_out(parcel)


@router.post(
    "/collections",
    response={200: ParcelOut, **ERRORS},
    summary="Staff: collect dropped-off papers (the door opens; the case's timeline records it)",
)
def collect(request, payload: CommentIn):
    return parcel_out(services.dropoff_collect(case=payload.case_number, actor=request.auth, comment=payload.comment))


@router.post("/retrievals", response={200: ParcelOut, **ERRORS}, summary="Staff: take a result back out of its cell")
def retrieve(request, payload: CommentIn):
    return parcel_out(services.pickup_retrieve(case=payload.case_number, actor=request.auth, comment=payload.comment))


class ParcelQuery(Schema):
    kind: Literal["", "dropoff", "pickup"] = ""
    status: str = Field("", max_length=12)
    site: str = Field("", max_length=40)


@router.get(
    "/parcels",
    response={200: list[ParcelOut], **ERRORS},
    summary="Parcels the caller may see (their own, or their scope's), newest first",
)
def list_parcels(request, filters: Query[ParcelQuery]):
    qs = selectors.visible_parcels(request.auth).select_related("site", "cabinet", "cell", "case", "applicant")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.site:
        qs = qs.filter(site__code=filters.site)
    return [parcel_out(p) for p in qs.order_by("-created_at", "-id")[:200]]


def _staff_cabinet(user, code: str):
    cabinet = selectors.cabinet_by_code(code)
    if cabinet is None or not selectors.can_work_site(user, cabinet.site):
        raise NotFound("未找到该信包箱柜", code="cabinet_not_found")
    return cabinet


@router.post("/cells/repair", response={200: CellOut, **ERRORS}, summary="Staff: a repaired cell back in service")
def repair_cell(request, payload: CellIn):
    cabinet = _staff_cabinet(request.auth, payload.cabinet)
    cell = Cell.objects.select_related("cabinet__site").filter(cabinet=cabinet, door=payload.door).first()
    if cell is None:
        raise NotFound("未找到该格口", code="cell_not_found")
    return cell_out(services.cell_repair(cell=cell, actor=request.auth))


@router.post(
    "/cabinets/unlock", response={200: Ok, **ERRORS}, summary="Staff: lift a cabinet's lock after too many wrong codes"
)
def unlock_cabinet(request, payload: CabinetIn):
    services.cabinet_unlock(cabinet=_staff_cabinet(request.auth, payload.cabinet), actor=request.auth)
    return {"ok": True}


# --------------------------------------------------------------------------- the cabinets' signed API


class OpenIn(Schema):
    code: str = Field(max_length=32, description="在键盘上输入的开箱码")
    terminal: str = Field("keypad", max_length=40, pattern=r"^[A-Za-z0-9_\-]+$", description="输入的终端（按来源计错）")


class OpenOut(Schema):
    door: int
    door_label: str
    kind: str = Field(description="dropoff：请投入材料；pickup：请取出结果")
    message: str


class EventIn(Schema):
    door: int = Field(ge=1, le=999)
    event: Literal["closed", "fault"]
    detail: str = Field("", max_length=200)


class CommandOut(Schema):
    door: int
    action: str
    reason: str


class PollOut(Schema):
    commands: list[CommandOut]


@router.post(
    "/cabinet/open",
    auth=CabinetAuth(),
    response={200: OpenOut, **ERRORS},
    summary="Cabinet: a code typed on its keypad; the door to open (403 code_refused for any code that opens nothing)",
)
def cabinet_open(request, payload: OpenIn):
    opened = services.code_open(cabinet=request.auth, code=payload.code, source=payload.terminal)
    message = "请放入材料后关好柜门" if opened.kind == Kind.DROPOFF else "请取出办理结果后关好柜门"
    return {"door": opened.door, "door_label": opened.door_label, "kind": opened.kind, "message": message}


@router.post(
    "/cabinet/events",
    auth=CabinetAuth(),
    response={200: CellOut, **ERRORS},
    summary="Cabinet: a door closed, or a cell's fault",
)
def cabinet_event(request, payload: EventIn):
    cell = services.cell_event(cabinet=request.auth, door=payload.door, event=payload.event, detail=payload.detail)
    return cell_out(cell)


@router.post(
    "/cabinet/poll",
    auth=CabinetAuth(),
    response={200: PollOut, **ERRORS},
    summary="Cabinet: doors to open now (staff, or its screen)",
)
def cabinet_poll(request):
    commands = services.commands_poll(cabinet=request.auth)
    return {"commands": [{"door": c.door, "action": "open", "reason": c.reason} for c in commands]}


# --------------------------------------------------------------------------- a locker network's callback


class NetworkEventIn(Schema):
    parcel_id: str = Field(max_length=40, pattern=r"^[A-Za-z0-9]+$")
    event: Literal["dropped_off", "picked_up", "expired"]
    at: datetime.datetime | None = None


class NetworkEventOut(Schema):
    reference: str
    status: str


@router.post(
    "/network/events",
    auth=NetworkAuth(),
    response={200: NetworkEventOut, **ERRORS},
    summary="Locker network: one of its parcels was dropped off, picked up or expired",
)
def network_event(request, payload: NetworkEventIn):
    parcel = services.network_event(provider=request.auth.identifier, reference=payload.parcel_id, event=payload.event)
    return {"reference": parcel.reference, "status": parcel.status}
