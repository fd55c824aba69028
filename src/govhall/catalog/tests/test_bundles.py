"""Bundles (一件事) in the catalogue: services, computations, the API, the guide page and the
search, with bundles built here from the demo catalogue's items of several departments."""

from __future__ import annotations

import io
import re

import pytest

from govhall.catalog import bundles, services
from govhall.catalog.models import Bundle, ServiceItem
from govhall.core.errors import DomainError

pytestmark = pytest.mark.django_db


def code_of(name: str) -> str:
    return ServiceItem.objects.get(name=name, status="published").code


def restaurant_data() -> dict:
    """开办餐饮店: 个体工商户设立登记 and 食品经营许可 (市场监管), 公章刻制备案 (公安),
    and 用人单位社会保险登记 (人社) only for a shop with employees."""
    shop, food, seal, insurance = (
        code_of("个体工商户设立登记"),
        code_of("食品经营许可"),
        code_of("公章刻制备案"),
        code_of("用人单位社会保险登记"),
    )
    return {
        "code": "test-restaurant",
        "name": "开办餐饮店一件事",
        "aliases": "我要开餐馆、开饭店、开小吃店",
        "description": "个体餐饮店的登记、食品经营许可、刻章和社保登记一次办。",
        "applicant_type": "legal",
        "life_stage": "founding",
        "guide": "一次告知，一表申请。",
        "members": [
            {"item_code": shop, "required": True, "note": ""},
            {"item_code": food, "required": True, "note": "销售或制作食品"},
            {"item_code": seal, "required": True, "note": ""},
            {"item_code": insurance, "required": False, "note": "有雇员时办理"},
        ],
        "situations": [
            {
                "question": "是否雇用员工？",
                "help_text": "",
                "options": [
                    {"label": "有员工", "includes": [insurance], "excludes": []},
                    {"label": "只有自己经营", "includes": [], "excludes": []},
                ],
            },
            {
                "question": "是否已有印章？",
                "help_text": "",
                "options": [
                    {"label": "已有", "includes": [], "excludes": [seal]},
                    {"label": "还没有", "includes": [], "excludes": []},
                ],
            },
        ],
        "fields": [{"name": "店名", "targets": {shop: "字号名称", food: "经营者名称"}}],
        "materials": [
            {
                "name": "一件事申请表",
                "targets": {
                    shop: "个体工商户登记（备案）申请书",
                    food: "食品经营许可申请书",
                    insurance: "社会保险登记表",
                },
            },
        ],
    }


def publish(data: dict) -> Bundle:
    draft = services.bundle_create_draft(data=data)
    services.bundle_publish(bundle=draft)
    return bundles.bundle_get(data["code"])


@pytest.fixture
def restaurant(demo):
    return publish(restaurant_data())


def answer(bundle: Bundle, question: str, label: str) -> tuple[int, int]:
    situation = next(s for s in bundle.situations.all() if s.question == question)
    return situation.id, next(o.id for o in situation.options.all() if o.label == label)


def codes(members) -> list[str]:
    return [m.item_code for m in members]


SHOP, FOOD, SEAL, INSURANCE = "个体工商户设立登记", "食品经营许可", "公章刻制备案", "用人单位社会保险登记"


def test_situations_select_members(restaurant):
    shop, food, seal, insurance = map(code_of, (SHOP, FOOD, SEAL, INSURANCE))
    assert codes(bundles.members_for_answers(restaurant, {})) == [shop, food, seal]
    staff = dict([answer(restaurant, "是否雇用员工？", "有员工")])
    assert codes(bundles.members_for_answers(restaurant, staff)) == [shop, food, seal, insurance]
    both = staff | dict([answer(restaurant, "是否已有印章？", "已有")])
    assert codes(bundles.members_for_answers(restaurant, both)) == [shop, food, insurance]
    # answers parsed from a query string; anything else is ignored
    sid, oid = answer(restaurant, "是否已有印章？", "已有")
    assert bundles.parse_answers(restaurant, {f"b{sid}": str(oid), "b999": "1", f"b{sid + 1}": "x"}) == {sid: oid}


