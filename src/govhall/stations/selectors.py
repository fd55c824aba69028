"""Reads of stations, the finder, assisted-service requests, authorisations, the hall
manager's numbers and key projects.

Who may see which request or project is ``accounts.scope``'s one policy, declared here for
both (``ASSIST_SCOPE``, ``PROJECT_SCOPE``): the applicant side (the applicant, a company's
operators), the assistant it is assigned to (the policy's ``filer``), and staff by the hall
that answers for it (a hall manager its hall, a supervisor the hall's region and below).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Case as DbCase
from django.db.models import Count, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from govhall.accounts import scope
from govhall.accounts.models import Applicant, Authorisation, Hall, User
from govhall.accounts.roles import Role
from govhall.cases import presenters
from govhall.cases import selectors as case_selectors
from govhall.cases.models import Case
from govhall.catalog.models import ServiceItem
from govhall.core.errors import NotFound
from govhall.stations import geo, workflow
from govhall.stations.geo import Position
from govhall.stations.hours import ALWAYS, DayHours, Schedule
from govhall.stations.lockers import LockerSite, locker_site, locker_sites
from govhall.stations.models import (
    AssistCase,
    AssistRequest,
    AssistStatus,
    Equipment,
    HallLocation,
    KeyProject,
    ProjectCase,
    Station,
    StationAssistant,
)
from govhall.workdays.selectors import get_calendar

ASSIST_SCOPE = scope.Policy(applicant="applicant", filer="assistant", hall="hall", region="hall__region")
PROJECT_SCOPE = scope.Policy(applicant="company", filer="assistant", hall="hall", region="hall__region")
# Staff who see key projects (beside the project's assistant and the company's operators).
PROJECT_STAFF = (Role.HALL_MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR)
# Staff who see the hall manager's numbers (a supervisor reads them for the region).
OVERSIGHT = (Role.HALL_MANAGER, Role.SUPERVISOR, Role.ADMINISTRATOR)


# --------------------------------------------------------------------------- stations


def active_stations() -> QuerySet[Station]:
    return (
        Station.objects.filter(is_active=True)
        .select_related("region", "hall")
        .prefetch_related(
            "items",
            "equipment",
            Prefetch("assistants", queryset=StationAssistant.objects.filter(is_active=True).select_related("user")),
        )
    )


def station_get(code: str) -> Station:
    found = active_stations().filter(code=code).first()
    if found is None:
        raise NotFound("未找到该驿站", code="station_not_found")
    return found


def item_names(codes: list[str]) -> dict[str, str]:
    """Published items' names by code (codes without a published version are left out)."""
    found = ServiceItem.objects.filter(code__in=codes, status=ServiceItem.Status.PUBLISHED).values_list("code", "name")
    return dict(found)


def station_items(station: Station) -> list[tuple[str, str]]:
    """(code, name) of the published items the station takes in, in the catalogue's order."""
    codes = [i.item_code for i in station.items.all()]
    names = item_names(codes)
    return sorted(((c, names[c]) for c in codes if c in names), key=lambda pair: pair[0])


def stations_of_assistant(user: User) -> list[Station]:
    return list(
        Station.objects.filter(assistants__user=user, assistants__is_active=True, is_active=True).order_by("code")
    )


def station_assistants(station: Station) -> list[User]:
    return [a.user for a in station.assistants.all() if a.is_active and a.user.is_active]


# --------------------------------------------------------------------------- the finder


@dataclass(frozen=True)
class ServicePoint:
    """A hall, station or locker site as the finder lists it."""

    kind: str  # hall, station, locker
    key: str  # unique on the page: hall-3, station-dxxq, locker-LH01
    name: str
    address: str
    lat: float
    lng: float
    offers: tuple[str, ...]
    schedule: Schedule
    follows_calendar: bool
    url: str = ""
    phone: str = ""
    hours_known: bool = True  # False: hours only as a text of their own (open_now is None)

    @property
    def kind_label(self) -> str:
        return {"hall": "政务服务大厅", "station": "政务服务驿站", "locker": "自助信包箱"}[self.kind]


@dataclass(frozen=True)
class Nearby:
    point: ServicePoint
    metres: float | None  # None when no position was given
    today: DayHours
    open_now: bool | None  # None: hours not known as a schedule
    next_opening: datetime.datetime | None
    number: int = 0  # its number on the map

    @property
    def walk_minutes(self) -> int | None:
        return None if self.metres is None else geo.walk_minutes(self.metres)

    @property
    def within_circle(self) -> bool:
        return self.metres is not None and geo.within_circle(self.metres)

    @property
    def distance_text(self) -> str:
        return "" if self.metres is None else geo.distance_text(self.metres)


