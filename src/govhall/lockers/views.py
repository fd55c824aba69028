"""The lockers' pages: 我的信包箱 / the staff overview (``index``), a site's cells and figures
(``site``), a case's lockers (``case``: drop-off, pick-up, the staff's actions) and the
cabinet's touch screen (``screen``).

Pages read through ``selectors`` and change through ``services``; a refused service's
message is shown as is. A code is shown once, in the answer to the POST that made it (no
redirect: nothing would have to keep it), and that answer is never cached.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from govhall.accounts import scope
from govhall.accounts.scope import APPLICANT
from govhall.cases import selectors as case_selectors
from govhall.core.errors import DomainError, NotFound
from govhall.core.masking import mask_name
from govhall.lockers import codes, selectors, services
from govhall.lockers.models import Cell
from govhall.lockers.workflow import DIMENSIONS, CellState, Kind, ParcelState, Size

SCREEN_COOKIE = "govhall_locker_screen"
SCREEN_COOKIE_AGE = 365 * 24 * 3600


def _status(exc: DomainError) -> int:
    if isinstance(exc, NotFound):
        raise Http404(exc.message)
    return exc.status if exc.status in (400, 403, 409, 429) else 400


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _sizes(free: dict[str, int] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "value": s,
            "label": Size(s).label,
            "dimensions": DIMENSIONS[s].label,
            "fits": DIMENSIONS[s].fits,
            "free": (free or {}).get(s),
        }
        for s in Size.values
    ]


def _is_staff(user) -> bool:
    return scope.reach(user) is not None


# --------------------------------------------------------------------------- 我的信包箱 / overview


@login_required
def index(request):
    user = request.user
    if not _is_staff(user):
        parcels = (
            selectors.visible_parcels(user)
            .select_related("site", "cabinet", "cell", "case", "case__item")
            .order_by("-created_at", "-id")[:100]
        )
        return render(request, "lockers/mine.html", {"parcels": parcels})
    sites = list(selectors.sites_for_staff(user))
    counts = selectors.free_cells([s.pk for s in sites])
    rows = []
    for site in sites:
        stats = selectors.site_stats(site, days=7)
        rows.append({"site": site, "free": counts.get(site.pk, {}), "stats": stats})
    return render(
        request,
        "lockers/staff_index.html",
        {
            "rows": rows,
            "collection": selectors.waiting_collection(user)[:100],
            "pickup": selectors.waiting_pickup(user)[:100],
            "deposit": selectors.waiting_deposit(user)[:100],
            "mask_name": mask_name,
        },
    )


# --------------------------------------------------------------------------- a site (staff)


@login_required
@require_http_methods(["GET", "POST"])
def site(request, code: str):
    user = request.user
    try:
        found = selectors.site_for_staff(user, code)
    except NotFound:
        raise Http404("未找到该信包箱点位") from None
    extra: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if not selectors.can_work_site(user, found):
            raise Http404("未找到该信包箱点位")
        try:
            result = _site_action(request, found)
        except DomainError as exc:
            status, extra["error"] = _status(exc), exc.message
        else:
            if isinstance(result, dict):  # a pairing link: shown once, on this answer
                extra.update(result)
            else:
                messages.success(request, result)
                return redirect("lockers:site", code=found.code)
    response = render(request, "lockers/site.html", _site_context(request, found, **extra), status=status)
    if "pairing_url" in extra:
        add_never_cache_headers(response)
    return response


def _site_action(request, found) -> str | dict:
    action = request.POST.get("action", "")
    cabinet = next((c for c in found.cabinets.all() if c.code == request.POST.get("cabinet", "")), None)
    if action in ("repair", "unlock", "pair", "unpair") and cabinet is None:
        raise DomainError("请选择柜", code="missing_field", detail={"field": "cabinet"})
    if action == "repair":
        try:
            door = int(request.POST.get("door", ""))
        except ValueError:
            door = 0
        cell = Cell.objects.select_related("cabinet__site").filter(cabinet=cabinet, door=door).first()
        if cell is None:
            raise DomainError("请选择格口", code="missing_field", detail={"field": "door"})
        services.cell_repair(cell=cell, actor=request.user)
        return f"{cell}已恢复使用"
    if action == "unlock":
        services.cabinet_unlock(cabinet=cabinet, actor=request.user)
        return f"{cabinet}已解除开箱锁定"
    if action == "pair":
        token = services.screen_pairing(cabinet=cabinet, actor=request.user)
        url = request.build_absolute_uri(reverse("lockers:screen", args=[cabinet.code])) + f"?pair={token}"
        return {"pairing_url": url, "pairing_cabinet": cabinet}
    if action == "unpair":
        services.screens_unpair(cabinet=cabinet, actor=request.user)
        return f"{cabinet}的所有屏幕已解除配对"
    number = request.POST.get("case", "")[:40]
    if action == "collect":
        services.dropoff_collect(case=number, actor=request.user, comment=request.POST.get("comment", ""))
        return f"办件{number}的材料已收取，柜门已打开"
    if action == "retrieve":
        services.pickup_retrieve(case=number, actor=request.user, comment=request.POST.get("comment", ""))
        return f"办件{number}的结果已取回，柜门已打开"
    raise DomainError("未知的操作", code="unknown_action")


def _site_context(request, found, **extra) -> dict[str, Any]:
    user = request.user
    parcels = selectors.live_parcels_by_cell(found)
    cabinets = []
    for cabinet in selectors.cabinets_of(found):
        cells = []
        for cell in sorted(cabinet.cells.all(), key=lambda c: c.door):
            parcel = parcels.get(cell.pk)
            cells.append(
                {
                    "cell": cell,
                    "state_label": CellState(cell.state).label,
                    "size_label": Size(cell.size).label,
                    "parcel": parcel,
                    "applicant": mask_name(parcel.applicant.name) if parcel else "",
                }
            )
        cabinets.append({"cabinet": cabinet, "cells": cells})
    stats = selectors.site_stats(found, days=30)
    return {
        "site": found,
        "can_work": selectors.can_work_site(user, found),
        "cabinets": cabinets,
        "stats": stats,
        "recent_days": list(reversed(stats.per_day[-14:])),
        "collection": selectors.waiting_collection(user, found),
        "pickup": selectors.waiting_pickup(user, found),
        "free": selectors.free_cells([found.pk]).get(found.pk, {}),
        "sizes": _sizes(),
        "mask_name": mask_name,
        **extra,
    }


# --------------------------------------------------------------------------- a case's lockers


@login_required
@require_http_methods(["GET", "POST"])
def case(request, number: str):
    try:
        found = case_selectors.case_for_actor(number, request.user)
    except NotFound:
        raise Http404("未找到该办件") from None
    extra: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            result = _case_action(request, found)
        except DomainError as exc:
            status, extra["error"] = _status(exc), exc.message
            extra["error_action"] = request.POST.get("action", "")
        else:
            if isinstance(result, services.Issued):
                # The code, shown once on this answer (and sent by SMS): not cached anywhere.
                extra["issued"] = result
                extra["issued_code"] = codes.spaced(result.code) if result.code else ""
                found = case_selectors.case_for_actor(number, request.user)
            else:
                messages.success(request, result)
                return redirect("lockers:case", number=found.number)
    response = render(request, "lockers/case.html", _case_context(request, found, **extra), status=status)
    if "issued" in extra:
        add_never_cache_headers(response)
    return response


def _case_action(request, found) -> str | services.Issued:
    post, user = request.POST, request.user
    action = post.get("action", "")
    if action == "reserve":
        return services.dropoff_reserve(
            case=found, actor=user, site=post.get("site", "")[:40], size=post.get("size", "")
        )
    if action == "renew":
        return services.code_renew(case=found, actor=user, kind=post.get("kind", ""))
    if action == "cancel":
        services.dropoff_cancel(case=found, actor=user)
        return "交件预约已取消，格口已释放"
    if action == "choose":
        choice = services.pickup_choose(case=found, actor=user, site=post.get("site", "")[:40])
        return f"取件点位已选择：{choice.site.name}"
    if action == "originals":
        services.originals_request(case=found, actor=user, comment=post.get("comment", ""))
        return "已通知申请人提交纸质原件"
    if action == "deposit":
        parcel = services.pickup_deposit(
            case=found, actor=user, site=post.get("site", "")[:40], size=post.get("size", "")
        )
        door = f"，请在{parcel.place}放入结果并关好柜门" if parcel.cell_id else f"，网络件号{parcel.reference}"
        return f"结果已存入信包箱{door}；取件码已短信发送给申请人"
    if action == "collect":
        parcel = services.dropoff_collect(case=found, actor=user, comment=post.get("comment", ""))
        return f"已收取材料（{parcel.place}），柜门已打开"
    if action == "retrieve":
        parcel = services.pickup_retrieve(case=found, actor=user, comment=post.get("comment", ""))
        return f"结果已取回（{parcel.place}）"
    raise DomainError("未知的操作", code="unknown_action")


def _case_context(request, found, **extra) -> dict[str, Any]:
    user = request.user
    roles = case_selectors.actor_roles(user, found)
    applicant_side = APPLICANT in roles
    staff_role = scope.staff_role(user)
    is_staff = bool(roles - {APPLICANT})
    acting_staff = is_staff and staff_role in selectors.ACTING_ROLES and staff_role in roles
    lat, lng = _float(request.GET.get("lat")), _float(request.GET.get("lng"))
    if not selectors.valid_position(lat, lng):
        lat = lng = None
    q = request.GET.get("q", "")[:50]
    serving = selectors.sites_serving(found)
    choices = selectors.site_choices(serving, lat=lat, lng=lng, q=q)
    parcels = selectors.parcels_of_case(found)
    dropoff = next((p for p in parcels if p.kind == Kind.DROPOFF and p.status in _LIVE), None)
    pickup = next((p for p in parcels if p.kind == Kind.PICKUP and p.status in _LIVE), None)
    refusal = selectors.dropoff_refusal(found)
    deposit_refusal = selectors.pickup_refusal(found)
    staff_sites = [
        c for c in selectors.site_choices(serving) if c.site.is_network or selectors.can_work_site(user, c.site)
    ]
    choice = selectors.pickup_choice(found)
    return {
        "case": found,
        "applicant_side": applicant_side,
        "is_staff": is_staff,
        "acting_staff": acting_staff,
        "parcels": parcels,
        "dropoff": dropoff,
        "pickup": pickup,
        "refusal": refusal,
        "originals": selectors.originals_needed(found),
        "originals_request": selectors.latest_originals_request(found),
        "may_request_originals": is_staff and staff_role != "supervisor" and found.state in selectors.ORIGINALS_STATES,
        "choices": choices,
        "lat": lat,
        "lng": lng,
        "q": q,
        "sizes": _sizes(),
        "deposit_refusal": deposit_refusal,
        "staff_sites": staff_sites,
        "pickup_choice": choice,
        "may_choose": applicant_side and selectors.may_choose_pickup_site(found) and pickup is None,
        "has_workbench": _is_staff(user),
        "code_digits": codes.digits(),
        **extra,
    }


_LIVE = (ParcelState.RESERVED, ParcelState.DROPPED, ParcelState.DEPOSITED)


# --------------------------------------------------------------------------- the cabinet's screen


@never_cache
@require_http_methods(["GET", "POST"])
def screen(request, code: str):
    """The cabinet's touch screen. A screen is paired once by staff (a one-time link from the
    site page), which leaves a signed, httpOnly device cookie: the page's script never holds
    a secret, and every code goes through ``services.code_open`` as the cabinet API's do,
    counted per cabinet and per screen. Without a pairing the visitor is sent to sign in
    (staff pair screens from the site page)."""
    cabinet = selectors.cabinet_by_code(code)
    token = request.GET.get("pair", "")
    if cabinet is not None and token and request.method == "GET":
        try:
            value = services.screen_pair(cabinet=cabinet, token=token[:500])
        except DomainError as exc:
            return render(
                request, "lockers/screen_unpaired.html", {"cabinet": cabinet, "error": exc.message}, status=403
            )
        response = redirect("lockers:screen", code=cabinet.code)
        response.set_cookie(
            SCREEN_COOKIE,
            value,
            max_age=SCREEN_COOKIE_AGE,
            httponly=True,
            samesite="Strict",
            secure=settings.SESSION_COOKIE_SECURE,
            path=reverse("lockers:screen", args=[cabinet.code]),
        )
        return response
    device = services.screen_device(cabinet, request.COOKIES.get(SCREEN_COOKIE)) if cabinet is not None else None
    if device is None:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if cabinet is None:
            raise Http404("未找到该信包箱柜")
        return render(request, "lockers/screen_unpaired.html", {"cabinet": cabinet}, status=403)
    context: dict[str, Any] = {"cabinet": cabinet, "site": cabinet.site, "digits": codes.digits()}
    status = 200
    if request.method == "POST":
        try:
            opened = services.code_open(
                cabinet=cabinet, code=request.POST.get("code", ""), source=f"screen-{device}", screen=True
            )
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise Http404(exc.message) from None
            context["error"] = exc.message
            status = exc.status if exc.status in (403, 409, 429) else 400
        else:
            what = "请放入纸质材料后关好柜门" if opened.kind == Kind.DROPOFF else "请取出办理结果后关好柜门"
            messages.success(request, f"{opened.door_label}号柜门已打开，{what}")
            return redirect("lockers:screen", code=cabinet.code)
    return render(request, "lockers/screen.html", context, status=status)