def test_shared_fields_flow_into_every_member_form(restaurant):
    shop, food = code_of(SHOP), code_of(FOOD)
    items = bundles.member_items(restaurant)
    form = bundles.unified_form(restaurant, [items[shop], items[food]])
    by_name = {f.name: f for f in form}
    assert by_name["店名"].targets == {shop: "字号名称", food: "经营者名称"}  # declared
    assert by_name["经营场所"].targets == {shop: "经营场所", food: "经营场所"}  # same name
    assert [f.name for f in form][:2] == ["店名", "经营场所"] and by_name["经营范围"].targets == {shop: "经营范围"}
    assert "字号名称" not in by_name and "经营者名称" not in by_name
    answers = {"店名": "老王面馆", "经营场所": "莲湖区北院门1号", "经营范围": "餐饮服务", "主体业态": "餐饮服务经营者"}
    assert bundles.member_form(form, answers, shop) == {
        "字号名称": "老王面馆",
        "经营场所": "莲湖区北院门1号",
        "经营范围": "餐饮服务",
    }
    assert bundles.member_form(form, answers, food) == {
        "经营者名称": "老王面馆",
        "经营场所": "莲湖区北院门1号",
        "主体业态": "餐饮服务经营者",
    }


def test_one_set_of_materials(restaurant):
    shop, food, seal, insurance = map(code_of, (SHOP, FOOD, SEAL, INSURANCE))
    items = bundles.member_items(restaurant)
    materials = {m.name: m for m in bundles.unified_materials(restaurant, list(items.values()))}
    form = materials["一件事申请表"]  # declared: three differently named application forms
    assert set(form.targets) == {shop, food, insurance} and form.asked and form.shared
    assert {"个体工商户登记（备案）申请书", "食品经营许可申请书", "社会保险登记表"}.isdisjoint(materials)
    licence = materials["营业执照"]  # same name in two members, from the licence library: not asked
    assert set(licence.targets) == {food, seal} and not licence.asked
    asked = [m for m in materials.values() if m.asked]
    assert {m.name for m in asked} == {
        "一件事申请表",
        "与食品经营相适应的主要设备设施布局、操作流程等文件",
        "食品安全自查、从业人员健康管理等食品安全规章制度",
        "食品安全管理人员培训合格证明",
    }
    # 免证办 ones come last and are never asked
    ordered = bundles.unified_materials(restaurant, list(items.values()))
    assert [m.asked for m in ordered] == sorted((m.asked for m in ordered), reverse=True)
    assert {m.name for m in ordered if not m.asked} >= {"营业执照", "经营者身份证明", "法定代表人居民身份证"}


def test_reductions_and_limit_from_data(restaurant):
    r = bundles.reductions(restaurant)
    # asked, required: shop 1 + food 4 + insurance 1 = 6; the three application forms become one
    assert (r.materials_before, r.materials_after, r.materials_percent) == (6, 4, 33)
    assert (r.visits_before, r.visits_after, r.visits_percent) == (1, 1, 0)
    assert (r.windows_before, r.windows_after, r.windows_percent) == (4, 1, 75)
    # promised days 1 + 3 + 0 + 1 = 5 one after the other; in parallel the longest, 3
    assert (r.days_before, r.days_after, r.days_percent) == (5, 3, 40)
    items = bundles.member_items(restaurant)
    assert bundles.bundle_limit(list(items.values())) == 3 == max(i.promised_days for i in items.values())


def test_publish_validation(demo):
    data = restaurant_data()
    one = {**data, "code": "test-one", "members": data["members"][:1], "situations": [], "fields": [], "materials": []}
    with pytest.raises(DomainError, match="至少要包含两个不同的事项"):
        services.bundle_publish(bundle=services.bundle_create_draft(data=one))
    bad = restaurant_data()
    bad["code"] = "test-bad"
    bad["members"].append({"item_code": "NO-SUCH-ITEM", "required": True, "note": ""})
    bad["fields"][0]["targets"][code_of(SHOP)] = "没有这个字段"
    bad["materials"][0]["targets"][code_of(FOOD)] = "没有这个材料"
    draft = services.bundle_create_draft(data=bad)
    with pytest.raises(DomainError) as caught:
        services.bundle_publish(bundle=draft)
    text = caught.value.message
    assert "事项编码“NO-SUCH-ITEM”没有已发布的事项" in text
    assert "申请表中没有字段“没有这个字段”" in text and "材料中没有“没有这个材料”" in text
    draft.refresh_from_db()
    assert draft.status == "draft" and not Bundle.objects.filter(code="test-bad", status="published").exists()
    with pytest.raises(DomainError, match="已有草稿"):
        services.bundle_create_draft(data=bad)


