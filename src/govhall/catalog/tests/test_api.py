import pytest

from govhall.catalog import services
from govhall.catalog.tests.factories import item_data

pytestmark = pytest.mark.django_db


def test_list_and_search(client, demo):
    body = client.get("/api/v1/catalog/items", {"page_size": 5}).json()
    assert body["count"] >= 60 and len(body["results"]) == 5 and body["pages"] >= 12
    hit = client.get("/api/v1/catalog/items", {"q": "结婚登记"}).json()["results"][0]
    assert hit["name"] == "结婚登记" and hit["url"] == f"/items/{hit['code']}/"


def test_filters(client, demo):
    body = client.get("/api/v1/catalog/items", {"department": "lh-gjj", "page_size": 100}).json()
    assert body["count"] >= 3 and {r["department"] for r in body["results"]} == {"lh-gjj"}
    body = client.get("/api/v1/catalog/items", {"applicant_type": "natural", "page_size": 100}).json()
    assert all(r["applicant_type"] in ("natural", "both") for r in body["results"])
    body = client.get("/api/v1/catalog/items", {"list": "instant", "page_size": 100}).json()
    assert body["count"] > 0 and all(r["is_instant"] for r in body["results"])
    assert client.get("/api/v1/catalog/items", {"department": "nope"}).json()["count"] == 0


def test_bad_filter_is_a_structured_422(client, demo):
    response = client.get("/api/v1/catalog/items", {"applicant_type": "alien"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_full_guide(client, demo):
    services.catalog_import([item_data("API-001")])
    body = client.get("/api/v1/catalog/items/API-001").json()
    assert body["name"] == "测试许可事项" and body["version"] == 1
    materials = {m["name"]: m for m in body["materials"]}
    assert materials["场所证明"]["deferrable"] is True and materials["场所证明"]["required"] is True
    assert materials["营业执照"]["source"] == "licence" and materials["营业执照"]["asked_of_applicant"] is False
    assert all(isinstance(m["id"], int) for m in body["materials"])
    [situation] = body["situations"]
    yes = next(o for o in situation["options"] if o["label"] == "是")
    assert yes["adds"] == [materials["租赁合同"]["id"]]
    assert body["steps"][0] == {"name": "受理", "description": "窗口受理"}


def test_tailored_materials(client, demo):
    services.catalog_import([item_data("API-002")])
    guide = client.get("/api/v1/catalog/items/API-002").json()
    situation = guide["situations"][0]
    no = next(o for o in situation["options"] if o["label"] == "否")
    body = client.get("/api/v1/catalog/items/API-002/materials", {"answers": f"{situation['id']}:{no['id']}"}).json()
    assert [m["name"] for m in body["materials"]] == ["申请书", "营业执照"]


def test_unknown_item_is_404(client, demo):
    response = client.get("/api/v1/catalog/items/NOPE")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_drafts_are_not_public(client, demo):
    from govhall.catalog.selectors import item_get

    services.catalog_import([item_data("API-003")])
    draft = services.item_revise(item=item_get("API-003"))
    draft.name = "草稿名称"
    draft.save()
    assert client.get("/api/v1/catalog/items/API-003").json()["name"] == "测试许可事项"


def test_departments_and_topics(client, demo):
    departments = client.get("/api/v1/catalog/departments").json()
    assert {
        "lh-scjg",
        "lh-sw",
        "lh-rs",
        "lh-yb",
        "lh-ga",
        "lh-wj",
        "lh-zj",
        "lh-zrzy",
        "lh-sthj",
        "lh-gjj",
    } <= {d["code"] for d in departments}
    assert client.get("/api/v1/catalog/topics").json()
