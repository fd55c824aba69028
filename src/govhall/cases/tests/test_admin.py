import pytest
from conftest import login

from govhall.cases.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_cases_in_the_admin_are_read_only_for_oversight(client, demo):
    case = f.accepted()
    login(client, "supervisor")
    assert client.get("/admin/cases/case/").status_code == 200
    page = client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.status_code == 200
    assert case.number in page.content.decode()
    # read-only: posting a change does nothing
    client.post(f"/admin/cases/case/{case.pk}/change/", {"state": "approved"})
    case.refresh_from_db()
    assert case.state == "accepted"
    assert client.get("/admin/cases/case/add/").status_code == 403


def test_applicants_and_clerks_have_no_case_admin(client, demo):
    login(client, "clerk")
    assert client.get("/admin/cases/case/").status_code in (302, 403)
    login(client, "citizen")
    assert client.get("/admin/cases/case/").status_code == 302


def test_case_documents_in_the_admin_link_to_the_checked_download(client, demo):
    case = f.accepted_with_deferral()  # has a deferral notice (PDF with the applicant's data)
    document = case.documents.first()
    login(client, "admin")
    page = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    url = f"/api/v1/cases/{case.number}/documents/{document.pk}"
    assert f'href="{url}"' in page
    assert "/media/" not in page  # stored files have no URL of their own
    assert client.get(url).status_code == 200