_KIND_ORDER = {"hall": 0, "station": 1, "locker": 2}


def service_points(kinds: tuple[str, ...] = ("hall", "station", "locker")) -> list[ServicePoint]:
    """Every hall with a location, active station and locker site, with what each offers."""
    from django.urls import reverse

    points: list[ServicePoint] = []
    if "hall" in kinds:
        for location in HallLocation.objects.select_related("hall"):
            points.append(
                ServicePoint(
                    kind="hall",
                    key=f"hall-{location.hall_id}",
                    name=location.hall.name,
                    address=location.hall.address,
                    lat=location.latitude,
                    lng=location.longitude,
                    offers=("全部政务服务事项窗口办理", "综合受理、统一出件"),
                    schedule=location.schedule,
                    follows_calendar=location.closed_on_holidays,
                    phone=location.hall.phone,
                )
            )
    if "station" in kinds:
        stations = list(active_stations())
        names = item_names([i.item_code for s in stations for i in s.items.all()])
        for station in stations:
            codes = [i.item_code for i in station.items.all() if i.item_code in names]
            offers = [f"可办{len(codes)}项事项" if codes else "咨询与帮办代办"]
            if station_assistants(station):
                offers.append("帮办代办")
            offers += [e.get_kind_display() for e in station.equipment.all()]
            points.append(
                ServicePoint(
                    kind="station",
                    key=f"station-{station.code}",
                    name=station.name,
                    address=station.address,
                    lat=station.latitude,
                    lng=station.longitude,
                    offers=tuple(dict.fromkeys(offers)),
                    schedule=station.schedule,
                    follows_calendar=station.closed_on_holidays,
                    url=reverse("stations:detail", args=[station.code]),
                    phone=station.phone,
                )
            )
    if "locker" in kinds:
        for site in locker_sites():
            points.append(_locker_point(site))
    return points


def _locker_point(site: LockerSite) -> ServicePoint:
    return ServicePoint(
        kind="locker",
        key=f"locker-{site.code}",
        name=site.name,
        address=site.address,
        lat=site.lat,
        lng=site.lng,
        offers=(site.note,),
        schedule=ALWAYS,
        follows_calendar=False,
        hours_known=site.always_open,
        phone=site.phone,
    )


def nearby(
    here: Position | None,
    *,
    kinds: tuple[str, ...] = ("hall", "station", "locker"),
    at: datetime.datetime | None = None,
    limit: int | None = None,
    points: list[ServicePoint] | None = None,
) -> list[Nearby]:
    """The service points by distance from ``here`` (nearest first; halls before stations
    before lockers at equal distance), each with today's hours and whether it is open at
    ``at`` (now); without a position, in the order halls, stations, lockers."""
    at = timezone.localtime(at) if at is not None else timezone.localtime()
    calendar = get_calendar()
    found = []
    for point in points if points is not None else service_points(kinds):
        metres = None if here is None else geo.distance_m(here.lat, here.lng, point.lat, point.lng)
        found.append(
            Nearby(
                point=point,
                metres=metres,
                today=point.schedule.day(at.date(), calendar, follows_calendar=point.follows_calendar),
                open_now=point.schedule.is_open(at, calendar, follows_calendar=point.follows_calendar)
                if point.hours_known
                else None,
                next_opening=point.schedule.next_opening(
                    at.replace(tzinfo=None), calendar, follows_calendar=point.follows_calendar
                ),
            )
        )
    found.sort(key=lambda n: (n.metres if n.metres is not None else 0.0, _KIND_ORDER[n.point.kind], n.point.name))
    found = found[:limit] if limit else found
    return [
        Nearby(n.point, n.metres, n.today, n.open_now, n.next_opening, number=i) for i, n in enumerate(found, start=1)
    ]


def locker_sites_of(station: Station) -> list[tuple[Equipment, LockerSite | None]]:
    """The station's locker equipment with the lockers app's site each names (None when
    the site is unknown to it)."""
    return [(e, locker_site(e.locker_site)) for e in station.equipment.all() if e.kind == Equipment.Kind.LOCKER]


# --------------------------------------------------------------------------- 帮办代办


