"""一件事 as the catalogue knows it: which members apply to an applicant's answers, the one
form and the one set of materials they share, and the reductions (材料、跑动、时限) a bundle
brings — all computed from catalogue data, never typed in.

Shared by the bundle's guide (catalog pages and API) and by bundle cases (the bundles app,
above cases), so the page an applicant reads and the cases they file agree. Everything here
reads; changes to bundles go through ``catalog.services``.

Sharing rules (GB/T 45836-2025 一表申请、一套材料):
- a form field is asked once when several applying members' forms have a field of the same
  name, or when a ``BundleField`` maps differently named fields together; every other field
  is asked once for its member;
- a material is submitted once when several applying members ask for a material of the
  same name, or a ``BundleMaterial`` maps differently named ones together; materials from
  shared data or the licence library are not asked at all (免证办).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from govhall.catalog import formfields
from govhall.catalog.models import (
    Bundle,
    BundleMember,
    BundleOption,
    BundleSituation,
    MaterialRequirement,
    ServiceItem,
)
from govhall.catalog.selectors import _guide_prefetch, materials_for_answers, published_items


def published_bundles() -> QuerySet[Bundle]:
    return Bundle.objects.filter(status=Bundle.Status.PUBLISHED)


def _bundle_prefetch(qs: QuerySet[Bundle]) -> QuerySet[Bundle]:
    return qs.prefetch_related(
        "members",
        Prefetch(
            "situations",
            queryset=BundleSituation.objects.prefetch_related(
                Prefetch("options", queryset=BundleOption.objects.prefetch_related("includes", "excludes"))
            ),
        ),
        "fields",
        "shared_materials",
    )


def bundle_get(code: str) -> Bundle | None:
    """The published version of a bundle with everything its guide and its cases need."""
    return _bundle_prefetch(published_bundles()).filter(code=code).first()


def member_items(bundle: Bundle) -> dict[str, ServiceItem]:
    """The published version of each member's item, by code (a member whose item is not
    published is left out: the bundle's guide says so through ``missing_members``)."""
    codes = [m.item_code for m in bundle.members.all()]
    return {item.code: item for item in _guide_prefetch(published_items()).filter(code__in=codes)}


def missing_members(bundle: Bundle, items: dict[str, ServiceItem]) -> list[BundleMember]:
    return [m for m in bundle.members.all() if m.item_code not in items]


def parse_answers(bundle: Bundle, raw: dict[str, Any]) -> dict[int, int]:
    """Situation id -> option id from a form or a JSON body (keys ``b<id>`` or ``<id>``),
    ignoring anything that is not a situation and option of this bundle."""
    answers = {}
    for situation in bundle.situations.all():
        value = raw.get(f"b{situation.id}", raw.get(str(situation.id), raw.get(situation.id)))
        value = str(value) if value is not None else ""
        # ASCII digits only: "²".isdigit() is true and int("²") raises
        if value.isascii() and value.isdigit() and int(value) in {o.id for o in situation.options.all()}:
            answers[situation.id] = int(value)
    return answers


def members_for_answers(bundle: Bundle, answers: dict[int, int]) -> list[BundleMember]:
    """The members that apply: required ones unless a chosen answer leaves them out,
    optional ones only when a chosen answer brings them in; in the bundle's order."""
    included = {m.id for m in bundle.members.all() if m.required}
    for situation in bundle.situations.all():
        chosen = answers.get(situation.id)
        for option in situation.options.all():
            if option.id == chosen:
                included |= {m.id for m in option.includes.all()}
                included -= {m.id for m in option.excludes.all()}
    return [m for m in bundle.members.all() if m.id in included]


# --------------------------------------------------------------------------- one form


@dataclass
class UnifiedField:
    """A field of the bundle's one form: its definition (as ``formfields`` has it) and the
    field name it fills in each member's form."""

    name: str
    type: str
    required: bool
    choices: list[str]
    help: str
    targets: dict[str, str] = field(default_factory=dict)  # item code -> that item's field name

    @property
    def shared(self) -> bool:
        return len(self.targets) > 1

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "choices": self.choices,
            "help": self.help,
        }


def unified_form(bundle: Bundle, items: list[ServiceItem]) -> list[UnifiedField]:
    """The one form for these applying member items: shared fields first (declared ones in
    the bundle's order, then same-named ones), then each member's own fields."""
    by_item = {item.code: {f["name"]: f for f in formfields.normalize_fields(item.form_fields)} for item in items}
    taken: set[tuple[str, str]] = set()  # (item code, field name) already placed
    out: list[UnifiedField] = []

    def add(name: str, targets: dict[str, str]) -> None:
        definitions = [by_item[code][field_name] for code, field_name in targets.items()]
        first = definitions[0]
        out.append(
            UnifiedField(
                name=name,
                type=first["type"],
                # required if any member requires it; choices only where all agree
                required=any(d["required"] for d in definitions),
                choices=first["choices"] if all(d["choices"] == first["choices"] for d in definitions) else [],
                help=next((d["help"] for d in definitions if d["help"]), ""),
                targets=targets,
            )
        )
        taken.update(targets.items())

    for declared in bundle.fields.all():
        targets = {
            code: name
            for code, name in (declared.targets or {}).items()
            if code in by_item and name in by_item[code] and (code, name) not in taken
        }
        if targets:
            add(declared.name, targets)
    names: dict[str, dict[str, str]] = {}
    for item in items:
        for name in by_item[item.code]:
            if (item.code, name) not in taken:
                names.setdefault(name, {})[item.code] = name
    for name, targets in names.items():
        if len(targets) > 1:
            add(name, targets)
    for item in items:
        for name in by_item[item.code]:
            if (item.code, name) not in taken:
                label = name if not any(f.name == name for f in out) else f"{name}（{item.name}）"
                add(label, {item.code: name})
    return out


