import pytest

from govhall.catalog import services
from govhall.catalog.selectors import PUBLIC_LISTS
from govhall.catalog.tests.factories import item_data

pytestmark = pytest.mark.django_db


def test_home(client, demo):
    page = client.get("/").content.decode()
    for label in ("马上办", "网上办", "一次办", "就近办", "个人办事", "法人办事"):
        assert label in page


def test_search_page(client, demo):
    page = client.get("/items/", {"q": "yyzz"}).content.decode()
    assert "设立登记" in page and "搜索结果" in page


def test_guide_page_is_a_complete_one_time_notice(client, demo):
    services.catalog_import([item_data("VIEW-001")])
    page = client.get("/items/VIEW-001/").content.decode()
    for text in (
        "测试许可事项",
        "一次性告知",
        "受理条件",
        "《测试条例》第三条",
        "法定时限",
        "承诺时限",
        "申请书",
        "营业执照",
        "免提交",
        "可容缺",
        "场所是否租赁？",
        "<svg",
        "打印",
        "办理流程",
    ):
        assert text in page, text
    assert "租赁合同" not in page.split("申请材料")[1].split("办理流程")[0].split("</form>")[1]


def test_situation_answer_changes_the_materials(client, demo):
    services.catalog_import([item_data("VIEW-002")])
    from govhall.catalog.selectors import item_get

    item = item_get("VIEW-002")
    situation = item.situations.get()
    yes = situation.options.get(label="是")
    fragment = client.get(f"/items/VIEW-002/materials/?s{situation.id}={yes.id}", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "租赁合同" in html and "<html" not in html
    # without htmx the same URL gives the whole page with the answer checked
    full = client.get(f"/items/VIEW-002/materials/?s{situation.id}={yes.id}").content.decode()
    assert "<html" in full and "checked" in full


def test_qr_code_links_to_the_guide(client, demo):
    services.catalog_import([item_data("VIEW-003")])
    response = client.get("/items/VIEW-003/qr.svg")
    assert response["Content-Type"] == "image/svg+xml" and b"<svg" in response.content


@pytest.mark.parametrize("name", list(PUBLIC_LISTS))
def test_public_lists(client, demo, name):
    page = client.get(f"/lists/{name}/")
    assert page.status_code == 200
    assert PUBLIC_LISTS[name][0] in page.content.decode()


def test_unknown_list_and_item_404(client, demo):
    assert client.get("/lists/nope/").status_code == 404
    assert client.get("/items/NOPE/").status_code == 404


def test_department_power_list(client, demo):
    page = client.get("/departments/lh-scjg/").content.decode()
    assert "权责清单" in page and "行政许可" in page and "食品经营许可" in page
    assert client.get("/departments/").status_code == 200


def test_browse_by_topic_and_department(client, demo):
    assert client.get("/items/", {"department": "lh-gjj"}).status_code == 200
    from govhall.catalog.models import Topic

    topic = Topic.objects.first()
    assert topic.name in client.get("/items/", {"topic": topic.code}).content.decode()


def test_guide_lists_the_application_form(client, demo):
    text = client.get("/items/000101005000-610104000000-000-11610104LH0000001G-1-00/").content.decode()
    assert "申请表需填写" in text and "经营场所（必填）" in text and "餐饮服务经营者" in text


@pytest.fixture
def blank_form(settings, tmp_path, demo):
    """A published material with a blank form (PDF) and an example (HTML, as an editor might upload)."""
    from django.core.files.base import ContentFile

    from govhall.catalog.models import ServiceItem

    settings.MEDIA_ROOT = tmp_path
    material = ServiceItem.objects.filter(status="published").first().materials.first()
    material.template.save("空白表.pdf", ContentFile(b"%PDF-1.4 blank form"), save=False)
    material.example.save("example.html", ContentFile(b"<script>alert(1)</script>"), save=False)
    material.save()
    return material


def test_a_blank_form_is_served_at_its_url(client, blank_form):
    response = client.get(blank_form.template.url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 blank form"
    assert response["Content-Type"] == "application/pdf" and response["Content-Disposition"].startswith("inline")
    # Anything but a PDF or an image downloads rather than running as a page of this site.
    example = client.get(blank_form.example.url)
    assert example.status_code == 200 and example["Content-Disposition"].startswith("attachment")


def test_only_listed_catalogue_files_are_served(client, blank_form, tmp_path):
    (tmp_path / "catalog" / "templates" / "unlisted.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "610104202611240000001-1.pdf").write_bytes(b"%PDF-1.4 an applicant's ID card")
    for url in (
        "/media/catalog/templates/unlisted.pdf",
        "/media/catalog/../cases/610104202611240000001-1.pdf",
        "/media/catalog/templates/%2e%2e/%2e%2e/cases/610104202611240000001-1.pdf",
        "/media/cases/610104202611240000001-1.pdf",
    ):
        assert client.get(url).status_code == 404, url


def test_the_guide_links_its_blank_forms(client, blank_form):
    page = client.get(f"/items/{blank_form.item.code}/").content.decode()
    assert f'href="{blank_form.template.url}"' in page
    guide = client.get(f"/api/v1/catalog/items/{blank_form.item.code}").json()
    (entry,) = [m for m in guide["materials"] if m["id"] == blank_form.id]
    assert entry["template_url"] == blank_form.template.url
    assert client.get(entry["template_url"]).status_code == 200
