"""National implementation codes in the catalogue: a spreadsheet of real-format codes imports,
the items are found by code and by name, URLs work, the API shows the parts, bad codes are
refused cell by cell, and regions have 12-digit codes."""

import importlib
import io

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from govhall.catalog import selectors, services, xlsx
from govhall.catalog.models import Region, ServiceItem
from govhall.catalog.tests.factories import item_data

pytestmark = pytest.mark.django_db

GUANG_AN = "511602000000"  # 广安市广安区
AGENCY = "115113010833722043"
LICENSING = f"511A0138000000-{GUANG_AN}-000-{AGENCY}-1-00"
PUBLIC_SERVICE = f"G-000007-001-{GUANG_AN}-000-{AGENCY}-1-00"


@pytest.fixture
def guang_an(demo):
    services.region_upsert(code="510000000000", name="四川省", level="province")
    services.region_upsert(code="511600000000", name="广安市", level="city", parent_code="510000000000")
    services.region_upsert(code=GUANG_AN, name="广安区", level="district", parent_code="511600000000")
    services.department_upsert(code="ga-scjg", name="广安市广安区市场监督管理局", region_code=GUANG_AN)


def _items():
    return [
        services.normalize_item_data(
            item_data(LICENSING, base_code="511A0138000000", name="食品小作坊登记", department="ga-scjg")
        ),
        services.normalize_item_data(
            item_data(
                PUBLIC_SERVICE,
                base_code="G-000007-001",
                name="企业开办咨询服务",
                department="ga-scjg",
                kind="public_service",
                result_type="other",
                result_name="咨询答复",
            )
        ),
    ]


def _workbook(items) -> bytes:
    """The spreadsheet a centre would fill in: built with openpyxl, real-format codes in column A."""
    wb = load_workbook(io.BytesIO(xlsx.export_workbook(items)))
    assert wb["事项"]["A1"].value == "实施编码*" and wb["事项"]["A2"].value == items[0]["code"]
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _found(**filters) -> list[str]:
    return sorted(i.code for i in selectors.item_search(page_size=100, **filters).items)


def test_a_spreadsheet_of_national_codes_imports_and_the_items_are_found(guang_an):
    assert len(LICENSING) == 55
    result = xlsx.import_workbook(_workbook(_items()))
    assert sorted(result.created) == sorted([LICENSING, PUBLIC_SERVICE])
    item = selectors.item_get(LICENSING)
    assert item.code == LICENSING and item.base_code == "511A0138000000"
    assert item.code_parts.region_code == GUANG_AN and item.code_parts.agency_code == AGENCY

    both = sorted([LICENSING, PUBLIC_SERVICE])
    # by code: whole, basic, region, the agency's credit code; in a search box or as the code filter
    assert _found(q=LICENSING) == [LICENSING]
    assert _found(q=LICENSING.lower()) == [LICENSING]
    assert _found(q="511A0138000000") == [LICENSING]
    assert _found(q="G-000007-001") == [PUBLIC_SERVICE]
    assert _found(q=GUANG_AN) == both
    assert _found(code=AGENCY) == both
    assert _found(code=PUBLIC_SERVICE) == [PUBLIC_SERVICE]
    assert _found(code=GUANG_AN, kind="public_service") == [PUBLIC_SERVICE]
    assert _found(code="511602") == []  # a whole code or part, not a prefix
    assert _found(code="000000000000") == []
    # by name, as before; a code filter narrows a text search
    assert selectors.item_search(q="食品小作坊登记").items[0].code == LICENSING
    assert selectors.item_search(q="shipinxiaozuofang").items[0].code == LICENSING
    assert _found(q="食品小作坊", code=GUANG_AN) == [LICENSING]
    assert _found(q="企业开办", code=GUANG_AN) == [PUBLIC_SERVICE]
    assert _found(q="企业开办", code="511A0138000000") == []

    # importing the same file again changes nothing
    assert xlsx.import_workbook(_workbook(_items())).unchanged == [LICENSING, PUBLIC_SERVICE]


def test_api_list_filter_and_search_by_code(client, guang_an):
    services.catalog_import(_items())
    body = client.get("/api/v1/catalog/items", {"code": GUANG_AN}).json()
    assert body["count"] == 2 and {r["code"] for r in body["results"]} == {LICENSING, PUBLIC_SERVICE}
    body = client.get("/api/v1/catalog/items", {"q": "511A0138000000"}).json()
    assert [r["code"] for r in body["results"]] == [LICENSING]
    assert body["results"][0]["url"] == f"/items/{LICENSING}/"
    assert client.get("/api/v1/catalog/items", {"code": "NOPE"}).json()["count"] == 0


def test_api_detail_shows_the_parts(client, guang_an):
    services.catalog_import(_items())
    body = client.get(f"/api/v1/catalog/items/{LICENSING}").json()
    assert body["code"] == LICENSING
    assert body["code_parts"] == {
        "basic_code": "511A0138000000",
        "region_code": GUANG_AN,
        "agency_code": AGENCY,
        "handling_item": "1",
        "version": "00",
    }
    assert client.get(f"/api/v1/catalog/items/{PUBLIC_SERVICE}").json()["code_parts"]["basic_code"] == "G-000007-001"
    services.catalog_import([item_data("LOCAL-001")])
    assert client.get("/api/v1/catalog/items/LOCAL-001").json()["code_parts"] is None
    materials = client.get(f"/api/v1/catalog/items/{LICENSING}/materials").json()
    assert materials["code"] == LICENSING and materials["materials"]


