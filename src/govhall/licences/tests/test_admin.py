import pytest
from conftest import login

from govhall.licences.models import Licence
from govhall.licences.tests import factories as f

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/licences/licence/"


def test_admin_lists_and_shows_licences_read_only(client, demo):
    licence = f.issue()
    login(client, "admin")
    assert licence.number in client.get(CHANGELIST).content.decode()
    page = client.get(f"{CHANGELIST}{licence.pk}/change/")
    assert page.status_code == 200
    assert 'name="content_hash"' not in page.content.decode()  # shown, not editable
    # The file links to the checked download, never to a path under MEDIA_ROOT.
    assert f'href="/api/v1/licences/{licence.number}/file"' in page.content.decode()
    assert "/media/" not in page.content.decode() and 'name="file"' not in page.content.decode()
    assert client.get(f"{CHANGELIST}add/").status_code == 403


def test_admin_revokes_through_the_service_with_a_reason(client, demo):
    licence = f.issue()
    login(client, "admin")
    form = {"action": "revoke_selected", "_selected_action": [licence.pk]}
    confirm = client.post(CHANGELIST, form)
    assert confirm.status_code == 200 and "撤销理由" in confirm.content.decode()
    licence.refresh_from_db()
    assert licence.status == Licence.Status.VALID  # nothing happens before the reason is given
    client.post(CHANGELIST, {**form, "apply": "1", "reason": "申请人申请注销"})
    licence.refresh_from_db()
    assert licence.status == Licence.Status.REVOKED
    assert licence.revoke_reason == "申请人申请注销" and licence.revoked_by == f.user("admin")
