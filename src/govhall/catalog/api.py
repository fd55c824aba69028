"""Catalogue API: public, no login needed."""

from __future__ import annotations

import json
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from govhall.catalog import bundle_guides, bundles, selectors
from govhall.catalog.formfields import normalize_fields
from govhall.catalog.models import ServiceItem
from govhall.catalog.services import MATERIAL_FIELDS
from govhall.core.errors import ErrorOut, NotFound

router = Router(tags=["catalog"])
# 一件事 at /api/v1/bundles (the and the national platform's path), beside the catalogue
bundles_router = Router(tags=["bundles"])


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    region: str


class TopicOut(Schema):
    code: str
    name: str
    audience: str


class ItemSummaryOut(Schema):
    code: str
    base_code: str
    version: int
    name: str
    kind: str
    kind_label: str
    department: str
    department_name: str
    applicant_type: str
    is_instant: bool
    online_depth: str
    max_visits: int
    promised_days: int
    statutory_days: int
    deferral_allowed: bool
    commitment_allowed: bool
    url: str


class BundleLinkOut(Schema):
    code: str
    name: str
    url: str


class ItemPageOut(Schema):
    count: int
    page: int
    page_size: int
    pages: int
    results: list[ItemSummaryOut]
    bundles: list[BundleLinkOut] = Field(
        [], description="与 q 相符的一件事（如“我要开餐馆”“生孩子了”），应先于事项提供给办事人；无 q 时为空"
    )


class MaterialOut(Schema):
    id: int
    name: str
    required: bool
    is_main: bool
    deferrable: bool
    conditional: bool
    originals: int
    copies: int
    form: str
    source: str
    licence_type: str
    asked_of_applicant: bool
    template_url: str | None
    example_url: str | None
    notes: str


class OptionOut(Schema):
    id: int
    label: str
    adds: list[int]
    removes: list[int]


class SituationOut(Schema):
    id: int
    question: str
    help_text: str
    options: list[OptionOut]


class StepOut(Schema):
    name: str
    description: str = ""


class FormFieldOut(Schema):
    name: str
    type: Literal["text", "textarea", "number", "date", "choice"]
    required: bool
    choices: list[str]
    help: str


class CodePartsOut(Schema):
    basic_code: str = Field(description="基本编码")
    region_code: str = Field(description="行政区划代码（12位，GB/T 2260）")
    agency_code: str = Field(description="实施主体的统一社会信用代码（GB 32100）")
    handling_item: str = Field(description="业务办理项")
    version: str = Field(description="版本")


class ItemGuideOut(ItemSummaryOut):
    code_parts: CodePartsOut | None = Field(description="国家实施编码的组成部分；本地编码为null")
    aliases: list[str]
    region_level: str
    topics: list[str]
    legal_basis: str
    conditions: str
    channels: list[str]
    nearby: bool
    is_free: bool
    fee_description: str
    fee_basis: str
    result_type: str
    result_name: str
    licence_type_code: str = Field(description="证照类型代码（GB/T 36902），结果为证照或证明时填写，否则为空")
    delivery_modes: list[str]
    steps: list[StepOut]
    hall_location: str
    window: str
    enquiry_phone: str
    complaint_phone: str
    service_hours: str
    review_points: list[str] = Field(description="审查要点：审查人员逐项核对的标准")
    extension_days: int = Field(description="经负责人批准可延长的工作日数（行政许可法第四十二条；0：不得延长）")
    deferral_days: int
    published_at: str | None
    materials: list[MaterialOut]
    situations: list[SituationOut]
    form_fields: list[FormFieldOut]


class ItemFilters(Schema):
    q: str = ""
    department: str | None = None
    applicant_type: Literal["natural", "legal"] | None = None
    kind: str | None = None
    topic: str | None = None
    list: Literal["instant", "online", "one-visit", "nearby"] | None = None
    code: str | None = Field(
        None, description="实施编码、基本编码，或国家实施编码中的行政区划代码、实施主体统一社会信用代码"
    )
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