def test_pages_work_with_a_55_character_code(client, guang_an):
    services.catalog_import(_items())
    guide = client.get(f"/items/{LICENSING}/")
    assert guide.status_code == 200 and LICENSING in guide.content.decode()
    assert client.get(f"/items/{LICENSING}/materials/").status_code == 200
    qr = client.get(f"/items/{LICENSING}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    listing = client.get("/items/", {"q": LICENSING}).content.decode()
    assert f'href="/items/{LICENSING}/"' in listing
    assert client.get(f"/items/{LICENSING[:-1]}1/").status_code == 404


def test_the_demo_has_national_codes_and_twelve_digit_regions(client, demo):
    for item in ServiceItem.objects.filter(status="published"):
        assert item.code_parts is not None, item.code
        assert item.code_parts.basic_code == item.base_code
        assert item.code_parts.region_code == item.department.region.code == "610104000000"
    assert all(len(code) == 12 and code.isdigit() for code in Region.objects.values_list("code", flat=True))
    food = ServiceItem.objects.get(name="食品经营许可", status="published")
    assert food.licence_type_code and client.get(f"/items/{food.code}/").status_code == 200


def _errors(items) -> list[xlsx.SheetError]:
    before = ServiceItem.objects.count()
    with pytest.raises(xlsx.XlsxImportError) as exc:
        xlsx.import_workbook(_workbook(items))
    assert ServiceItem.objects.count() == before, "nothing is imported"
    return exc.value.errors


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (LICENSING.replace(GUANG_AN, "511602000"), "行政区划代码“511602000”应为12位数字"),
        (LICENSING.replace(AGENCY, AGENCY[:-1] + "4"), "校验位不正确（GB 32100：末位应为“3”）"),
        (LICENSING.replace(AGENCY, AGENCY[:-1] + "I"), "应为18位统一社会信用代码"),
    ],
)
def test_bad_codes_are_located_in_their_cell(guang_an, code, message):
    items = _items()
    items[0]["code"] = code
    [error] = _errors(items)
    assert (error.sheet, error.row, error.column, error.header) == ("事项", 2, "A", "实施编码")
    assert message in error.message
    assert str(error).startswith("“事项”表第2行A列（实施编码）：实施编码中的")


def test_base_code_must_match_the_code(guang_an):
    items = _items()
    items[1]["base_code"] = "G-000007-002"
    [error] = _errors(items)
    assert (error.sheet, error.row, error.column, error.header) == ("事项", 3, "B", "基本编码")
    assert "G-000007-001" in error.message


def test_licence_type_code_is_checked(guang_an):
    items = _items()
    items[0]["licence_type_code"] = "11100000000013338X011"
    items[1]["licence_type_code"] = "11100000000013338W011"  # its result is no licence
    first, second = _errors(items)
    assert (first.row, first.header) == (2, "证照类型代码") and "校验位" in first.message
    assert (second.row, second.header) == (3, "证照类型代码") and "证照或证明" in second.message
    items = _items()
    items[0]["licence_type_code"] = "11100000000013338W011"
    services.catalog_import(items)
    assert selectors.item_get(LICENSING).licence_type_code == "11100000000013338W011"


def test_regions_need_twelve_digits(demo):
    with pytest.raises(ValidationError) as exc:
        services.region_upsert(code="510000", name="四川省", level="province")
    assert "12位数字" in str(exc.value)
    assert not Region.objects.filter(code="510000").exists()


def test_admin_refuses_a_short_region_code(admin_client, demo):
    response = admin_client.post(
        "/admin/catalog/region/add/", {"code": "610105", "name": "新城区", "level": "district"}
    )
    assert response.status_code == 200 and "12位数字" in response.content.decode()
    assert not Region.objects.filter(name="新城区").exists()


def test_migration_pads_region_codes_and_renames_the_demo_items(demo):
    migration = importlib.import_module("govhall.catalog.migrations.0005_twelve_digit_regions_and_national_demo_codes")
    Region.objects.create(code="620000", name="甘肃省", level="province")  # as stored before 12 digits
    Region.objects.create(code="620102001", name="某街道", level="street")
    Region.objects.create(code="62", name="两位", level="province")
    migration.regions_forward(apps, None)
    codes = set(Region.objects.values_list("code", flat=True))
    assert {"620000000000", "620102001000", "62"} <= codes and not {"620000", "620102001"} & codes

    old, new = "610104-SCJG-XK-005", migration.DEMO_CODES["610104-SCJG-XK-005"]
    food = ServiceItem.objects.filter(code=new)
    versions = food.count()
    assert versions >= 1
    food.update(code=old)  # a database loaded with the old demo
    migration.items_forward(apps, None)
    assert ServiceItem.objects.filter(code=new).count() == versions and not ServiceItem.objects.filter(code=old)
    migration.items_backward(apps, None)
    assert ServiceItem.objects.filter(code=old).count() == versions
    migration.items_forward(apps, None)
    assert set(migration.DEMO_CODES.values()) == set(
        ServiceItem.objects.filter(status="published", department__code__startswith="lh-").values_list(
            "code", flat=True
        )
    )
