"""Reads of the lockers: who sees which site and parcel, which sites a case may use (nearest
first), whether a case may drop papers off, what waits for staff, and each site's figures.

Scope is ``accounts.scope``'s one policy: a site is reached by its hall (clerks, hall
managers) and its region (supervisors); a parcel by its case's hall and its case's
department's region, and on the applicant side by its applicant.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import User
from govhall.accounts.roles import Role
from govhall.cases import selectors as case_selectors
from govhall.cases.models import Case, State
from govhall.catalog.models import DeliveryMode, MaterialRequirement
from govhall.core.errors import Conflict, DomainError, NotFound
from govhall.delivery.registry import registry as delivery_registry
from govhall.lockers.models import Cabinet, Cell, LockerSite, OriginalsRequest, Parcel, PickupChoice
from govhall.lockers.workflow import CODE_LIVE, LIVE, CellState, Kind, ParcelState, SiteKind, Size

# Sites belong to no applicant: only their staff side is ever asked (staff_filter,
# in_staff_scope), never scope.visible, so ``applicant`` names nothing.
SITE_SCOPE = scope.Policy(applicant="", hall="hall", region="region")
# A parcel is its case's: the case's hall (wherever the locker stands: a network point has no
# hall of ours), the case's department's region, the applicant and whoever filed the case.
PARCEL_SCOPE = scope.Policy(
    applicant="applicant", filer="case__filed_by", hall="case__hall", region="case__department__region"
)
# Staff who work the lockers (open cells, collect, deposit, repair); supervisors only look.
ACTING_ROLES = frozenset({Role.CLERK, Role.HALL_MANAGER, Role.ADMINISTRATOR})

# Drop-off (自助交件) is open after pre-review, before the decision; earlier only when a
# clerk asked for the originals.
PREREVIEWED = (State.ACCEPTED, State.SUSPENDED)
ORIGINALS_STATES = (State.SUBMITTED, State.CORRECTION_REQUESTED, State.ACCEPTED, State.SUSPENDED)
EARTH_RADIUS_M = 6_371_008.8


# --------------------------------------------------------------------------- sites


def sites_for_staff(user: User) -> QuerySet[LockerSite]:
    """The sites (with cells) ``user`` reaches as staff: their hall's, their region's."""
    condition = scope.staff_filter(user, SITE_SCOPE)
    if condition is None:
        return LockerSite.objects.none()
    return LockerSite.objects.filter(condition).select_related("hall", "region").order_by("code")


def can_see_site(user: User, site: LockerSite) -> bool:
    return user.is_authenticated and scope.in_staff_scope(user, site, SITE_SCOPE)


def can_work_site(user: User, site: LockerSite) -> bool:
    """Open its cells, collect, deposit, repair, pair its screens."""
    return can_see_site(user, site) and scope.staff_role(user) in ACTING_ROLES


def site_get(code: str) -> LockerSite:
    site = LockerSite.objects.select_related("hall", "region").filter(code=code).first()
    if site is None:
        raise NotFound("未找到该信包箱点位", code="site_not_found")
    return site


def site_for_staff(user: User, code: str) -> LockerSite:
    """The site if ``user`` reaches it as staff; NotFound otherwise (outsiders learn nothing)."""
    site = LockerSite.objects.select_related("hall", "region").filter(code=code).first()
    if site is None or not can_see_site(user, site):
        raise NotFound("未找到该信包箱点位", code="site_not_found")
    return site


def network_enabled(site: LockerSite) -> bool:
    return site.is_network and delivery_registry.is_enabled(site.network)


def usable(site: LockerSite) -> bool:
    """Active, and (a network point) its network enabled."""
    return site.active and (not site.is_network or network_enabled(site))


def site_serves(site: LockerSite, case: Case) -> bool:
    """A case's papers and result travel between its hall and the site: the site belongs to
    the case's hall, or is a point of an enabled network (its couriers carry to every hall)."""
    if not usable(site):
        return False
    return site.is_network or (site.hall_id is not None and site.hall_id == case.hall_id)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS-84 positions (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def valid_position(lat: float | None, lng: float | None) -> bool:
    return (
        lat is not None
        and lng is not None
        and math.isfinite(lat)
        and math.isfinite(lng)
        and -90 <= lat <= 90
        and -180 <= lng <= 180
    )


@dataclass
class SiteChoice:
    site: LockerSite
    distance: float | None  # metres from the given position
    free: dict[str, int]  # free cells per size (a network point: None per size, the network decides)

    @property
    def distance_label(self) -> str:
        if self.distance is None:
            return ""
        return f"{self.distance:.0f} 米" if self.distance < 1000 else f"{self.distance / 1000:.1f} 公里"


def free_cells(site_ids: list[int]) -> dict[int, dict[str, int]]:
    """Free cells per site and size, in one query."""
    counts: dict[int, dict[str, int]] = {sid: {s: 0 for s in Size.values} for sid in site_ids}
    rows = (
        Cell.objects.filter(cabinet__site_id__in=site_ids, cabinet__active=True, state=CellState.FREE)
        .values("cabinet__site_id", "size")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[row["cabinet__site_id"]][row["size"]] = row["n"]
    return counts


def site_choices(
    sites: QuerySet[LockerSite] | list[LockerSite],
    *,
    lat: float | None = None,
    lng: float | None = None,
    q: str = "",
) -> list[SiteChoice]:
    """``sites`` with their free cells, nearest first from (lat, lng) when given, else by name;
    ``q`` keeps those whose name, address or code contains it."""
    found = [s for s in sites if usable(s)]
    q = (q or "").strip()
    if q:
        found = [s for s in found if q in s.name or q in s.address or q.upper() in s.code.upper()]
    counts = free_cells([s.pk for s in found if not s.is_network])
    choices = [
        SiteChoice(
            site=s,
            distance=distance_m(lat, lng, float(s.latitude), float(s.longitude)) if valid_position(lat, lng) else None,
            free=counts.get(s.pk, {}),
        )
        for s in found
    ]
    if valid_position(lat, lng):
        choices.sort(key=lambda c: (c.distance, c.site.name))
    else:
        choices.sort(key=lambda c: (c.site.is_network, c.site.name))
    return choices


def sites_serving(case: Case) -> list[LockerSite]:
    """Every usable site for ``case`` (its hall's, and the enabled networks' points)."""
    sites = LockerSite.objects.filter(active=True).filter(Q(hall_id=case.hall_id) | Q(kind=SiteKind.NETWORK))
    return [s for s in sites.select_related("hall", "region") if site_serves(s, case)]


def public_sites(
    *, lat: float | None = None, lng: float | None = None, q: str = "", kind: str = ""
) -> list[SiteChoice]:
    """Every usable site, nearest first: the finder's list (stations shows it by site code)."""
    sites = LockerSite.objects.filter(active=True).select_related("hall", "region")
    if kind:
        sites = sites.filter(kind=kind)
    return site_choices(list(sites), lat=lat, lng=lng, q=q)


# --------------------------------------------------------------------------- cabinets and cells


def cabinet_by_code(code: str) -> Cabinet | None:
    return Cabinet.objects.select_related("site").filter(code=code, active=True).first()


def cabinets_of(site: LockerSite) -> list[Cabinet]:
    return list(site.cabinets.order_by("code").prefetch_related("cells"))


def cells_of(site: LockerSite) -> list[Cell]:
    return list(Cell.objects.filter(cabinet__site=site).select_related("cabinet").order_by("cabinet__code", "door"))


def live_parcels_by_cell(site: LockerSite) -> dict[int, Parcel]:
    return {
        p.cell_id: p
        for p in Parcel.objects.filter(site=site, status__in=LIVE, cell__isnull=False).select_related(
            "case", "applicant"
        )
    }


# --------------------------------------------------------------------------- parcels


def visible_parcels(user: User) -> QuerySet[Parcel]:
    return scope.visible(user, Parcel.objects.all(), PARCEL_SCOPE)


def can_see_parcel(user: User, parcel: Parcel) -> bool:
    return scope.can_see(user, parcel, PARCEL_SCOPE)


def parcels_of_case(case: Case) -> list[Parcel]:
    return list(
        Parcel.objects.filter(case=case)
        .select_related("site", "cabinet", "cell", "created_by", "ended_by")
        .order_by("-created_at", "-id")
    )


def live_parcel(case: Case, kind: str, *, for_update: bool = False) -> Parcel | None:
    qs = Parcel.objects.filter(case=case, kind=kind, status__in=LIVE)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    return qs.select_related("site", "cabinet", "cell").first()


def parcel_by_code(cabinet: Cabinet, code_hash: str, now: datetime.datetime) -> Parcel | None:
    """The parcel a typed code opens at ``cabinet``: live, unexpired, its hash. One indexed
    query, the same whether or not such a code exists."""
    return (
        Parcel.objects.filter(cabinet=cabinet, code_hash=code_hash, status__in=CODE_LIVE, code_expires_at__gt=now)
        .only("id", "kind", "status", "code_hash", "cell_id", "case_id")
        .first()
    )


def picked_up_parcel(case_number: str, provider: str) -> Parcel | None:
    """The parcel whose pick-up delivers ``case_number`` through ``provider``: picked up, of
    that provider (the delivery provider's hand_over asks)."""
    return (
        Parcel.objects.filter(
            case__number=case_number, kind=Kind.PICKUP, status=ParcelState.PICKED_UP, provider=provider
        )
        .select_related("site", "cabinet", "cell")
        .order_by("-ended_at", "-id")
        .first()
    )


def parcel_by_network_ref(provider: str, reference: str) -> Parcel | None:
    return Parcel.objects.filter(provider=provider, network_ref=reference).select_related("site", "case").first()


def waiting_collection(user: User, site: LockerSite | None = None) -> QuerySet[Parcel]:
    """待收件: papers dropped off and not collected, in ``user``'s staff scope."""
    condition = scope.staff_filter(user, PARCEL_SCOPE)
    if condition is None:
        return Parcel.objects.none()
    qs = Parcel.objects.filter(condition, kind=Kind.DROPOFF, status=ParcelState.DROPPED)
    if site is not None:
        qs = qs.filter(site=site)
    return qs.select_related("site", "cabinet", "cell", "case", "case__item", "applicant").order_by("opened_at")


def waiting_pickup(user: User, site: LockerSite | None = None) -> QuerySet[Parcel]:
    """Results in lockers, not picked up yet, in ``user``'s staff scope."""
    condition = scope.staff_filter(user, PARCEL_SCOPE)
    if condition is None:
        return Parcel.objects.none()
    qs = Parcel.objects.filter(condition, kind=Kind.PICKUP, status=ParcelState.DEPOSITED)
    if site is not None:
        qs = qs.filter(site=site)
    return qs.select_related("site", "cabinet", "cell", "case", "case__item", "applicant").order_by("created_at")


def waiting_deposit(user: User) -> QuerySet[Case]:
    """出件管理 → 信包箱自提: issued cases with locker delivery whose result is not in a locker."""
    taken = Parcel.objects.filter(kind=Kind.PICKUP, status__in=(ParcelState.DEPOSITED, ParcelState.PICKED_UP))
    return (
        case_selectors.visible_cases(user)
        .filter(state=State.ISSUED, delivery_mode=DeliveryMode.LOCKER)
        .exclude(pk__in=taken.values("case_id"))
        .select_related("item", "applicant")
        .order_by("issued_at", "id")
    )


def pickup_choice(case: Case) -> PickupChoice | None:
    return PickupChoice.objects.select_related("site").filter(case=case).first()


# --------------------------------------------------------------------------- drop-off: may the case?


def originals_needed(case: Case) -> list[MaterialRequirement]:
    """The case's materials the applicant must bring on paper: an original asked for, or a
    paper-only material."""
    return [
        m
        for m in case_selectors.required_materials(case)
        if m.asked_of_applicant and (m.originals > 0 or m.form == MaterialRequirement.Form.PAPER)
    ]


def latest_originals_request(case: Case) -> OriginalsRequest | None:
    return OriginalsRequest.objects.filter(case=case).order_by("-requested_at", "-id").first()


def dropoff_refusal(case: Case) -> DomainError | None:
    """Why ``case`` may not reserve a drop-off now, or None. The rule:

    * from pre-review on (accepted, or suspended), when its item asks for paper originals,
      once (a second drop-off needs a clerk's request);
    * before that (submitted, back for correction) and again later, when a clerk asked for
      the originals after the last drop-off (``originals_request``);
    * never in a draft, after the decision, nor while another drop-off is live."""
    if case.state not in ORIGINALS_STATES:
        return Conflict("该办件当前状态不能自助交件", code="dropoff_not_open", detail={"state": case.state})
    if Parcel.objects.filter(case=case, kind=Kind.DROPOFF, status__in=LIVE).exists():
        return Conflict("该办件已有信包箱交件预约，请使用已发送的开箱码", code="dropoff_exists")
    delivered = Parcel.objects.filter(
        case=case, kind=Kind.DROPOFF, status__in=(ParcelState.DROPPED, ParcelState.COLLECTED)
    ).order_by("-opened_at")
    last = delivered.first()
    requested = latest_originals_request(case)
    if requested is not None and (last is None or (last.opened_at and requested.requested_at > last.opened_at)):
        return None
    if case.state in PREREVIEWED and last is None and originals_needed(case):
        return None
    if last is not None:
        return Conflict("纸质原件已投递，无需再次交件", code="originals_delivered")
    if case.state in PREREVIEWED:
        return Conflict("该办件无需提交纸质原件", code="no_originals_needed")
    return Conflict("网上预审通过后才能自助交件；窗口如需提前收取原件会另行通知", code="dropoff_not_yet")


def pickup_refusal(case: Case) -> DomainError | None:
    """Why staff may not deposit ``case``'s result in a locker now, or None."""
    if case.state != State.ISSUED:
        return Conflict("只有已办结待送达的办件可以存入信包箱", code="pickup_not_open", detail={"state": case.state})
    if case.delivery_mode != DeliveryMode.LOCKER:
        return Conflict("该办件出件时未选择“自助信包箱”送达方式", code="not_locker_delivery")
    if Parcel.objects.filter(
        case=case, kind=Kind.PICKUP, status__in=(ParcelState.DEPOSITED, ParcelState.PICKED_UP)
    ).exists():
        return Conflict("该办件的结果已存入信包箱", code="pickup_exists")
    return None


def may_choose_pickup_site(case: Case) -> bool:
    return DeliveryMode.LOCKER in (case.item.delivery_modes or []) and case.state in (
        State.SUBMITTED,
        State.CORRECTION_REQUESTED,
        State.ACCEPTED,
        State.SUSPENDED,
        State.APPROVED,
        State.ISSUED,
    )


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class DayCount:
    day: datetime.date
    dropoffs: int
    pickups: int


@dataclass
class SiteStats:
    site: LockerSite
    days: int
    cells: int = 0
    in_service: int = 0
    in_use: int = 0  # reserved or occupied now
    by_state: dict[str, int] = field(default_factory=dict)
    occupancy: float | None = None  # share of cell-time in use over the period
    per_day: list[DayCount] = field(default_factory=list)
    dropoffs: int = 0
    pickups: int = 0
    average_wait_hours: float | None = None  # from deposit to pick-up, over the period
    waiting_now: int = 0  # results in the site's cells now
    oldest_wait_hours: float | None = None

    @property
    def use_rate(self) -> float | None:
        """Cells in use now among those in service."""
        return self.in_use / self.in_service if self.in_service else None


def site_stats(site: LockerSite, *, days: int = 30, now: datetime.datetime | None = None) -> SiteStats:
    """使用率, 每日交件/取件, 结果平均等待时间 over the last ``days`` days (China time)."""
    now = now or timezone.now()
    days = max(1, min(days, 366))
    today = timezone.localdate(now)
    start_day = today - datetime.timedelta(days=days - 1)
    start = timezone.make_aware(datetime.datetime.combine(start_day, datetime.time.min))
    stats = SiteStats(site=site, days=days)
    states = Counter(Cell.objects.filter(cabinet__site=site).values_list("state", flat=True))
    stats.by_state = {s: states.get(s, 0) for s in CellState.values}
    stats.cells = sum(states.values())
    stats.in_service = stats.cells - states.get(CellState.OUT_OF_SERVICE, 0)
    stats.in_use = states.get(CellState.RESERVED, 0) + states.get(CellState.OCCUPIED, 0)

    parcels = list(
        Parcel.objects.filter(site=site)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start))
        .filter(created_at__lte=now)
        .values("kind", "status", "cell_id", "created_at", "opened_at", "ended_at")
    )
    dropoffs: Counter = Counter()
    pickups: Counter = Counter()
    waits: list[float] = []
    used_seconds = 0.0
    for p in parcels:
        if p["kind"] == Kind.DROPOFF and p["opened_at"] and p["opened_at"] >= start:
            dropoffs[timezone.localdate(p["opened_at"])] += 1
        if p["kind"] == Kind.PICKUP and p["status"] == ParcelState.PICKED_UP and p["ended_at"] >= start:
            pickups[timezone.localdate(p["ended_at"])] += 1
            waits.append((p["ended_at"] - p["created_at"]).total_seconds() / 3600)
        if p["cell_id"]:
            begin, end = max(p["created_at"], start), min(p["ended_at"] or now, now)
            used_seconds += max(0.0, (end - begin).total_seconds())
    period = (now - start).total_seconds()
    if stats.cells and period > 0:
        stats.occupancy = min(1.0, used_seconds / (stats.cells * period))
    stats.per_day = [
        DayCount(d, dropoffs.get(d, 0), pickups.get(d, 0))
        for d in (start_day + datetime.timedelta(days=i) for i in range(days))
    ]
    stats.dropoffs, stats.pickups = sum(dropoffs.values()), sum(pickups.values())
    stats.average_wait_hours = sum(waits) / len(waits) if waits else None
    waiting = [p for p in parcels if p["kind"] == Kind.PICKUP and p["status"] == ParcelState.DEPOSITED]
    stats.waiting_now = len(waiting)
    if waiting:
        stats.oldest_wait_hours = max((now - p["created_at"]).total_seconds() / 3600 for p in waiting)
    return stats