def _summary(item: ServiceItem) -> dict:
    return {
        "code": item.code,
        "base_code": item.base_code,
        "version": item.version,
        "name": item.name,
        "kind": item.kind,
        "kind_label": item.get_kind_display(),
        "department": item.department.code,
        "department_name": item.department.name,
        "applicant_type": item.applicant_type,
        "is_instant": item.is_instant,
        "online_depth": item.online_depth,
        "max_visits": item.max_visits,
        "promised_days": item.promised_days,
        "statutory_days": item.statutory_days,
        "deferral_allowed": item.deferral_allowed,
        "commitment_allowed": item.commitment_allowed,
        "url": f"/items/{item.code}/",
    }


def item_guide(item: ServiceItem, request: HttpRequest | None = None) -> dict:
    def file_url(f):
        return f.url if f else None

    parts = item.code_parts
    return {
        **_summary(item),
        "code_parts": parts.as_dict() if parts else None,
        "aliases": item.alias_list,
        "region_level": item.region_level,
        "topics": [t.code for t in item.topics.all()],
        **{
            f: getattr(item, f)
            for f in (
                "legal_basis",
                "conditions",
                "channels",
                "nearby",
                "is_free",
                "fee_description",
                "fee_basis",
                "result_type",
                "result_name",
                "licence_type_code",
                "delivery_modes",
                "steps",
                "hall_location",
                "window",
                "enquiry_phone",
                "complaint_phone",
                "service_hours",
                "review_points",
                "extension_days",
                "deferral_days",
            )
        },
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "materials": [
            {
                **{f: getattr(m, f) for f in ("id", *MATERIAL_FIELDS)},
                "asked_of_applicant": m.asked_of_applicant,
                "template_url": file_url(m.template),
                "example_url": file_url(m.example),
            }
            for m in item.materials.all()
        ],
        "situations": [
            {
                "id": s.id,
                "question": s.question,
                "help_text": s.help_text,
                "options": [
                    {
                        "id": o.id,
                        "label": o.label,
                        "adds": [m.id for m in o.adds.all()],
                        "removes": [m.id for m in o.removes.all()],
                    }
                    for o in s.options.all()
                ],
            }
            for s in item.situations.all()
        ],
        "form_fields": normalize_fields(item.form_fields),
    }


@router.get("/items", response=ItemPageOut, summary="Search or browse published service items")
def list_items(request, filters: Query[ItemFilters]):
    """`q` searches names, aliases, materials and conditions in Chinese, pinyin (`yingyezhizhao`)
    or initials (`yyzz`), best match first; without `q` items are listed by department. A `q`
    that is a code, or `code`, lists the items it names: a whole implementation code, a basic
    code, or a national code's region code or implementing agency's credit code."""
    page = selectors.item_search(
        q=filters.q,
        department=filters.department,
        applicant_type=filters.applicant_type,
        kind=filters.kind,
        topic=filters.topic,
        public_list=filters.list,
        code=filters.code,
        page=filters.page,
        page_size=filters.page_size,
    )
    body = {
        "count": page.total,
        "page": page.page,
        "page_size": page.page_size,
        "pages": page.pages,
        "results": [_summary(i) for i in page.items],
        "bundles": [
            {"code": b.code, "name": b.name, "url": f"/bundles/{b.code}/"}
            for b in (
                bundle_guides.bundle_search(filters.q, revision=page.revision)
                if filters.q.strip() and filters.page == 1
                else []
            )
        ],
    }
    # Rendered directly, the same JSON Ninja renders (ItemPageOut still documents it): the
    # values come from typed model fields or the search index and match the schema by
    # construction (test_search checks it), and re-validating 17 fields of every row
    # cost more than the search itself.
    return HttpResponse(json.dumps(body), content_type="application/json; charset=utf-8")


@router.get(
    "/items/{code}",
    response={200: ItemGuideOut, 404: ErrorOut},
    summary="The full guide (一次性告知) of a published item",
)
def get_item(request, code: str):
    return item_guide(selectors.item_get(code), request)


class TailoredMaterialsOut(Schema):
    code: str
    answers: dict[int, int]
    materials: list[MaterialOut]


