import pytest
from django.core.exceptions import ValidationError

from govhall.catalog import selectors, services
from govhall.catalog.models import Department, MaterialRequirement, SearchDocument, ServiceItem
from govhall.catalog.tests.factories import item_data

pytestmark = pytest.mark.django_db


def test_import_creates_a_published_version(demo):
    result = services.catalog_import([item_data()])
    assert result.created == ["TEST-XK-001"]
    item = selectors.item_get("TEST-XK-001")
    assert item.version == 1 and item.status == "published" and item.published_at
    assert [m.name for m in item.materials.all()] == ["申请书", "营业执照", "场所证明", "租赁合同"]
    assert SearchDocument.objects.filter(item=item).exists()


def test_importing_the_same_data_changes_nothing(demo):
    services.catalog_import([item_data()])
    count = ServiceItem.objects.count()
    result = services.catalog_import([item_data()])
    assert result.unchanged == ["TEST-XK-001"]
    assert ServiceItem.objects.count() == count


def test_a_change_creates_a_new_version_and_keeps_the_old(demo):
    services.catalog_import([item_data()])
    v1 = selectors.item_get("TEST-XK-001")
    v1_material_ids = [m.id for m in v1.materials.all()]
    result = services.catalog_import([item_data(promised_days=3)])
    assert result.revised == ["TEST-XK-001"]
    v2 = selectors.item_get("TEST-XK-001")
    assert (v2.version, v2.promised_days) == (2, 3)
    v1.refresh_from_db()
    assert v1.status == "superseded" and v1.promised_days == 5
    # the old version's materials are untouched: cases filed under v1 still point at them
    assert list(MaterialRequirement.objects.filter(item=v1).values_list("id", flat=True)) == v1_material_ids
    assert SearchDocument.objects.filter(item__code="TEST-XK-001").count() == 1


def test_import_is_all_or_nothing(demo):
    good, bad = item_data("TEST-XK-002"), item_data("TEST-XK-003", promised_days=30)
    with pytest.raises(services.CatalogImportError) as exc:
        services.catalog_import([good, bad])
    assert not ServiceItem.objects.filter(code__in=["TEST-XK-002", "TEST-XK-003"]).exists()
    [(index, error)] = exc.value.errors
    assert index == 1 and error.path == ("promised_days",) and "法定时限" in error.message


@pytest.mark.parametrize(
    ("overrides", "path", "fragment"),
    [
        ({"department": "nope"}, ("department",), "不存在"),
        ({"steps": [{"name": str(i)} for i in range(5)]}, ("steps",), "不能超过4个"),
        ({"is_instant": True, "promised_days": 0}, ("deferral_allowed",), "即办件不适用容缺"),
        ({"deferral_days": 0}, ("deferral_days",), "时限"),
        ({"is_free": False}, ("fee_basis",), "收费依据"),
        ({"online_depth": "full_online", "max_visits": 1}, ("max_visits",), "全程网办"),
        ({"channels": ["pigeon"]}, ("channels",), "pigeon"),
        ({"delivery_modes": []}, ("delivery_modes",), "送达"),
        ({"review_points": ["场所合法", " "]}, ("review_points",), "1至300字"),
        ({"review_points": [f"要点{i}" for i in range(31)]}, ("review_points",), "不能超过30项"),
    ],
)
def test_item_rules(demo, overrides, path, fragment):
    errors = services.validate_item_data(
        services.normalize_item_data(item_data(**overrides)),
        {d.code: d for d in Department.objects.all()},
        {},
    )
    assert any(e.path == path and fragment in e.message for e in errors), errors


def test_only_secondary_materials_are_deferrable(demo):
    data = item_data()
    data["materials"][0]["deferrable"] = True  # a main material
    with pytest.raises(services.CatalogImportError) as exc:
        services.catalog_import([data])
    assert any(
        e.path == ("materials", 0, "deferrable") and "主要材料不可容缺" in e.message for _, e in exc.value.errors
    )


def test_deferrable_material_needs_an_item_that_allows_deferral(demo):
    with pytest.raises(services.CatalogImportError) as exc:
        services.catalog_import([item_data(deferral_allowed=False, deferral_days=0)])
    assert any(e.path == ("materials", 2, "deferrable") for _, e in exc.value.errors)