def visible_requests(user: User) -> QuerySet[AssistRequest]:
    return scope.visible(user, AssistRequest.objects.all(), ASSIST_SCOPE).select_related(
        "applicant", "station", "assistant", "hall"
    )


def request_for(user: User, number: str) -> AssistRequest:
    """The request if ``user`` may see it; NotFound otherwise (never Forbidden)."""
    found = (
        AssistRequest.objects.select_related("applicant", "station", "assistant", "hall", "authorisation")
        .filter(number=number)
        .first()
    )
    if found is None or not scope.can_see(user, found, ASSIST_SCOPE):
        raise NotFound("未找到该帮办代办申请", code="assist_request_not_found")
    return found


def request_roles(user: User, request: AssistRequest) -> set[str]:
    """The roles ``user`` holds on ``request`` (``workflow``'s vocabulary)."""
    roles: set[str] = set()
    if not user.is_authenticated:
        return roles
    if scope.acts_for(user, request.applicant):
        roles.add(scope.APPLICANT)
    if request.assistant_id == user.pk:
        roles.add(workflow.ASSIGNEE)
    if scope.in_staff_scope(user, request, ASSIST_SCOPE):
        roles.add(scope.staff_role(user))
    return roles


def request_list(user: User, *, status: str | None = None, mine: bool = False) -> QuerySet[AssistRequest]:
    qs = visible_requests(user)
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(assistant=user)
    return qs.order_by("-created_at", "-id")


def request_cases(request: AssistRequest, user: User) -> list[dict]:
    """The cases linked to a request, as list lines (the ones ``user`` may see)."""
    ids = AssistCase.objects.filter(request=request).values("case_id")
    return _case_lines(Case.objects.filter(pk__in=ids), user, only_visible=True)


def _case_lines(qs: QuerySet[Case], user: User, *, only_visible: bool) -> list[dict]:
    calendar = get_calendar()
    cases = qs.select_related("item", "applicant", "department").prefetch_related("pauses").order_by("created_at")
    lines = []
    for case in cases:
        visible = case_selectors.can_see(user, case)
        if only_visible and not visible:
            continue
        line = presenters.summary_out(case, calendar)
        line["visible"] = visible
        lines.append(line)
    return lines


def assistant_load(users: list[User]) -> dict[int, int]:
    """Open requests (assigned or in progress) per assistant id."""
    rows = (
        AssistRequest.objects.filter(assistant__in=users, status__in=(AssistStatus.ASSIGNED, AssistStatus.IN_PROGRESS))
        .values("assistant_id")
        .annotate(n=Count("id"))
    )
    load = {u.pk: 0 for u in users}
    load.update({r["assistant_id"]: r["n"] for r in rows})
    return load


def candidates_for(request: AssistRequest) -> list[User]:
    """Who may be given ``request``: the assistants of its station, or, for a request
    without one, of the stations of its hall that take all its items (any of them, when
    none takes them all)."""
    if request.station_id:
        stations = [request.station]
    else:
        stations = list(active_stations().filter(hall=request.hall_id))
        wanted = set(request.item_codes or [])
        taking = [s for s in stations if wanted <= {i.item_code for i in s.items.all()}]
        stations = taking or stations
    users: dict[int, User] = {}
    for station in stations:
        for user in StationAssistant.objects.filter(
            station=station, is_active=True, user__is_active=True
        ).select_related("user"):
            if scope.staff_role(user.user) == Role.ASSISTANT:
                users.setdefault(user.user_id, user.user)
    return list(users.values())


def pick_by_workload(candidates: list[User]) -> User | None:
    """The candidate with the fewest open requests; on a tie, the one given fewest in the
    last 30 days, then the longest-serving account (lowest id)."""
    if not candidates:
        return None
    load = assistant_load(candidates)
    since = timezone.now() - datetime.timedelta(days=30)
    recent = Counter(
        AssistRequest.objects.filter(assistant__in=candidates, assigned_at__gte=since).values_list(
            "assistant_id", flat=True
        )
    )
    return min(candidates, key=lambda u: (load[u.pk], recent[u.pk], u.pk))


def assignable_assistants(request: AssistRequest) -> list[tuple[User, int]]:
    """(assistant, open requests) a manager may choose from: the request's candidates
    first, then every other assistant of the hall's stations."""
    first = candidates_for(request)
    others = [
        a.user
        for a in StationAssistant.objects.filter(station__hall=request.hall_id, is_active=True).select_related("user")
        if a.user_id not in {u.pk for u in first} and scope.staff_role(a.user) == Role.ASSISTANT
    ]
    users = list({u.pk: u for u in [*first, *others]}.values())
    load = assistant_load(users)
    return [(u, load[u.pk]) for u in users]


