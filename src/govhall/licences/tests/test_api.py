import json

import pytest
from conftest import login

from govhall.licences.services import licence_revoke
from govhall.licences.tests import factories as f

pytestmark = pytest.mark.django_db


def url(number: str, tail: str = "verify") -> str:
    return f"/api/v1/licences/{number}/{tail}"


def test_verify_is_public_and_answers_valid(client, demo):
    licence = f.issue()
    response = client.get(url(licence.number), {"hash": licence.content_hash})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "valid" and body["status_label"] == "有效"
    assert body["licence_type"] == "食品经营许可证"
    assert body["holder_name"] == "西安莲湖云帆…公司"
    assert body["department"] == "西安市莲湖区市场监督管理局"
    assert body["content_hash"] == licence.content_hash
    assert body["issued_on"] == licence.issued_on.isoformat()


def test_verify_with_an_altered_hash_is_a_mismatch(client, demo):
    licence = f.issue()
    altered = licence.content_hash[:-1] + ("0" if licence.content_hash[-1] != "0" else "1")
    assert client.get(url(licence.number), {"hash": altered}).json()["status"] == "mismatch"


def test_verify_revoked_and_unknown(client, demo):
    licence = f.issue()
    licence_revoke(licence=licence, actor=f.user("approver"), reason="告知承诺核查不实")
    body = client.get(url(licence.number)).json()
    assert body["status"] == "revoked" and body["revoked_on"]
    unknown = client.get(url("610104SCJG202600000000")).json()
    assert unknown["status"] == "unknown" and unknown["holder_name"] is None


def test_verification_has_no_personal_numbers(client, demo):
    holder = f.citizen()
    licence = f.issue(holder)
    text = json.dumps(client.get(url(licence.number), {"hash": licence.content_hash}).json(), ensure_ascii=False)
    assert holder.id_number not in text
    assert holder.id_number[6:14] not in text  # not even the birth date
    assert holder.masked_code not in text
    assert "张明" not in text and "张*" in text
    assert holder.phone not in text


def test_verify_is_throttled(client, demo):
    licence = f.issue()
    statuses = [client.get(url(licence.number)).status_code for _ in range(35)]
    assert statuses[0] == 200 and statuses[-1] == 429
    body = client.get(url(licence.number)).json()
    assert body["code"] == "rate_limited" and body["message"] == "请求过于频繁，请稍后再试"


def test_download_by_the_holder(client, demo, bearer):
    licence = f.issue(f.citizen())
    response = client.get(url(licence.number, "file"), headers=bearer("citizen"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert licence.number in f.pdf_text(b"".join(response.streaming_content))


def test_download_by_a_company_operator_with_the_session(client, demo):
    licence = f.issue(f.company())
    login(client, "company")
    assert client.get(url(licence.number, "file")).status_code == 200


def test_download_by_staff_in_scope(client, demo, bearer):
    licence = f.issue(f.citizen())
    for username in ["approver", "reviewer", "clerk", "supervisor", "admin"]:
        assert client.get(url(licence.number, "file"), headers=bearer(username)).status_code == 200, username
    # an assistant (驿站帮办) has no licence scope of their own
    assert client.get(url(licence.number, "file"), headers=bearer("assistant")).status_code == 404


def test_download_by_another_citizen_is_not_found(client, demo, bearer):
    licence = f.issue(f.citizen())
    response = client.get(url(licence.number, "file"), headers=bearer("citizen2"))
    assert response.status_code == 404
    assert response.json()["code"] == "licence_not_found"
    # the same answer as for a number that does not exist
    assert client.get(url("NO-SUCH", "file"), headers=bearer("citizen2")).json()["code"] == "licence_not_found"


def test_download_anonymous_is_401(client, demo):
    licence = f.issue()
    response = client.get(url(licence.number, "file"))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
