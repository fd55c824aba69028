"""Reads of the catalogue for pages and the API."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from govhall.catalog import search
from govhall.catalog.models import (
    Department,
    MaterialRequirement,
    OnlineDepth,
    Region,
    ServiceItem,
    Situation,
    SituationOption,
    Topic,
)

# The four public lists (四办清单) and how an item qualifies.
PUBLIC_LISTS: dict[str, tuple[str, str, Q]] = {
    "instant": ("马上办", "即来即办、当场办结的事项", Q(is_instant=True)),
    "online": ("网上办", "全程网上办理、不用跑腿的事项", Q(online_depth=OnlineDepth.FULL_ONLINE)),
    "one-visit": ("一次办", "最多跑一次即可办结的事项", Q(max_visits__lte=1)),
    "nearby": ("就近办", "可在街道、社区便民服务中心或驿站就近办理的事项", Q(nearby=True)),
}


# What a result list shows; the guide's long texts are not loaded for lists.
SUMMARY_FIELDS = (
    "code",
    "name",
    "kind",
    "department__code",
    "department__name",
    "department__order",
    "applicant_type",
    "status",
    *search.SUMMARY_ATTRS,
)


def published_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).select_related("department")


def _guide_prefetch(qs: QuerySet[ServiceItem]) -> QuerySet[ServiceItem]:
    return qs.select_related("department__region").prefetch_related(
        "topics",
        "materials",
        Prefetch(
            "situations",
            queryset=Situation.objects.prefetch_related(
                Prefetch("options", queryset=SituationOption.objects.prefetch_related("adds", "removes"))
            ),
        ),
    )


def item_get(code: str) -> ServiceItem:
    """The published version of an item, with everything its guide shows."""
    return get_object_or_404(_guide_prefetch(published_items()), code=code)


def attachment_listed(name: str) -> bool:
    """Whether ``name`` (a path in the file storage) is a blank form or example of some
    material requirement: the only stored files anyone may fetch without a check of who
    they are (材料的空白表格、示例样表)."""
    return MaterialRequirement.objects.filter(Q(template=name) | Q(example=name)).exists()


@dataclass
class SearchPage:
    items: list  # ServiceItem rows when browsing, search.Doc entries (same attributes) when searching
    total: int
    page: int
    page_size: int
    revision: int | None = None  # the catalogue revision a search read (bundle suggestions reuse it)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


# No list is read this far: a larger page number only asks the database for an absurd offset.
MAX_PAGE = 10_000


def item_search(
    *,
    q: str = "",
    department: str | None = None,
    applicant_type: str | None = None,
    kind: str | None = None,
    topic: str | None = None,
    public_list: str | None = None,
    code: str | None = None,
    page: int = 1,
    page_size: int = 20,
) -> SearchPage:
    """Search (ranked, when q is given) or browse (by department order and code).

    ``code`` keeps the items a code names (a whole implementation code, a basic code, a
    region code or an agency's credit code: search.code_positions). A query that is such a
    code lists those items, as browsing does, rather than searching the text for it."""
    page = min(max(1, page), MAX_PAGE)
    page_size = min(max(1, page_size), 100)
    department_id = (
        Department.objects.filter(code=department).values_list("id", flat=True).first() if department else None
    )
    topic_id = Topic.objects.filter(code=topic).values_list("id", flat=True).first() if topic else None
    if (department and department_id is None) or (topic and topic_id is None):
        return SearchPage([], 0, page, page_size)
    index = search.current_index() if (q.strip() or code) else None
    positions = search.code_positions(index, code) if code else None
    if positions is None and q.strip() and (named := search.code_positions(index, q)):
        positions, q = named, ""
    start = (page - 1) * page_size
    if q.strip():
        filters = search.Filters(
            department_id=department_id,
            applicant_type=applicant_type,
            kind=kind,
            topic_id=topic_id,
            public_list=public_list,
            positions=positions,
        )
        result = search.search(index, q, filters)
        # results come from the index itself: it is exactly the published catalogue at this revision
        return SearchPage(result.docs(start, start + page_size), result.total, page, page_size, index.revision)
    qs = published_items()
    if positions is not None:
        qs = qs.filter(pk__in=[index.docs[p].item_id for p in positions])
    if department_id:
        qs = qs.filter(department_id=department_id)
    if applicant_type:
        qs = qs.filter(applicant_type__in=[applicant_type, ServiceItem.ApplicantType.BOTH])
    if kind:
        qs = qs.filter(kind=kind)
    if topic_id:
        qs = qs.filter(topics=topic_id)
    if public_list:
        qs = qs.filter(PUBLIC_LISTS[public_list][2])
    qs = qs.order_by("department__order", "code")
    total = qs.count()
    return SearchPage(list(qs.only(*SUMMARY_FIELDS)[start : start + page_size]), total, page, page_size)


# Item versions with their department, materials and situations, by (id, published_at).
# Cases are filed on a published version, and a version's rows are never edited once
# published (a change makes a new version; only ``status`` moves on, to superseded or
# retired, and case handling never reads it), so a process may keep them for its whole life
# instead of joining the item's wide row into every case read. ``published_at`` is in the key
# because an id alone may come back: SQLite hands out a rolled-back row's id again.
_item_versions: dict[tuple, ServiceItem] = {}
_ITEM_VERSIONS_MAX = 2000


@dataclass
class _Published:
    revision: int
    versions: dict[str, tuple[int, datetime.datetime]]


_published = _Published(revision=-1, versions={})


def published_version(code: str) -> tuple[int, datetime.datetime] | None:
    """(id, published_at) of the published version of item ``code``, or None. Remembered
    per catalogue revision (every publication or retirement moves it), so an application
    costs one single-row read instead of a query on the items."""
    global _published
    revision = search.current_revision()
    state = _published
    if state.revision != revision:  # a new state object: late writers of the old one do no harm
        state = _published = _Published(revision=revision, versions={})
    found = state.versions.get(code)
    if found is None:
        found = (
            ServiceItem.objects.filter(code=code, status=ServiceItem.Status.PUBLISHED)
            .values_list("pk", "published_at")
            .first()
        )
        if found is not None:
            state.versions[code] = found
    return found


def item_version(item_id: int, published_at: datetime.datetime | None) -> ServiceItem:
    """The item version ``item_id``, prefetched for ``materials_for_answers``; shared by
    every caller in the process, so callers must not change it."""
    key = (item_id, published_at)
    found = _item_versions.get(key)
    if found is None:
        found = (
            ServiceItem.objects.select_related("department__region")
            .prefetch_related("materials", "situations__options__adds", "situations__options__removes")
            .get(pk=item_id)
        )
        # Drafts may still change; a published_at that is not the row's is a stale caller.
        if found.status != ServiceItem.Status.DRAFT and published_at and found.published_at == published_at:
            if len(_item_versions) >= _ITEM_VERSIONS_MAX:
                _item_versions.clear()
            _item_versions[key] = found
    return found


def materials_for_answers(item: ServiceItem, answers: dict[int, int]) -> list[MaterialRequirement]:
    """情形引导: the exact material list for the applicant's answers.

    ``answers`` maps situation id -> chosen option id (unanswered situations add nothing).
    Base materials are the non-conditional ones; each chosen option adds and removes.
    Works on a prefetched item (item_get) without further queries.
    """
    materials = list(item.materials.all())
    included = {m.id for m in materials if not m.conditional}
    for situation in item.situations.all():
        chosen = answers.get(situation.id)
        for option in situation.options.all():
            if option.id == chosen:
                included |= {m.id for m in option.adds.all()}
                included -= {m.id for m in option.removes.all()}
    return [m for m in materials if m.id in included]


def parse_answers(item: ServiceItem, raw: dict[str, str]) -> dict[int, int]:
    """Answers from a query string or form (situation id -> option id), ignoring anything
    that is not a situation and option of this item."""
    answers = {}
    for situation in item.situations.all():
        value = raw.get(f"s{situation.id}") or raw.get(str(situation.id))
        if value and str(value).isdigit() and int(value) in {o.id for o in situation.options.all()}:
            answers[situation.id] = int(value)
    return answers


def departments_with_counts(region: Region | None = None):
    from django.db.models import Count

    qs = Department.objects.annotate(
        item_count=Count("items", filter=Q(items__status=ServiceItem.Status.PUBLISHED))
    ).select_related("region")
    if region is not None:
        qs = qs.filter(region=region)
    return qs.order_by("order", "code")


def topics_by_audience() -> dict[str, list[Topic]]:
    out: dict[str, list[Topic]] = {"natural": [], "legal": []}
    for topic in Topic.objects.all():
        out[topic.audience].append(topic)
    return out


def department_power_list(department: Department) -> dict[str, list[ServiceItem]]:
    """权责清单: the department's published items grouped by kind, in the kinds' order."""
    grouped: dict[str, list[ServiceItem]] = {}
    for item in published_items().filter(department=department).order_by("kind", "code"):
        grouped.setdefault(item.get_kind_display(), []).append(item)
    order = [label for _, label in ServiceItem._meta.get_field("kind").choices]
    return {label: grouped[label] for label in order if label in grouped}


# A region and five levels above it in one row: a community's province > city > district >
# street chain is read (and known to end) in one query however many regions there are.
_UP = ("id", *("__".join(["parent"] * n) + "_id" for n in range(1, 6)))


def region_and_above(region_id: int) -> list[int]:
    """Ids of a region and every region above it (the hall levels that hold its items)."""
    found: list[int] = []
    while region_id is not None:
        row = Region.objects.filter(pk=region_id).values_list(*_UP).first()
        if row is None:
            return found
        for rid in row[1:] if found else row:
            if rid is None or rid in found:
                return found
            found.append(rid)
        region_id = found[-1]  # six levels deep: go on from the highest read
    return found


def region_and_below(region_id: int) -> list[int]:
    """Ids of a region and every region under it (scopes of supervisors and halls)."""
    children: dict[int | None, list[int]] = {}
    for rid, parent in Region.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(rid)
    found, todo = [], [region_id]
    while todo:
        rid = todo.pop()
        found.append(rid)
        todo.extend(children.get(rid, []))
    return found
