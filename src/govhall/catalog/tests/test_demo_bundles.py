"""The demo 一件事 and life-cycle trees: loaded twice without duplicates, ten published bundles
whose members are published items and whose reductions are real, both trees complete."""

from __future__ import annotations

import pytest

from govhall.catalog import bundles as b
from govhall.catalog.demo import bundles as demo_bundles
from govhall.catalog.models import (
    STAGES_OF,
    Bundle,
    BundleField,
    BundleMaterial,
    BundleMember,
    BundleOption,
    LifeEvent,
    LifeTree,
    ServiceItem,
)

pytestmark = pytest.mark.django_db

EXPECTED = {
    "新生儿出生一件事",
    "开办餐饮店一件事",
    "开办企业一件事",
    "我要开超市",
    "我要开药店",
    "结婚一件事",
    "退休一件事",
    "军人退役一件事",
    "残疾人服务一件事",
    "身后一件事",
}


@pytest.fixture
def loaded(demo):
    return demo_bundles.load()


def _counts() -> dict[str, int]:
    return {
        "items": ServiceItem.objects.count(),
        "bundles": Bundle.objects.count(),
        "members": BundleMember.objects.count(),
        "options": BundleOption.objects.count(),
        "fields": BundleField.objects.count(),
        "materials": BundleMaterial.objects.count(),
        "events": LifeEvent.objects.count(),
    }


def test_the_demo_loads_twice_without_duplicates(loaded):
    before = _counts()
    again = demo_bundles.load()
    assert again.items.created == again.items.revised == []
    assert again.bundles.created == again.bundles.revised == []
    assert len(again.bundles.unchanged) == len(demo_bundles.BUNDLES)
    assert again.events_created == 0
    assert _counts() == before
    # one published version per code, version 1
    assert set(Bundle.objects.values_list("version", flat=True)) == {1}


def test_ten_published_bundles_whose_members_are_all_published_items(loaded):
    published = list(b.published_bundles())
    assert len(published) >= 10
    assert EXPECTED <= {x.name for x in published}
    for x in published:
        bundle = b.bundle_get(x.code)
        items = b.member_items(bundle)
        assert not b.missing_members(bundle, items), bundle.name
        assert len(items) >= 2 and bundle.published_at is not None
        assert len({item.department_id for item in items.values()}) >= 2 or bundle.code == "open-pharmacy", bundle.name
        assert bundle.aliases and bundle.description and bundle.guide, bundle.name


def test_every_bundle_brings_real_reductions(loaded):
    for x in b.published_bundles():
        r = b.reductions(b.bundle_get(x.code))
        assert r.materials_after < r.materials_before or r.visits_after < r.visits_before, (x.code, r)
        assert r.windows_after == 1 < r.windows_before
        assert r.days_after <= r.days_before


def test_every_bundle_has_a_situation_that_brings_in_or_leaves_out_a_member(loaded):
    for x in b.published_bundles():
        bundle = b.bundle_get(x.code)
        options = [o for s in bundle.situations.all() for o in s.options.all()]
        assert any(o.includes.exists() or o.excludes.exists() for o in options), bundle.name


def test_household_registration_only_when_a_parents_household_is_in_the_city(loaded):
    bundle = b.bundle_get("newborn")
    hukou = demo_bundles.C["birth_hukou"]
    question = bundle.situations.get(question__startswith="父母一方的户籍")
    yes, no = question.options.all()
    assert hukou not in [m.item_code for m in b.members_for_answers(bundle, {})]
    assert hukou in [m.item_code for m in b.members_for_answers(bundle, {question.id: yes.id})]
    assert hukou not in [m.item_code for m in b.members_for_answers(bundle, {question.id: no.id})]


def test_declared_fields_join_differently_named_fields(loaded):
    newborn = b.bundle_get("newborn")
    items = list(b.member_items(newborn).values())
    name = next(f for f in b.unified_form(newborn, items) if f.name == "新生儿姓名")
    assert sorted(name.targets.values()) == ["婴儿姓名", "新生儿姓名"]

    restaurant = b.bundle_get("open-restaurant")
    items = list(b.member_items(restaurant).values())
    shop = next(f for f in b.unified_form(restaurant, items) if f.name == "店铺名称")
    assert sorted(shop.targets.values()) == ["字号名称", "排水户名称", "经营者名称", "设置单位名称"]


def test_shared_materials_are_asked_once(loaded):
    company = b.bundle_get("open-company")
    items = list(b.member_items(company).values())
    one_form = next(m for m in b.unified_materials(company, items) if m.name == "企业开办申请表（一表填报）")
    assert len(one_form.targets) == 4
    # the same licence (出生医学证明) feeds several newborn members and is never asked
    newborn = b.bundle_get("newborn")
    materials = b.unified_materials(newborn, list(b.member_items(newborn).values()))
    certificate = next(m for m in materials if m.name == "出生医学证明")
    assert certificate.shared and not certificate.asked


def test_both_trees_cover_every_stage_and_every_event_leads_to_something_published(loaded):
    bundles = set(b.published_bundles().values_list("code", flat=True))
    items = set(ServiceItem.objects.filter(status="published").values_list("code", flat=True))
    for tree in LifeTree.values:
        events = LifeEvent.objects.filter(tree=tree)
        assert {e.stage for e in events} == {s.value for s in STAGES_OF[LifeTree(tree)]}, tree
        for stage in STAGES_OF[LifeTree(tree)]:
            themes = {e.theme for e in events if e.stage == stage}
            assert 1 <= len(themes) <= 3, (stage, themes)
    for event in LifeEvent.objects.all():
        event.full_clean()
        assert (event.bundle_code in bundles) if event.bundle_code else (event.item_code in items), event.name
    # every demo bundle hangs on a tree
    assert bundles <= set(LifeEvent.objects.exclude(bundle_code="").values_list("bundle_code", flat=True))
