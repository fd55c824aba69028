"""Public catalogue pages (no login): browse, search, guides, public lists, power lists."""

from __future__ import annotations

import segno
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from govhall.catalog import bundle_guides, bundles, selectors
from govhall.catalog.models import Channel, DeliveryMode, Department, ItemKind, ServiceItem, Topic
from govhall.core import links

APPLICANT_TYPES = {"natural": "个人办事", "legal": "法人办事"}


def _guide_url(item: ServiceItem) -> str:
    return settings.SITE_URL + reverse("catalog:guide", args=[item.code])


@require_GET
def home(request):
    return render(
        request,
        "catalog/home.html",
        {
            "public_lists": selectors.PUBLIC_LISTS,
            "topics": selectors.topics_by_audience(),
            "departments": selectors.departments_with_counts(),
        },
    )


@require_GET
def item_list(request):
    get = request.GET
    applicant_type = get.get("applicant_type") if get.get("applicant_type") in APPLICANT_TYPES else None
    public_list = get.get("list") if get.get("list") in selectors.PUBLIC_LISTS else None
    kind = get.get("kind") if get.get("kind") in ItemKind.values else None
    try:
        page_number = int(get.get("page", "1"))
    except ValueError:
        page_number = 1
    page = selectors.item_search(
        q=get.get("q", "")[:100],
        department=get.get("department") or None,
        applicant_type=applicant_type,
        kind=kind,
        topic=get.get("topic") or None,
        public_list=public_list,
        page=page_number,
    )
    q = get.get("q", "")[:100]
    bundles_found = bundle_guides.bundle_search(q, revision=page.revision) if q.strip() and page.page == 1 else []
    department = Department.objects.filter(code=get.get("department")).first() if get.get("department") else None
    topic = Topic.objects.filter(code=get.get("topic")).first() if get.get("topic") else None
    heading = (
        selectors.PUBLIC_LISTS[public_list][0]
        if public_list
        else department.name
        if department
        else topic.name
        if topic
        else APPLICANT_TYPES.get(applicant_type or "", "全部事项")
    )
    query = get.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/item_list.html",
        {
            "page": page,
            "bundles": bundles_found,
            "q": get.get("q", ""),
            "heading": heading,
            "department": department,
            "topic": topic,
            "applicant_type": applicant_type,
            "public_list": public_list,
            "list_description": selectors.PUBLIC_LISTS[public_list][1] if public_list else "",
            "departments": selectors.departments_with_counts(),
            "query": query.urlencode(),
            "applicant_types": APPLICANT_TYPES,
        },
    )


@require_GET
def guide(request, code: str):
    item = selectors.item_get(code)
    answers = selectors.parse_answers(item, request.GET)
    return render(
        request,
        "catalog/guide.html",
        {
            "item": item,
            "answers": answers,
            "materials": selectors.materials_for_answers(item, answers),
            "qr_svg": segno.make(_guide_url(item), error="m").svg_inline(scale=4, dark="#1d3557"),
            "guide_url": _guide_url(item),
            "channels": [Channel(c).label for c in item.channels],
            "delivery": [DeliveryMode(d).label for d in item.delivery_modes],
            "item_links": links.item_links(item, request.user),  # e.g. 预约办理 (appointments)
        },
    )


@require_GET
def guide_materials(request, code: str):
    """The material list for the chosen situation answers (htmx fragment, or a full page)."""
    item = selectors.item_get(code)
    answers = selectors.parse_answers(item, request.GET)
    context = {"item": item, "materials": selectors.materials_for_answers(item, answers), "answers": answers}
    if not request.htmx:
        return guide(request, code)
    return render(request, "catalog/_materials.html", context)


@require_GET
@cache_control(max_age=3600)
def guide_qr(request, code: str):
    item = selectors.item_get(code)
    svg = segno.make(_guide_url(item), error="m").svg_inline(scale=6)
    return HttpResponse(svg, content_type="image/svg+xml")


@require_GET
def bundle_list(request):
    """Every published bundle (一件事), with what it saves."""
    rows = []
    for bundle in bundles._bundle_prefetch(bundles.published_bundles()).order_by("life_stage", "code"):
        items = bundles.member_items(bundle)
        rows.append(
            {
                "bundle": bundle,
                "member_count": len(bundle.members.all()),
                "limit": bundles.bundle_limit(list(items.values())),
                "reductions": bundles.reductions(bundle, items),
            }
        )
    return render(request, "catalog/bundle_list.html", {"rows": rows})


@require_GET
def bundle_guide(request, code: str):
    """A bundle's guide: members by department, the situation questionnaire (a GET form,
    no script needed) narrowing members and materials, the one form and the one set of
    materials, the reductions and the limit, and where to apply."""
    bundle = bundles.bundle_get(code)
    if bundle is None:
        raise Http404("没有这个一件事")
    guide = bundle_guides.bundle_guide(bundle, bundles.parse_answers(bundle, request.GET))
    by_department: dict[str, list] = {}
    for member, item, applies in guide["members"]:
        by_department.setdefault(item.department.name if item else "（事项暂未发布）", []).append(
            {"member": member, "item": item, "applies": applies}
        )
    return render(
        request,
        "catalog/bundle_guide.html",
        {**guide, "by_department": by_department, "answered": bool(guide["answers"])},
    )


@require_GET
def public_list(request, name: str):
    if name not in selectors.PUBLIC_LISTS:
        raise Http404("没有这个清单")
    request.GET = request.GET.copy()
    request.GET["list"] = name
    return item_list(request)


@require_GET
def department_list(request):
    return render(request, "catalog/departments.html", {"departments": selectors.departments_with_counts()})


@require_GET
def power_list(request, code: str):
    department = get_object_or_404(Department.objects.select_related("region"), code=code)
    groups = selectors.department_power_list(department)
    return render(
        request,
        "catalog/power_list.html",
        {
            "department": department,
            "groups": groups,
            "total": sum(len(items) for items in groups.values()),
        },
    )


# Shown in the browser; anything else (a .doc form, or HTML an editor uploaded) downloads,
# so a stored file never runs as a page of this site.
_INLINE_TYPES = {".pdf", ".png", ".jpg", ".jpeg"}


@require_GET
@cache_control(max_age=3600, public=True)
def attachment(request, path: str):
    """A material's blank form or example (``MEDIA_URL``catalog/…, the URL its FileField
    gives). Nothing else in the file storage is served by URL: applicants' materials and
    case documents hold personal data and go out only through views that check access."""
    name = f"catalog/{path}"
    if ".." in path.split("/") or not selectors.attachment_listed(name):
        raise Http404("没有这个文件")
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("没有这个文件") from None
    inline = any(name.lower().endswith(ext) for ext in _INLINE_TYPES)
    return FileResponse(handle, as_attachment=not inline, filename=name.rsplit("/", 1)[-1])