def test_revise_and_publish_versions(restaurant):
    from govhall.catalog.search import current_revision

    with pytest.raises(DomainError, match="只有草稿版本可以发布"):
        services.bundle_publish(bundle=restaurant)
    draft = services.bundle_revise(bundle=restaurant)
    assert services.bundle_revise(bundle=restaurant) == draft  # one draft at a time
    assert draft.version == 2 and draft.status == "draft"
    assert services.bundle_to_data(draft) == services.bundle_to_data(restaurant)  # members, links, shared all copied
    option = draft.situations.get(question="是否雇用员工？").options.get(label="有员工")
    assert [m.bundle_id for m in option.includes.all()] == [draft.id]  # linked to the draft's own members
    draft.name = "开办餐饮店一件事（新版）"
    draft.save()
    before = current_revision()
    services.bundle_publish(bundle=draft)
    assert current_revision() != before
    restaurant.refresh_from_db()
    assert restaurant.status == "superseded"
    assert bundles.bundle_get("test-restaurant").version == 2
    services.bundle_retire(bundle=bundles.bundle_get("test-restaurant"))
    assert bundles.bundle_get("test-restaurant") is None


# ---------------------------------------------------------------- spreadsheet


def test_xlsx_round_trip_changes_nothing(restaurant):
    from govhall.catalog import xlsx

    result = xlsx.import_workbook(xlsx.export_published())
    assert "test-restaurant" in result.bundles.unchanged
    assert not result.bundles.created and not result.bundles.revised and not result.revised


def test_xlsx_imports_a_new_bundle_and_reports_a_bad_row(restaurant):
    from openpyxl import load_workbook

    from govhall.catalog import xlsx

    wb = load_workbook(io.BytesIO(xlsx.export_published()))
    ws = wb[xlsx.BUNDLES_SHEET]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    for i, row in enumerate(rows):  # a copy under a new code: only its first row names it
        ws.append(["test-restaurant-2", *(row[1:10] if i == 0 else [None] * 9), *row[10:]])
    content = io.BytesIO()
    wb.save(content)
    planned = xlsx.import_workbook(content.getvalue(), dry_run=True)
    assert planned.bundles.created == ["test-restaurant-2"] and not Bundle.objects.filter(code="test-restaurant-2")
    result = xlsx.import_workbook(content.getvalue())
    assert result.bundles.created == ["test-restaurant-2"] and "test-restaurant" in result.bundles.unchanged
    assert services.bundle_to_data(bundles.bundle_get("test-restaurant-2")) == {
        **services.bundle_to_data(restaurant),
        "code": "test-restaurant-2",
        "situations": [],  # only the member rows were copied
        "fields": [],
        "materials": [],
    }
    # now a member naming no item: sheet 一件事, that row, column 事项实施编码
    ws.cell(row=2, column=11, value="NO-SUCH-ITEM")
    content = io.BytesIO()
    wb.save(content)
    before = Bundle.objects.count()
    with pytest.raises(xlsx.XlsxImportError) as caught:
        xlsx.import_workbook(content.getvalue())
    errors = [str(e) for e in caught.value.errors]
    assert "“一件事”表第2行K列（事项实施编码）：事项编码“NO-SUCH-ITEM”没有已发布的事项" in errors, errors
    assert Bundle.objects.count() == before


# ---------------------------------------------------------------- API and page


