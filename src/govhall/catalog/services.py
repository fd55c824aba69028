"""Writers for the catalogue. Every change to items goes through here.

Items travel in one canonical form, ``ItemData`` (a plain dict; see ``item_to_data``),
used by the xlsx import/export, the demo data and the admin's revise action. Importing
an item whose data equals its published version changes nothing; a different one
becomes a new published version and supersedes the old (cases keep theirs).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from govhall.catalog import search
from govhall.catalog.formfields import normalize_fields
from govhall.catalog.models import (
    Bundle,
    BundleField,
    BundleMaterial,
    BundleMember,
    BundleOption,
    BundleSituation,
    CatalogRevision,
    Department,
    LifeStage,
    MaterialRequirement,
    Region,
    SearchDocument,
    ServiceItem,
    Situation,
    SituationOption,
    Topic,
)
from govhall.core.errors import Conflict, DomainError

ItemData = dict[str, Any]

ITEM_FIELDS = [
    "code",
    "base_code",
    "name",
    "aliases",
    "kind",
    "department",
    "region_level",
    "applicant_type",
    "topics",
    "legal_basis",
    "conditions",
    "review_points",
    "statutory_days",
    "promised_days",
    "extension_days",
    "is_instant",
    "green_channel",
    "green_days",
    "max_visits",
    "online_depth",
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
    "deferral_allowed",
    "deferral_days",
    "commitment_allowed",
    "form_fields",
]
MATERIAL_FIELDS = [
    "name",
    "required",
    "is_main",
    "deferrable",
    "conditional",
    "originals",
    "copies",
    "form",
    "source",
    "licence_type",
    "notes",
]
_SCALAR_ITEM_FIELDS = [f for f in ITEM_FIELDS if f not in ("department", "topics")]
_DEFAULTS: dict[str, Any] = {
    "aliases": "",
    "region_level": "district",
    "topics": [],
    "is_instant": False,
    "green_channel": False,
    "green_days": None,
    "max_visits": 1,
    "channels": [],
    "nearby": False,
    "is_free": True,
    "fee_description": "",
    "fee_basis": "",
    "steps": [],
    "hall_location": "",
    "window": "",
    "enquiry_phone": "",
    "complaint_phone": "",
    "service_hours": "",
    "extension_days": 10,
    "review_points": [],
    "deferral_allowed": False,
    "deferral_days": 0,
    "commitment_allowed": False,
    "form_fields": [],
    "licence_type_code": "",
}
_MATERIAL_DEFAULTS: dict[str, Any] = {
    "required": True,
    "is_main": True,
    "deferrable": False,
    "conditional": False,
    "originals": 0,
    "copies": 0,
    "form": "both",
    "source": "applicant",
    "licence_type": "",
    "notes": "",
}


@dataclass(frozen=True)
class DataError:
    """One problem in imported data. ``path`` locates it: ("name",), ("materials", 2, "deferrable"),
    ("situations", 0, "options", 1, "adds")."""

    path: tuple
    message: str


class CatalogImportError(Exception):
    def __init__(self, errors: list[Any]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


# ---------------------------------------------------------------- canonical form


def item_to_data(item: ServiceItem) -> ItemData:
    """The canonical dict of one item version (materials and situations included)."""
    data = {f: getattr(item, f) for f in _SCALAR_ITEM_FIELDS}
    data["department"] = item.department.code
    data["topics"] = sorted(t.code for t in item.topics.all())
    materials = list(item.materials.all())
    data["materials"] = [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in materials]
    data["situations"] = [
        {
            "question": s.question,
            "help_text": s.help_text,
            "options": [
                {
                    "label": o.label,
                    "adds": [m.name for m in materials if m in set(o.adds.all())],
                    "removes": [m.name for m in materials if m in set(o.removes.all())],
                }
                for o in s.options.all()
            ],
        }
        for s in item.situations.all()
    ]
    return data


def normalize_item_data(data: ItemData) -> ItemData:
    """Fill defaults so that two descriptions of the same item compare equal."""
    out = {**_DEFAULTS, **{k: v for k, v in data.items() if v is not None}}
    out["topics"] = sorted(out.get("topics") or [])
    out["form_fields"] = normalize_fields(out.get("form_fields"))
    out["materials"] = [{**_MATERIAL_DEFAULTS, **m} for m in data.get("materials", [])]
    out["situations"] = [
        {
            "question": s["question"],
            "help_text": s.get("help_text", ""),
            "options": [
                {"label": o["label"], "adds": list(o.get("adds", [])), "removes": list(o.get("removes", []))}
                for o in s.get("options", [])
            ],
        }
        for s in data.get("situations", [])
    ]
    for key in ("aliases", "legal_basis", "conditions", "name", "result_name"):
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    return {k: out[k] for k in [*ITEM_FIELDS, "materials", "situations"] if k in out}


# ---------------------------------------------------------------- validation


def validate_item_data(data: ItemData, departments: dict[str, Department], topics: dict[str, Topic]) -> list:
    """All problems of one item's data, without writing anything."""
    errors: list[DataError] = []
    for field in (
        "code",
        "base_code",
        "name",
        "kind",
        "department",
        "applicant_type",
        "legal_basis",
        "conditions",
        "statutory_days",
        "promised_days",
        "online_depth",
        "result_type",
        "result_name",
    ):
        if data.get(field) in (None, ""):
            errors.append(DataError((field,), "必填项不能为空"))
    if data.get("department") and data["department"] not in departments:
        errors.append(DataError(("department",), f"部门编码“{data['department']}”不存在"))
    for code in data.get("topics", []):
        if code not in topics:
            errors.append(DataError(("topics",), f"主题“{code}”不存在"))
    if errors:
        return errors
    item = ServiceItem(**{f: data[f] for f in _SCALAR_ITEM_FIELDS}, department=departments[data["department"]])
    try:
        item.full_clean(exclude=["department"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.extend(DataError((field,), m) for m in messages)
    names = [m["name"] for m in data["materials"]]
    for i, m in enumerate(data["materials"]):
        if names.count(m["name"]) > 1:
            errors.append(DataError(("materials", i, "name"), f"材料“{m['name']}”重复"))
        material = MaterialRequirement(**{f: m[f] for f in MATERIAL_FIELDS})
        try:
            material.full_clean(exclude=["item"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.extend(DataError(("materials", i, field), msg) for msg in messages)
        if m["deferrable"] and not data["deferral_allowed"]:
            errors.append(DataError(("materials", i, "deferrable"), "事项不允许容缺受理，材料不能标为可容缺"))
    questions = [s["question"] for s in data["situations"]]
    for si, s in enumerate(data["situations"]):
        if questions.count(s["question"]) > 1:
            errors.append(DataError(("situations", si, "question"), f"情形“{s['question']}”重复"))
        if not s["options"]:
            errors.append(DataError(("situations", si, "options"), "情形至少要有一个答案"))
        for oi, o in enumerate(s["options"]):
            for key in ("adds", "removes"):
                for name in o[key]:
                    if name not in names:
                        errors.append(
                            DataError(("situations", si, "options", oi, key), f"材料“{name}”不在该事项的材料清单中")
                        )
    return errors


# ---------------------------------------------------------------- writes


def _bump_revision() -> None:
    # A fresh random value, not a +1 counter: after a rollback or a flush a counter can
    # come back to a number some process already built its index for, with other rows.
    CatalogRevision.objects.update_or_create(pk=1, defaults={"number": secrets.randbits(62)})


def _create_version(
    data: ItemData,
    department: Department,
    topics: list[Topic],
    *,
    version: int,
    status: str,
    previous: ServiceItem | None = None,
) -> ServiceItem:
    item = ServiceItem.objects.create(
        **{f: data[f] for f in _SCALAR_ITEM_FIELDS}, department=department, version=version, status=status
    )
    item.topics.set(topics)
    # Files (templates, examples) are kept from the previous version's material of the same name.
    old_files = {m.name: m for m in previous.materials.all()} if previous else {}
    by_name = {}
    for i, m in enumerate(data["materials"]):
        fields = {f: m[f] for f in MATERIAL_FIELDS}
        old = old_files.get(m["name"])
        if old is not None:
            fields.update(template=old.template, example=old.example)
        by_name[m["name"]] = MaterialRequirement.objects.create(item=item, order=i + 1, **fields)
    for si, s in enumerate(data["situations"]):
        situation = Situation.objects.create(item=item, order=si + 1, question=s["question"], help_text=s["help_text"])
        for oi, o in enumerate(s["options"]):
            option = SituationOption.objects.create(situation=situation, order=oi + 1, label=o["label"])
            option.adds.set([by_name[n] for n in o["adds"]])
            option.removes.set([by_name[n] for n in o["removes"]])
    return item


def _publish(item: ServiceItem) -> None:
    ServiceItem.objects.filter(code=item.code, status=ServiceItem.Status.PUBLISHED).exclude(pk=item.pk).update(
        status=ServiceItem.Status.SUPERSEDED
    )
    item.status = ServiceItem.Status.PUBLISHED
    item.published_at = timezone.now()
    item.save(update_fields=["status", "published_at"])
    SearchDocument.objects.filter(item__code=item.code).delete()
    SearchDocument.objects.create(item=item, terms=search.document_terms(item))
    _bump_revision()


@dataclass
class ImportResult:
    created: list[str]
    revised: list[str]
    unchanged: list[str]


def catalog_import(items: list[ItemData], *, dry_run: bool = False) -> ImportResult:
    """Import items all-or-nothing: any error anywhere and nothing is written.

    Raises CatalogImportError whose errors are (item index, DataError) pairs. With
    ``dry_run`` the items are checked the same way and the result says what an import would
    create, revise and leave unchanged, without writing anything.
    """
    departments = {d.code: d for d in Department.objects.all()}
    topics = {t.code: t for t in Topic.objects.all()}
    normalized = [normalize_item_data(d) for d in items]
    errors = []
    seen: dict[str, int] = {}
    for index, data in enumerate(normalized):
        errors.extend((index, e) for e in validate_item_data(data, departments, topics))
        code = data.get("code")
        if code in seen:
            errors.append((index, DataError(("code",), f"实施编码“{code}”在文件中重复出现")))
        seen[code] = index
    if errors:
        raise CatalogImportError(errors)
    if dry_run:
        return _import_plan(normalized)[0]

    with transaction.atomic():
        result, changes = _import_plan(normalized)
        for data, previous in changes:
            version = (ServiceItem.objects.filter(code=data["code"]).aggregate(v=Max("version"))["v"] or 0) + 1
            ServiceItem.objects.filter(code=data["code"], status=ServiceItem.Status.DRAFT).delete()
            item = _create_version(
                data,
                departments[data["department"]],
                [topics[c] for c in data["topics"]],
                version=version,
                status=ServiceItem.Status.DRAFT,
                previous=previous,
            )
            _publish(item)
    return result


def _import_plan(normalized: list[ItemData]) -> tuple[ImportResult, list[tuple[ItemData, ServiceItem | None]]]:
    """What importing (checked, normalized) items changes: the result, and the items to write
    with the published version each one revises (None for a new item)."""
    current = {
        i.code: i
        for i in ServiceItem.objects.filter(
            code__in=[d["code"] for d in normalized], status=ServiceItem.Status.PUBLISHED
        )
        .select_related("department")
        .prefetch_related("topics", "materials", "situations__options__adds", "situations__options__removes")
    }
    result = ImportResult([], [], [])
    changes = []
    for data in normalized:
        previous = current.get(data["code"])
        if previous is not None and item_to_data(previous) == data:
            result.unchanged.append(data["code"])
            continue
        (result.revised if previous else result.created).append(data["code"])
        changes.append((data, previous))
    return result, changes


@transaction.atomic
def item_revise(*, item: ServiceItem) -> ServiceItem:
    """Start a new draft version from a published one (the published one stays live until
    the draft is published). Returns the existing draft if there is one."""
    draft = ServiceItem.objects.filter(code=item.code, status=ServiceItem.Status.DRAFT).first()
    if draft is not None:
        return draft
    data = item_to_data(item)
    version = (ServiceItem.objects.filter(code=item.code).aggregate(v=Max("version"))["v"] or 0) + 1
    return _create_version(
        data,
        item.department,
        list(item.topics.all()),
        version=version,
        status=ServiceItem.Status.DRAFT,
        previous=item,
    )


@transaction.atomic
def item_publish(*, item: ServiceItem) -> ServiceItem:
    """Publish a draft after checking the whole guide; the previous version is superseded."""
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ServiceItem.Status.DRAFT:
        raise ValidationError("只有草稿版本可以发布")
    departments = {item.department.code: item.department}
    topics = {t.code: t for t in item.topics.all()}
    errors = validate_item_data(normalize_item_data(item_to_data(item)), departments, topics)
    if errors:
        raise ValidationError(["；".join(map(str, e.path)) + "：" + e.message for e in errors])
    _publish(item)
    return item


@transaction.atomic
def item_retire(*, item: ServiceItem) -> ServiceItem:
    """Take an item off the public catalogue (its versions stay for existing cases)."""
    ServiceItem.objects.filter(pk=item.pk).update(status=ServiceItem.Status.RETIRED)
    SearchDocument.objects.filter(item=item).delete()
    _bump_revision()
    item.refresh_from_db()
    return item


@transaction.atomic
def region_upsert(*, code: str, name: str, level: str, parent_code: str | None = None) -> Region:
    parent = Region.objects.get(code=parent_code) if parent_code else None
    region, _ = Region.objects.update_or_create(code=code, defaults={"name": name, "level": level, "parent": parent})
    region.full_clean()
    return region


@transaction.atomic
def department_upsert(
    *, code: str, name: str, region_code: str, short_name: str = "", phone: str = "", order: int = 0
) -> Department:
    department, _ = Department.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "short_name": short_name,
            "phone": phone,
            "order": order,
            "region": Region.objects.get(code=region_code),
        },
    )
    _bump_revision()  # department names are part of search documents' filters and display
    return department


def topic_upsert(*, code: str, name: str, audience: str, order: int = 0) -> Topic:
    topic, _ = Topic.objects.update_or_create(code=code, defaults={"name": name, "audience": audience, "order": order})
    return topic


# ================================================================ bundles (一件事)
#
# A bundle travels in one canonical form too, ``BundleData`` (see ``bundle_to_data``): its
# members by item code, its situations whose options include or exclude members (by item
# code), and its declared shared fields and materials. Versions work as items' do: a
# published version is never edited, a revision is a new draft, publishing supersedes.

BundleData = dict[str, Any]

BUNDLE_FIELDS = [
    "code",
    "name",
    "aliases",
    "description",
    "applicant_type",
    "life_stage",
    "guide",
    "window",
    "hall_location",
    "enquiry_phone",
]
_BUNDLE_DEFAULTS: dict[str, Any] = {
    "aliases": "",
    "guide": "",
    "window": "",
    "hall_location": "",
    "enquiry_phone": "",
}


def bundle_to_data(bundle) -> BundleData:
    """The canonical dict of one bundle version."""
    members = list(bundle.members.all())
    code_of = {m.id: m.item_code for m in members}
    return {
        **{f: getattr(bundle, f) for f in BUNDLE_FIELDS},
        "members": [{"item_code": m.item_code, "required": m.required, "note": m.note} for m in members],
        "situations": [
            {
                "question": s.question,
                "help_text": s.help_text,
                "options": [
                    {
                        "label": o.label,
                        "includes": sorted((code_of[m.id] for m in o.includes.all()), key=list(code_of.values()).index),
                        "excludes": sorted((code_of[m.id] for m in o.excludes.all()), key=list(code_of.values()).index),
                    }
                    for o in s.options.all()
                ],
            }
            for s in bundle.situations.all()
        ],
        "fields": [{"name": f.name, "targets": dict(f.targets or {})} for f in bundle.fields.all()],
        "materials": [{"name": m.name, "targets": dict(m.targets or {})} for m in bundle.shared_materials.all()],
    }


def normalize_bundle_data(data: BundleData) -> BundleData:
    out = {**_BUNDLE_DEFAULTS, **{k: v for k, v in data.items() if k in BUNDLE_FIELDS and v is not None}}
    for key in BUNDLE_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = out[key].strip()
    out["members"] = [
        {
            "item_code": str(m.get("item_code") or "").strip(),
            "required": True if m.get("required") is None else bool(m["required"]),
            "note": (m.get("note") or "").strip(),
        }
        for m in data.get("members", [])
    ]
    out["situations"] = [
        {
            "question": s.get("question") or "",
            "help_text": s.get("help_text") or "",
            "options": [
                {
                    "label": o.get("label") or "",
                    "includes": list(o.get("includes") or []),
                    "excludes": list(o.get("excludes") or []),
                }
                for o in s.get("options", [])
            ],
        }
        for s in data.get("situations", [])
    ]
    out["fields"] = [
        {"name": f.get("name") or "", "targets": dict(f.get("targets") or {})} for f in data.get("fields", [])
    ]
    out["materials"] = [
        {"name": m.get("name") or "", "targets": dict(m.get("targets") or {})} for m in data.get("materials", [])
    ]
    return {k: out[k] for k in [*BUNDLE_FIELDS, "members", "situations", "fields", "materials"] if k in out}


def validate_bundle_data(data: BundleData) -> list[DataError]:
    """All problems of one bundle's (normalized) data against the published catalogue: what
    publishing checks, and what an import checks before writing anything."""

    errors: list[DataError] = []
    for key in ("code", "name", "description", "applicant_type", "life_stage"):
        if data.get(key) in (None, ""):
            errors.append(DataError((key,), "必填项不能为空"))
    if not errors:
        bundle = Bundle(**{f: data[f] for f in BUNDLE_FIELDS})
        try:
            bundle.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.extend(DataError((key,), m) for m in messages)
    if data.get("life_stage") and data["life_stage"] not in LifeStage.values:
        errors.append(DataError(("life_stage",), f"人生阶段“{data['life_stage']}”不存在"))
    codes = [m["item_code"] for m in data["members"]]
    if len(set(codes)) < 2:
        errors.append(DataError(("members",), "一件事至少要包含两个不同的事项"))
    items = {
        i.code: i
        for i in ServiceItem.objects.filter(code__in=codes, status=ServiceItem.Status.PUBLISHED).prefetch_related(
            "materials"
        )
    }
    for i, code in enumerate(codes):
        if codes.index(code) != i:
            errors.append(DataError(("members", i, "item_code"), f"事项“{code}”重复"))
        elif code not in items:
            errors.append(DataError(("members", i, "item_code"), f"事项编码“{code}”没有已发布的事项"))
    questions = [s["question"] for s in data["situations"]]
    for si, s in enumerate(data["situations"]):
        if not s["question"]:
            errors.append(DataError(("situations", si, "question"), "情形问题不能为空"))
        elif questions.count(s["question"]) > 1:
            errors.append(DataError(("situations", si, "question"), f"情形“{s['question']}”重复"))
        if not s["options"]:
            errors.append(DataError(("situations", si, "options"), "情形至少要有一个答案"))
        labels = [o["label"] for o in s["options"]]
        for oi, o in enumerate(s["options"]):
            if not o["label"]:
                errors.append(DataError(("situations", si, "options", oi, "label"), "答案不能为空"))
            elif labels.count(o["label"]) > 1:
                errors.append(DataError(("situations", si, "options", oi, "label"), f"答案“{o['label']}”重复"))
            for key in ("includes", "excludes"):
                for code in o[key]:
                    if code not in codes:
                        errors.append(
                            DataError(("situations", si, "options", oi, key), f"事项“{code}”不是本一件事的事项")
                        )
    for key, what in (("fields", "字段"), ("materials", "材料")):
        names = [x["name"] for x in data[key]]
        for xi, x in enumerate(data[key]):
            if not x["name"]:
                errors.append(DataError((key, xi, "name"), f"共享{what}名称不能为空"))
            elif names.count(x["name"]) > 1:
                errors.append(DataError((key, xi, "name"), f"共享{what}“{x['name']}”重复"))
            if len(x["targets"]) < 2:
                errors.append(DataError((key, xi, "targets"), f"共享{what}至少要对应两个事项"))
            for code, name in x["targets"].items():
                item = items.get(code)
                if code not in codes:
                    errors.append(DataError((key, xi, "targets"), f"事项“{code}”不是本一件事的事项"))
                elif item is None:
                    continue  # reported on the member
                elif key == "fields" and name not in {f["name"] for f in normalize_fields(item.form_fields)}:
                    errors.append(DataError((key, xi, "targets"), f"事项“{item.name}”的申请表中没有字段“{name}”"))
                elif key == "materials" and name not in {m.name for m in item.materials.all()}:
                    errors.append(DataError((key, xi, "targets"), f"事项“{item.name}”的材料中没有“{name}”"))
    return errors


def _bundle_error(errors: list[DataError]) -> Exception:

    lines = ["·".join(map(str, e.path)) + "：" + e.message for e in errors]
    return DomainError("一件事不能发布：" + "；".join(lines), code="bundle_invalid", detail=lines)


def _create_bundle_version(data: BundleData, *, version: int, status: str):

    bundle = Bundle.objects.create(**{f: data[f] for f in BUNDLE_FIELDS}, version=version, status=status)
    members = {}
    for i, m in enumerate(data["members"]):
        if m["item_code"] not in members:
            members[m["item_code"]] = BundleMember.objects.create(bundle=bundle, order=i + 1, **m)
    for si, s in enumerate(data["situations"]):
        situation = BundleSituation.objects.create(
            bundle=bundle, order=si + 1, question=s["question"], help_text=s["help_text"]
        )
        for oi, o in enumerate(s["options"]):
            option = BundleOption.objects.create(situation=situation, order=oi + 1, label=o["label"])
            option.includes.set([members[c] for c in o["includes"] if c in members])
            option.excludes.set([members[c] for c in o["excludes"] if c in members])
    for i, f in enumerate(data["fields"]):
        BundleField.objects.create(bundle=bundle, order=i + 1, name=f["name"], targets=f["targets"])
    for i, m in enumerate(data["materials"]):
        BundleMaterial.objects.create(bundle=bundle, order=i + 1, name=m["name"], targets=m["targets"])
    return bundle


def _next_bundle_version(code: str) -> int:

    return (Bundle.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0) + 1


def _publish_bundle(bundle) -> None:

    Bundle.objects.filter(code=bundle.code, status=Bundle.Status.PUBLISHED).exclude(pk=bundle.pk).update(
        status=Bundle.Status.SUPERSEDED
    )
    bundle.status = Bundle.Status.PUBLISHED
    bundle.published_at = timezone.now()
    bundle.save(update_fields=["status", "published_at"])
    _bump_revision()  # the search's bundle suggestions are rebuilt with the catalogue revision


@transaction.atomic
def bundle_create_draft(*, data: BundleData):
    """A new draft bundle (version 1, or the next version of an existing code). A code that
    already has a draft cannot have a second one."""

    data = normalize_bundle_data(data)
    if Bundle.objects.filter(code=data.get("code"), status=Bundle.Status.DRAFT).exists():
        raise Conflict(f"一件事“{data.get('code')}”已有草稿，请在草稿上修改")
    return _create_bundle_version(data, version=_next_bundle_version(data["code"]), status=Bundle.Status.DRAFT)


@transaction.atomic
def bundle_revise(*, bundle):
    """Start a new draft version copying a published one (members, situations and their
    options' member links, shared fields and materials); the published one stays live until
    the draft is published. Returns the existing draft if there is one."""

    draft = Bundle.objects.filter(code=bundle.code, status=Bundle.Status.DRAFT).first()
    if draft is not None:
        return draft
    return _create_bundle_version(
        bundle_to_data(bundle), version=_next_bundle_version(bundle.code), status=Bundle.Status.DRAFT
    )


@transaction.atomic
def bundle_publish(*, bundle):
    """Publish a draft after checking it against the published catalogue: at least two
    members, every member's item published, declared shared fields and materials naming
    real fields and materials of those items. The previous version is superseded."""

    bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
    if bundle.status != Bundle.Status.DRAFT:
        raise DomainError("只有草稿版本可以发布", code="not_draft")
    errors = validate_bundle_data(normalize_bundle_data(bundle_to_data(bundle)))
    if errors:
        raise _bundle_error(errors)
    _publish_bundle(bundle)
    return bundle


@transaction.atomic
def bundle_retire(*, bundle):
    """Take a bundle off the public catalogue (its versions stay for existing bundle cases)."""

    if bundle.status != Bundle.Status.PUBLISHED:
        raise DomainError("只有已发布的一件事可以停用", code="not_published")
    Bundle.objects.filter(pk=bundle.pk).update(status=Bundle.Status.RETIRED)
    _bump_revision()
    bundle.refresh_from_db()
    return bundle


def bundle_import(bundles: list[BundleData], *, dry_run: bool = False) -> ImportResult:
    """Import bundles all-or-nothing, as ``catalog_import`` does items (run it after the
    items, so members may name items of the same file). Raises CatalogImportError whose
    errors are (bundle index, DataError) pairs."""

    normalized = [normalize_bundle_data(d) for d in bundles]
    errors = []
    seen: set[str] = set()
    for index, data in enumerate(normalized):
        errors.extend((index, e) for e in validate_bundle_data(data))
        if data.get("code") in seen:
            errors.append((index, DataError(("code",), f"一件事编码“{data['code']}”在文件中重复出现")))
        seen.add(data.get("code"))
    if errors:
        raise CatalogImportError(errors)
    current = {
        b.code: b
        for b in Bundle.objects.filter(
            code__in=[d["code"] for d in normalized], status=Bundle.Status.PUBLISHED
        ).prefetch_related(
            "members", "situations__options__includes", "situations__options__excludes", "fields", "shared_materials"
        )
    }
    result = ImportResult([], [], [])
    changes = []
    for data in normalized:
        previous = current.get(data["code"])
        if previous is not None and normalize_bundle_data(bundle_to_data(previous)) == data:
            result.unchanged.append(data["code"])
            continue
        (result.revised if previous else result.created).append(data["code"])
        changes.append(data)
    if dry_run:
        return result
    with transaction.atomic():
        for data in changes:
            Bundle.objects.filter(code=data["code"], status=Bundle.Status.DRAFT).delete()
            bundle = _create_bundle_version(
                data, version=_next_bundle_version(data["code"]), status=Bundle.Status.DRAFT
            )
            _publish_bundle(bundle)
    return result