# --------------------------------------------------------------------------- authorisations


def authorisation_state(authorisation: Authorisation, today: datetime.date | None = None) -> tuple[str, str]:
    """(state, label): pending (待确认), live (有效), expired (已过期), revoked (已撤销),
    future (未生效)."""
    today = today or timezone.localdate()
    if authorisation.revoked_at is not None:
        return "revoked", "已撤销" if authorisation.confirmed_at else "已拒绝或撤销"
    if authorisation.valid_until < today:
        return "expired", "已过期"
    if authorisation.confirmed_at is None:
        return "pending", "待申请人确认"
    if authorisation.valid_from > today:
        return "future", "未生效"
    return "live", "有效"


def authorisations_given(user: User) -> list[Authorisation]:
    """The authorisations of the applicants ``user`` is or operates for, newest first."""
    applicants = [a.pk for a in scope.represented(user)]
    return list(
        Authorisation.objects.filter(applicant_id__in=applicants)
        .select_related("applicant", "assistant", "confirmed_by")
        .order_by("-created_at", "-id")
    )


def authorisation_given(user: User, authorisation_id: int) -> Authorisation:
    found = next((a for a in authorisations_given(user) if a.pk == authorisation_id), None)
    if found is None:
        raise NotFound("未找到该委托", code="authorisation_not_found")
    return found


def mandates_held(user: User) -> list[Authorisation]:
    """The authorisations naming ``user`` as the assistant, newest first."""
    return list(
        Authorisation.objects.filter(assistant=user)
        .select_related("applicant", "confirmed_by")
        .order_by("-created_at", "-id")
    )


def colleagues(user: User) -> set[int]:
    """Ids of the assistants who share an active station with ``user``."""
    stations = StationAssistant.objects.filter(user=user, is_active=True).values("station_id")
    return set(
        StationAssistant.objects.filter(station_id__in=stations, is_active=True)
        .exclude(user=user)
        .values_list("user_id", flat=True)
    )


def can_revoke(user: User, authorisation: Authorisation) -> bool:
    """Who may end a 委托书: the applicant side, the assistant it names, an administrator,
    and a hall manager of the hall it serves: a hall with a station the assistant works at,
    or with a request or key project that rests on it. (``accounts`` lets any hall manager;
    through the stations pages and API only their own hall's.)"""
    if not user.is_authenticated:
        return False
    if authorisation.assistant_id == user.pk or scope.acts_for(user, authorisation.applicant):
        return True
    role = scope.staff_role(user)
    if role == Role.ADMINISTRATOR:
        return True
    if role != Role.HALL_MANAGER:
        return False
    profile = scope.staff_profile(user)
    hall = profile.hall_id if profile else None
    if hall is None:
        return False
    return (
        StationAssistant.objects.filter(station__hall=hall, user_id=authorisation.assistant_id).exists()
        or AssistRequest.objects.filter(hall=hall, authorisation=authorisation).exists()
        or KeyProject.objects.filter(
            hall=hall, assistant_id=authorisation.assistant_id, company_id=authorisation.applicant_id
        ).exists()
    )


def witnessable(user: User) -> QuerySet[Authorisation]:
    """Authorisations waiting for a signature ``user`` may witness at a station: of a
    colleague at one of their stations (an assistant), of an assistant at a station of
    their hall (a clerk or hall manager), any (an administrator); never their own."""
    today = timezone.localdate()
    pending = Authorisation.objects.filter(
        confirmed_at__isnull=True, revoked_at__isnull=True, valid_until__gte=today
    ).exclude(assistant=user)
    role = scope.staff_role(user)
    if role == Role.ADMINISTRATOR:
        mine = pending
    elif role == Role.ASSISTANT:
        mine = pending.filter(assistant_id__in=colleagues(user))
    elif role in (Role.CLERK, Role.HALL_MANAGER):
        profile = scope.staff_profile(user)
        hall = profile.hall_id if profile else None
        assistants = StationAssistant.objects.filter(station__hall=hall, is_active=True).values("user_id")
        mine = pending.filter(assistant_id__in=assistants) if hall else pending.none()
    else:
        mine = pending.none()
    return mine.select_related("applicant", "assistant").order_by("created_at", "id")