def test_api_list_and_guide(restaurant, client):
    listed = client.get("/api/v1/bundles").json()
    row = next(b for b in listed if b["code"] == "test-restaurant")
    assert row["member_count"] == 4 and row["limit_days"] == 3 and row["life_stage"] == "founding"
    assert row["reductions"]["materials_percent"] == 33 and row["reductions"]["days_percent"] == 40
    body = client.get("/api/v1/bundles/test-restaurant").json()
    members = {m["item_name"]: m for m in body["members"]}
    assert members[SEAL]["department"] == "lh-ga" and members[FOOD]["promised_days"] == 3
    assert members[INSURANCE]["applies"] is False and members[INSURANCE]["note"] == "有雇员时办理"
    materials = {m["name"]: m for m in body["materials"]}
    assert len(materials["一件事申请表"]["members"]) == 2  # the insurance member does not apply yet
    assert materials["营业执照"]["asked"] is False
    assert {f["name"] for f in body["form_fields"] if f["shared"]} == {"店名", "经营场所"}
    assert body["apply_url"] == "/bundles/test-restaurant/apply/" and body["applying_limit_days"] == 3
    sid, oid = answer(restaurant, "是否雇用员工？", "有员工")
    narrowed = client.get("/api/v1/bundles/test-restaurant", {f"b{sid}": oid}).json()
    assert narrowed["answers"] == {str(sid): oid}
    assert next(m for m in narrowed["members"] if m["item_name"] == INSURANCE)["applies"] is True
    assert len(next(m for m in narrowed["materials"] if m["name"] == "一件事申请表")["members"]) == 3
    # answers that are not plain digits are ignored, never a server error ("²".isdigit() is true)
    odd = client.get("/api/v1/bundles/test-restaurant", {f"b{sid}": "²"})
    assert odd.status_code == 200 and odd.json()["answers"] == {}
    missing = client.get("/api/v1/bundles/nope")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_guide_page(restaurant, client):
    page = client.get("/bundles/test-restaurant/").content.decode()
    assert "材料减少 33%、跑动减少 0%、时限压缩 40%" in page
    assert 'href="/bundles/test-restaurant/apply/"' in page and "西安市公安局莲湖分局" in page
    assert "一件事申请表" in page and "免提交" in page and "3 个工作日" in page
    sid, oid = answer(restaurant, "是否已有印章？", "已有")
    narrowed = client.get("/bundles/test-restaurant/", {f"b{sid}": oid}).content.decode()
    assert "按您的情况无需办理" in narrowed and "法定代表人居民身份证" not in narrowed
    assert "开办餐饮店一件事" in client.get("/bundles/").content.decode()
    assert client.get("/bundles/nope/").status_code == 404


def test_admin_pages(restaurant, admin_client):
    assert admin_client.get("/admin/catalog/bundle/").status_code == 200
    assert admin_client.get(f"/admin/catalog/bundle/{restaurant.pk}/change/").status_code == 200
    situation = restaurant.situations.first()
    assert admin_client.get(f"/admin/catalog/bundlesituation/{situation.pk}/change/").status_code == 200
    assert admin_client.get("/admin/catalog/lifeevent/").status_code == 200
    admin_client.post("/admin/catalog/bundle/", {"action": "revise", "_selected_action": [restaurant.pk]})
    assert Bundle.objects.filter(code="test-restaurant", status="draft", version=2).exists()


# ---------------------------------------------------------------- search


def test_search_offers_the_bundle_first(restaurant, client):
    birth = {
        "code": "test-birth",
        "name": "新生儿出生一件事",
        "aliases": "生孩子了、宝宝出生、新生儿落户",
        "description": "出生医学证明、户口登记、医保参保、社保卡一次办。",
        "applicant_type": "natural",
        "life_stage": "birth",
        "members": [
            {"item_code": code_of(name)}
            for name in ("出生医学证明", "户口登记（新生儿）", "城乡居民基本医疗保险参保登记", "社会保障卡申领")
        ],
    }
    retirement = {
        "code": "test-retire",
        "name": "退休一件事",
        "aliases": "我要退休、办退休",
        "description": "退休申请和公积金提取一次办。",
        "applicant_type": "natural",
        "life_stage": "retirement",
        "members": [{"item_code": code_of(name)} for name in ("企业职工正常退休申请", "住房公积金提取（离休、退休）")],
    }
    publish(birth)
    publish(retirement)
    # (the demo's own bundles of the same names may be offered instead of these: either will do)
    for query, name in (("我要开餐馆", "开办餐饮店一件事"), ("生孩子了", "新生儿出生一件事"), ("退休", "退休一件事")):
        page = client.get("/items/", {"q": query}).content.decode()
        offer = page.index('id="bundle-offer"')
        assert offer < page.index('id="result-count"'), query
        first = re.search(r'href="/bundles/([^/]+)/"', page[offer:]).group(1)
        assert bundles.bundle_get(first).name == name, query
        assert client.get("/api/v1/bundles", {"q": query}).json()[0]["name"] == name
        assert client.get("/api/v1/catalog/items", {"q": query}).json()["bundles"][0]["name"] == name
    assert 'id="bundle-offer"' not in client.get("/items/", {"q": "营业执照"}).content.decode()
