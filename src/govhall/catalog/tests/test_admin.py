import io

import pytest
from conftest import login
from django.conf import settings

from govhall.catalog import services
from govhall.catalog.models import ServiceItem
from govhall.catalog.selectors import item_get
from govhall.catalog.tests.factories import item_data

pytestmark = pytest.mark.django_db


def test_anonymous_and_applicants_are_sent_to_login(client, demo):
    assert client.get("/admin/catalog/serviceitem/").status_code == 302
    login(client, "citizen")
    response = client.get("/admin/catalog/serviceitem/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_catalogue_permissions_cannot_edit(client, demo):
    login(client, "clerk")
    assert client.get("/admin/catalog/serviceitem/").status_code == 403
    assert client.get("/admin/catalog/serviceitem/import/").status_code in (302, 403)
    assert client.get("/admin/catalog/serviceitem/export/").status_code == 403


def test_supervisor_may_view_but_not_change(client, demo):
    login(client, "supervisor")
    assert client.get("/admin/catalog/serviceitem/").status_code == 200
    assert client.get("/admin/catalog/serviceitem/import/").status_code == 403
    item = item_get(ServiceItem.objects.filter(status="published").first().code)
    response = client.post(f"/admin/catalog/serviceitem/{item.pk}/change/", {"name": "改名"})
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.name != "改名"


def test_admin_is_in_chinese(admin_client, demo):
    page = admin_client.get("/admin/").content.decode()
    assert "政务服务事项" in page and "管理" in page


def test_published_versions_are_read_only_and_revise_creates_a_draft(admin_client, demo):
    services.catalog_import([item_data("ADM-001")])
    item = item_get("ADM-001")
    page = admin_client.get(f"/admin/catalog/serviceitem/{item.pk}/change/").content.decode()
    assert 'name="name"' not in page  # read-only view
    admin_client.post("/admin/catalog/serviceitem/", {"action": "revise", "_selected_action": [item.pk]})
    draft = ServiceItem.objects.get(code="ADM-001", status="draft")
    assert draft.version == 2
    admin_client.post("/admin/catalog/serviceitem/", {"action": "publish", "_selected_action": [draft.pk]})
    assert item_get("ADM-001").version == 2


def test_admin_export_then_import(admin_client, demo):
    response = admin_client.get("/admin/catalog/serviceitem/export/")
    assert response.status_code == 200
    content = b"".join(response) if response.streaming else response.content
    upload = io.BytesIO(content)
    upload.name = "catalog.xlsx"
    count = ServiceItem.objects.count()
    response = admin_client.post("/admin/catalog/serviceitem/import/", {"file": upload}, follow=True)
    assert "未变化" in response.content.decode()
    assert ServiceItem.objects.count() == count


def test_admin_import_shows_located_errors(admin_client, demo):
    upload = io.BytesIO(b"not a spreadsheet")
    upload.name = "bad.xlsx"
    response = admin_client.post("/admin/catalog/serviceitem/import/", {"file": upload})
    assert response.status_code == 400
    assert ".xlsx" in response.content.decode()


def test_catalogue_administrator_role_can_edit(client, demo):
    from govhall.accounts.models import StaffProfile, User
    from govhall.accounts.roles import Role
    from govhall.accounts.services import role_groups_ensure

    user = User.objects.create_user("catadmin", password=settings.GOVHALL_DEMO_PASSWORD, is_staff=True)
    StaffProfile.objects.create(user=user, role=Role.ADMINISTRATOR)
    user.groups.set([role_groups_ensure()[Role.ADMINISTRATOR]])
    client.force_login(user)
    assert client.get("/admin/catalog/serviceitem/import/").status_code == 200