@router.get(
    "/items/{code}/materials",
    response={200: TailoredMaterialsOut, 404: ErrorOut},
    summary="The material list for given situation answers (情形引导)",
)
def tailored_materials(request, code: str, answers: str = ""):
    """`answers` is `situationId:optionId,situationId:optionId`."""
    item = selectors.item_get(code)
    raw = dict(pair.split(":", 1) for pair in answers.split(",") if ":" in pair)
    chosen = selectors.parse_answers(item, raw)
    guide = item_guide(item)
    keep = {m.id for m in selectors.materials_for_answers(item, chosen)}
    return {
        "code": item.code,
        "answers": chosen,
        "materials": [m for m in guide["materials"] if m["id"] in keep],
    }


# ---------------------------------------------------------------- bundles (一件事)


class ReductionsOut(Schema):
    materials_before: int = Field(description="逐项办理时要求申请人提交的必要材料数")
    materials_after: int = Field(description="一件事一次提交的必要材料数（同名或声明共享的只交一次，免证办的不交）")
    materials_percent: int = Field(description="材料减少百分比")
    visits_before: int = Field(description="各事项到现场次数之和")
    visits_after: int = Field(description="一件事到现场次数（各事项中最多的一个）")
    visits_percent: int = Field(description="跑动减少百分比")
    windows_before: int
    windows_after: int
    windows_percent: int
    days_before: int = Field(description="各事项承诺时限之和（工作日）")
    days_after: int = Field(description="一件事时限：最长一个事项的承诺时限（并联审批）")
    days_percent: int = Field(description="时限压缩百分比")


class BundleSummaryOut(Schema):
    code: str
    version: int
    name: str
    aliases: list[str]
    applicant_type: str
    life_stage: str
    life_stage_label: str
    member_count: int
    limit_days: int = Field(description="一件事的承诺时限：最长一个事项的承诺时限（工作日）")
    reductions: ReductionsOut
    url: str


class BundleMemberOut(Schema):
    item_code: str
    item_name: str | None = Field(description="事项名称；该事项当前没有已发布版本时为null")
    department: str | None
    department_name: str | None
    required: bool = Field(description="必办；否则仅当情形答案选中时办理")
    note: str
    promised_days: int | None
    applies: bool = Field(description="按所给情形答案是否需要办理")


class BundleOptionOut(Schema):
    id: int
    label: str
    includes: list[str] = Field(description="选择此答案时需办理的事项编码")
    excludes: list[str] = Field(description="选择此答案时无需办理的事项编码")


class BundleSituationOut(Schema):
    id: int
    question: str
    help_text: str
    options: list[BundleOptionOut]


class BundleFormFieldOut(FormFieldOut):
    targets: dict[str, str] = Field(description="事项编码 -> 该事项申请表中的字段名（一表填报，分发到各事项）")
    shared: bool


class BundleMaterialOut(Schema):
    name: str
    required: bool
    asked: bool = Field(description="需要申请人提交；false：通过电子证照或共享数据获取，免提交")
    source: str
    notes: str
    shared: bool
    members: list[str] = Field(description="该材料用于哪些事项（事项编码）")


class BundleGuideOut(BundleSummaryOut):
    description: str
    guide: str
    window: str
    hall_location: str
    enquiry_phone: str
    published_at: str | None
    answers: dict[int, int] = Field(description="采用的情形答案：情形id -> 答案id")
    members: list[BundleMemberOut]
    situations: list[BundleSituationOut]
    form_fields: list[BundleFormFieldOut] = Field(description="一张表：按情形需办理的事项共用")
    materials: list[BundleMaterialOut] = Field(description="一套材料：按情形需办理的事项共用")
    applying_limit_days: int = Field(description="按情形需办理事项中最长的承诺时限（工作日）")
    apply_url: str


def _reductions(r) -> dict:
    return {
        **{
            f"{k}_{w}": getattr(r, f"{k}_{w}")
            for k in ("materials", "visits", "windows", "days")
            for w in ("before", "after", "percent")
        }
    }