def test_situation_must_name_materials_of_the_item(demo):
    data = item_data()
    data["situations"][0]["options"][0]["adds"] = ["不存在的材料"]
    with pytest.raises(services.CatalogImportError) as exc:
        services.catalog_import([data])
    assert any(e.path == ("situations", 0, "options", 0, "adds") for _, e in exc.value.errors)


def test_database_refuses_a_deferrable_main_material(demo):
    from django.db import IntegrityError, transaction

    services.catalog_import([item_data()])
    item = selectors.item_get("TEST-XK-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        MaterialRequirement.objects.create(item=item, name="x", is_main=True, deferrable=True)


def test_database_refuses_two_published_versions_of_a_code(demo):
    from django.db import IntegrityError, transaction

    services.catalog_import([item_data()])
    item = selectors.item_get("TEST-XK-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.filter(pk=item.pk).update(version=7)
        item.pk = None
        item.version = 1
        item.save()


def test_revise_then_publish(demo):
    services.catalog_import([item_data()])
    v1 = selectors.item_get("TEST-XK-001")
    draft = services.item_revise(item=v1)
    assert draft.status == "draft" and draft.version == 2
    assert services.item_revise(item=v1) == draft  # one draft at a time
    assert [m.name for m in draft.materials.all()] == [m.name for m in v1.materials.all()]
    assert draft.situations.get().options.get(label="是").adds.get().item == draft
    draft.promised_days = 2
    draft.save()
    assert selectors.item_get("TEST-XK-001").version == 1  # the draft is not live
    services.item_publish(item=draft)
    assert selectors.item_get("TEST-XK-001").promised_days == 2
    v1.refresh_from_db()
    assert v1.status == "superseded"


def test_publish_checks_the_whole_guide(demo):
    services.catalog_import([item_data()])
    draft = services.item_revise(item=selectors.item_get("TEST-XK-001"))
    ServiceItem.objects.filter(pk=draft.pk).update(steps=[{"name": str(i)} for i in range(5)])
    with pytest.raises(ValidationError, match="不能超过4个"):
        services.item_publish(item=draft)


def test_retire_removes_from_public_catalogue(demo):
    services.catalog_import([item_data()])
    services.item_retire(item=selectors.item_get("TEST-XK-001"))
    assert not selectors.published_items().filter(code="TEST-XK-001").exists()
    assert "TEST-XK-001" not in [i.code for i in selectors.item_search(q="测试许可事项", page_size=100).items]


def test_materials_follow_situation_answers(demo):
    services.catalog_import([item_data()])
    item = selectors.item_get("TEST-XK-001")
    situation = item.situations.get()
    yes, no = situation.options.order_by("order")

    def names(answers):
        return [m.name for m in selectors.materials_for_answers(item, answers)]

    assert names({}) == ["申请书", "营业执照", "场所证明"]
    assert names({situation.id: yes.id}) == ["申请书", "营业执照", "场所证明", "租赁合同"]
    assert names({situation.id: no.id}) == ["申请书", "营业执照"]
    # a forged answer (another item's option) is ignored
    assert selectors.parse_answers(item, {f"s{situation.id}": "999999"}) == {}


def test_demo_catalogue_loads_idempotently(demo):
    from govhall.catalog import demo as catalog_demo

    count = ServiceItem.objects.count()
    result = catalog_demo.load()
    assert result.created == [] and result.revised == []
    assert ServiceItem.objects.count() == count


def test_published_version_follows_publication_and_retirement(demo):
    from govhall.catalog.selectors import published_version
    from govhall.catalog.services import item_publish, item_retire, item_revise

    item = ServiceItem.objects.filter(status=ServiceItem.Status.PUBLISHED).order_by("code").first()
    assert published_version(item.code) == (item.pk, item.published_at)
    assert published_version(item.code) == (item.pk, item.published_at)  # remembered
    draft = item_revise(item=item)
    assert published_version(item.code) == (item.pk, item.published_at)  # a draft changes nothing
    item_publish(item=draft)
    draft.refresh_from_db()
    assert published_version(item.code) == (draft.pk, draft.published_at)
    item_retire(item=draft)
    assert published_version(item.code) is None
    assert published_version("NO-SUCH-CODE") is None