# --------------------------------------------------------------------------- the hall manager's view


@dataclass
class AssistantLine:
    user: User
    stations: list[str] = field(default_factory=list)
    open: int = 0
    in_progress: int = 0
    done_30: int = 0
    cancelled_30: int = 0
    cases_30: int = 0
    hours: list[float] = field(default_factory=list)  # assigned → done, of those done in 30 days

    @property
    def average_days(self) -> float | None:
        return round(sum(self.hours) / len(self.hours) / 24, 1) if self.hours else None


@dataclass
class StationLine:
    station: Station
    assistants: int = 0
    new: int = 0
    open: int = 0
    done_30: int = 0
    cancelled_30: int = 0


@dataclass
class Dashboard:
    assistants: list[AssistantLine]
    stations: list[StationLine]
    open_requests: list[AssistRequest]
    unassigned: int
    done_30: int
    cancelled_30: int
    cases_30: int
    since: datetime.date


def dashboard(user: User, *, days: int = 30) -> Dashboard:
    """Workload, open requests and results of the assistants and stations ``user``
    oversees (a hall manager: the hall's; a supervisor: the region's; an administrator:
    all), counted over the requests they may see. ``done``, ``cancelled`` and ``cases``
    count the last ``days`` days."""
    role = scope.staff_role(user)
    if role not in OVERSIGHT:
        raise NotFound("未找到该页面", code="not_found")
    since = timezone.now() - datetime.timedelta(days=days)
    staff = scope.staff_filter(user, ASSIST_SCOPE)
    requests = AssistRequest.objects.filter(staff) if staff is not None else AssistRequest.objects.none()
    stations = _overseen_stations(user)
    posts = StationAssistant.objects.filter(station__in=stations, is_active=True).select_related("user", "station")
    lines: dict[int, AssistantLine] = {}
    for post in posts:
        line = lines.setdefault(post.user_id, AssistantLine(user=post.user))
        line.stations.append(post.station.name)
    station_lines = {s.pk: StationLine(station=s) for s in stations}
    for post in posts:
        station_lines[post.station_id].assistants += 1
    done = cancelled = 0
    for r in requests.select_related("assistant").only(
        "status", "assistant", "station_id", "assigned_at", "closed_at", "created_at"
    ):
        recent = r.closed_at is not None and r.closed_at >= since
        line = lines.get(r.assistant_id) if r.assistant_id else None
        if r.assistant_id and line is None:  # an assistant no longer at a station here
            line = lines[r.assistant_id] = AssistantLine(user=r.assistant)
        station = station_lines.get(r.station_id)
        if r.status in workflow.OPEN:
            if station:
                station.open += 1
                station.new += r.status == AssistStatus.NEW
            if line:
                line.open += 1
                line.in_progress += r.status == AssistStatus.IN_PROGRESS
        elif recent and r.status == AssistStatus.DONE:
            done += 1
            if station:
                station.done_30 += 1
            if line:
                line.done_30 += 1
                if r.assigned_at:
                    line.hours.append((r.closed_at - r.assigned_at).total_seconds() / 3600)
        elif recent and r.status == AssistStatus.CANCELLED:
            cancelled += 1
            if station:
                station.cancelled_30 += 1
            if line:
                line.cancelled_30 += 1
    filed = (
        AssistCase.objects.filter(request__in=requests, linked_at__gte=since)
        .values("request__assistant_id")
        .annotate(n=Count("id"))
    )
    for row in filed:
        if row["request__assistant_id"] in lines:
            lines[row["request__assistant_id"]].cases_30 = row["n"]
    # waiting to be assigned first (the manager's to do), then the oldest
    waiting_first = DbCase(When(status=AssistStatus.NEW, then=Value(0)), default=Value(1))
    open_requests = list(
        requests.filter(status__in=workflow.OPEN)
        .select_related("applicant", "station", "assistant")
        .order_by(waiting_first, "created_at", "id")[:100]
    )
    return Dashboard(
        assistants=sorted(lines.values(), key=lambda a: (-a.open, a.user.pk)),
        stations=list(station_lines.values()),
        open_requests=open_requests,
        unassigned=requests.filter(status=AssistStatus.NEW).count(),
        done_30=done,
        cancelled_30=cancelled,
        cases_30=sum(a.cases_30 for a in lines.values()),
        since=since.date(),
    )