def member_form(fields: list[UnifiedField], answers: dict[str, Any], item_code: str) -> dict[str, Any]:
    """One member's form from the one form's answers (by the unified field names)."""
    return {f.targets[item_code]: answers[f.name] for f in fields if item_code in f.targets and f.name in answers}


# --------------------------------------------------------------------------- one set of materials


@dataclass
class UnifiedMaterial:
    """A material of the bundle's one set: submitted once, attached to each member's
    requirement in ``targets``."""

    name: str
    required: bool
    targets: dict[str, int] = field(default_factory=dict)  # item code -> MaterialRequirement id
    source: str = MaterialRequirement.Source.APPLICANT
    notes: str = ""

    @property
    def asked(self) -> bool:
        return self.source == MaterialRequirement.Source.APPLICANT

    @property
    def shared(self) -> bool:
        return len(self.targets) > 1


def unified_materials(
    bundle: Bundle, items: list[ServiceItem], item_answers: dict[str, dict[int, int]] | None = None
) -> list[UnifiedMaterial]:
    """The one set of materials for these applying member items (with each item's own
    情形 answers, by item code): declared shared materials, then same-named ones, then the
    rest; those fetched from shared data or licences come last and are not asked."""
    item_answers = item_answers or {}
    per_item = {item.code: materials_for_answers(item, item_answers.get(item.code, {})) for item in items}
    by_name = {code: {m.name: m for m in materials} for code, materials in per_item.items()}
    taken: set[int] = set()
    out: list[UnifiedMaterial] = []

    def add(name: str, found: list[tuple[str, MaterialRequirement]]) -> None:
        requirements = [r for _, r in found]
        out.append(
            UnifiedMaterial(
                name=name,
                required=any(r.required for r in requirements),
                targets={code: r.id for code, r in found},
                source=requirements[0].source,
                notes=next((r.notes for r in requirements if r.notes), ""),
            )
        )
        taken.update(r.id for r in requirements)

    def fresh(code: str, name: str) -> MaterialRequirement | None:
        found = by_name.get(code, {}).get(name)
        return found if found is not None and found.id not in taken else None

    for declared in bundle.shared_materials.all():
        found = [(code, r) for code, name in (declared.targets or {}).items() if (r := fresh(code, name)) is not None]
        if found:
            add(declared.name, found)
    names: dict[str, list[tuple[str, MaterialRequirement]]] = {}
    for item in items:
        for material in per_item[item.code]:
            if material.id not in taken:
                names.setdefault(material.name, []).append((item.code, material))
    for name, requirements in names.items():
        add(name, requirements)
    # asked ones first: the applicant's list; fetched ones are shown as 免提交
    out.sort(key=lambda m: not m.asked)
    return out


# --------------------------------------------------------------------------- reductions


@dataclass(frozen=True)
class Reductions:
    """What the bundle saves against doing its members one by one (all members apply)."""

    materials_before: int  # materials asked of the applicant, item by item
    materials_after: int  # asked once each in the bundle
    visits_before: int  # the members' 到现场次数 summed
    visits_after: int  # the most any one member needs (one window takes them all)
    windows_before: int  # one window per member
    windows_after: int  # one 一件事 window
    days_before: int  # the members' promised days summed (one after the other)
    days_after: int  # the longest member's promised days (reviewed in parallel)

    @staticmethod
    def _share(before: int, after: int) -> int:
        return round(100 * (before - after) / before) if before else 0

    @property
    def materials_percent(self) -> int:
        return self._share(self.materials_before, self.materials_after)

    @property
    def visits_percent(self) -> int:
        return self._share(self.visits_before, self.visits_after)

    @property
    def windows_percent(self) -> int:
        return self._share(self.windows_before, self.windows_after)

    @property
    def days_percent(self) -> int:
        return self._share(self.days_before, self.days_after)


def bundle_limit(items: list[ServiceItem]) -> int:
    """The bundle's promised limit in working days: the longest member's, not the sum (the
    members are reviewed in parallel, 并联审批)."""
    return max((item.promised_days for item in items), default=0)


def reductions(bundle: Bundle, items: dict[str, ServiceItem] | None = None) -> Reductions:
    items = items if items is not None else member_items(bundle)
    applying = [items[m.item_code] for m in bundle.members.all() if m.item_code in items]
    asked_before = sum(
        1 for item in applying for m in materials_for_answers(item, {}) if m.asked_of_applicant and m.required
    )
    asked_after = sum(1 for m in unified_materials(bundle, applying) if m.asked and m.required)
    return Reductions(
        materials_before=asked_before,
        materials_after=asked_after,
        visits_before=sum(item.max_visits for item in applying),
        visits_after=max((item.max_visits for item in applying), default=0),
        windows_before=len(applying),
        windows_after=1 if applying else 0,
        days_before=sum(item.promised_days for item in applying),
        days_after=bundle_limit(applying),
    )