def _bundle_summary(bundle, items=None) -> dict:
    items = bundles.member_items(bundle) if items is None else items
    return {
        "code": bundle.code,
        "version": bundle.version,
        "name": bundle.name,
        "aliases": [a.strip() for a in bundle.aliases.replace("，", "、").replace(",", "、").split("、") if a.strip()],
        "applicant_type": bundle.applicant_type,
        "life_stage": bundle.life_stage,
        "life_stage_label": bundle.get_life_stage_display(),
        "member_count": len(bundle.members.all()),
        "limit_days": bundles.bundle_limit(list(items.values())),
        "reductions": _reductions(bundles.reductions(bundle, items)),
        "url": f"/bundles/{bundle.code}/",
    }


def bundle_guide_body(bundle, answers: dict[int, int]) -> dict:
    guide = bundle_guides.bundle_guide(bundle, answers)
    code_of = {m.id: m.item_code for m in bundle.members.all()}
    return {
        **_bundle_summary(bundle, guide["items"]),
        "description": bundle.description,
        "guide": bundle.guide,
        "window": bundle.window,
        "hall_location": bundle.hall_location,
        "enquiry_phone": bundle.enquiry_phone,
        "published_at": bundle.published_at.isoformat() if bundle.published_at else None,
        "answers": guide["answers"],
        "members": [
            {
                "item_code": m.item_code,
                "item_name": item.name if item else None,
                "department": item.department.code if item else None,
                "department_name": item.department.name if item else None,
                "required": m.required,
                "note": m.note,
                "promised_days": item.promised_days if item else None,
                "applies": applies,
            }
            for m, item, applies in guide["members"]
        ],
        "situations": [
            {
                "id": s.id,
                "question": s.question,
                "help_text": s.help_text,
                "options": [
                    {
                        "id": o.id,
                        "label": o.label,
                        "includes": [code_of[m.id] for m in o.includes.all()],
                        "excludes": [code_of[m.id] for m in o.excludes.all()],
                    }
                    for o in s.options.all()
                ],
            }
            for s in bundle.situations.all()
        ],
        "form_fields": [{**f.definition(), "targets": f.targets, "shared": f.shared} for f in guide["form"]],
        "materials": [
            {
                "name": m.name,
                "required": m.required,
                "asked": m.asked,
                "source": m.source,
                "notes": m.notes,
                "shared": m.shared,
                "members": list(m.targets),
            }
            for m in guide["materials"]
        ],
        "applying_limit_days": guide["limit"],
        "apply_url": f"/bundles/{bundle.code}/apply/",
    }


@bundles_router.get("", response=list[BundleSummaryOut], summary="Published bundles (一件事)")
def list_bundles(request, q: str = ""):
    """Every published bundle with its members count, its limit (the longest member's
    promised days, not the sum) and the reductions computed from the catalogue; with `q`,
    the bundles whose name or aliases match it, best first (“我要开餐馆”, “生孩子了”)."""
    if q.strip():
        codes = [b.code for b in bundle_guides.bundle_search(q)]
    else:
        codes = list(bundles.published_bundles().order_by("code").values_list("code", flat=True))
    found = {b.code: b for b in bundles._bundle_prefetch(bundles.published_bundles().filter(code__in=codes))}
    return [_bundle_summary(found[c]) for c in codes if c in found]


@bundles_router.get(
    "/{code}",
    response={200: BundleGuideOut, 404: ErrorOut},
    summary="The guide of a published bundle (一件事一次告知), narrowed by situation answers",
)
def get_bundle(request, code: str):
    """Members (with item, department, promised days), situations, the one form, the one
    set of materials (which members each serves; 免提交 ones marked), the reductions and
    the limit. Answers narrow members, form and materials: `?b<situation id>=<option id>`."""
    bundle = bundles.bundle_get(code)
    if bundle is None:
        raise NotFound("没有这个一件事")
    return bundle_guide_body(bundle, bundles.parse_answers(bundle, dict(request.GET.items())))


@router.get("/departments", response=list[DepartmentOut], summary="Departments")
def list_departments(request):
    return [
        {"code": d.code, "name": d.name, "short_name": d.short_name, "region": d.region.code}
        for d in selectors.departments_with_counts()
    ]


@router.get("/topics", response=list[TopicOut], summary="Browsing topics")
def list_topics(request):
    return [t for group in selectors.topics_by_audience().values() for t in group]