def _overseen_stations(user: User) -> list[Station]:
    """The stations a hall manager's hall (a supervisor's region, an administrator: all) has."""
    found = scope.reach(user)
    qs = Station.objects.filter(is_active=True).order_by("code")
    if found is None:
        return []
    if found.everything:
        return list(qs)
    if found.role == Role.SUPERVISOR:
        return list(qs.filter(hall__region_id__in=found.region))
    return list(qs.filter(hall_id=found.hall)) if found.hall else []


# --------------------------------------------------------------------------- 重点项目


def visible_projects(user: User) -> QuerySet[KeyProject]:
    """Key projects ``user`` may see: the project's assistant, the company's operators, and
    hall managers (their hall), supervisors (their region) and administrators."""
    if not user.is_authenticated:
        return KeyProject.objects.none()
    condition = scope.applicant_filter(user, PROJECT_SCOPE)
    if scope.staff_role(user) in PROJECT_STAFF:
        staff = scope.staff_filter(user, PROJECT_SCOPE)
        if staff is not None:
            condition |= staff
    return KeyProject.objects.filter(condition).select_related("company", "assistant", "hall")


def project_can_see(user: User, project: KeyProject) -> bool:
    return scope.is_applicant_side(user, project, PROJECT_SCOPE) or (
        scope.staff_role(user) in PROJECT_STAFF and scope.in_staff_scope(user, project, PROJECT_SCOPE)
    )


def project_for(user: User, code: str) -> KeyProject:
    found = KeyProject.objects.select_related("company", "assistant", "hall").filter(code=code).first()
    if found is None or not project_can_see(user, found):
        raise NotFound("未找到该重点项目", code="project_not_found")
    return found


def project_roles(user: User, project: KeyProject) -> set[str]:
    """``assignee`` (its assistant), ``applicant`` (the company's side), and the staff role
    within its scope."""
    roles: set[str] = set()
    if project.assistant_id == user.pk:
        roles.add(workflow.ASSIGNEE)
    if scope.acts_for(user, project.company):
        roles.add(scope.APPLICANT)
    if scope.staff_role(user) in PROJECT_STAFF and scope.in_staff_scope(user, project, PROJECT_SCOPE):
        roles.add(scope.staff_role(user))
    return roles


@dataclass
class ProjectTracking:
    project: KeyProject
    cases: list[dict]  # presenters.summary_out lines, with "visible"
    by_department: list[tuple[str, list[dict]]]
    states: Counter
    open: int
    overdue: int
    next_due: datetime.date | None


def project_tracking(project: KeyProject, user: User) -> ProjectTracking:
    """Every case of the project (whoever filed it) with its deadline, by department. The
    lines say only what a progress query says (item, department, state, dates); the case
    itself opens for those its scope lets in (``visible``)."""
    from govhall.cases import workflow as case_workflow

    ids = ProjectCase.objects.filter(project=project).values("case_id")
    lines = _case_lines(Case.objects.filter(pk__in=ids), user, only_visible=False)
    lines.sort(key=lambda c: (c["due_date"] is None, c["due_date"] or datetime.date.max, c["number"]))
    groups: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        groups[line["department"]].append(line)
    open_lines = [c for c in lines if c["state"] not in case_workflow.TERMINAL]
    dues = [c["due_date"] for c in open_lines if c["due_date"]]
    return ProjectTracking(
        project=project,
        cases=lines,
        by_department=sorted(groups.items()),
        states=Counter(c["state_label"] for c in lines),
        open=len(open_lines),
        overdue=sum(1 for c in lines if c["overdue"]),
        next_due=min(dues) if dues else None,
    )


def companies_of(user: User) -> list[Applicant]:
    return [a for a in scope.represented(user) if a.kind == Applicant.Kind.LEGAL]


def halls() -> QuerySet[Hall]:
    return Hall.objects.order_by("id")


def assistants_of_hall(hall_id: int | None) -> list[User]:
    qs = StationAssistant.objects.filter(is_active=True).select_related("user")
    if hall_id:
        qs = qs.filter(station__hall=hall_id)
    users = {a.user_id: a.user for a in qs if scope.staff_role(a.user) == Role.ASSISTANT}
    return sorted(users.values(), key=lambda u: u.pk)


def filter_requests(qs: QuerySet[AssistRequest], q: str) -> QuerySet[AssistRequest]:
    q = q.strip()
    if not q:
        return qs
    return qs.filter(Q(number=q) | Q(applicant__name__icontains=q))
