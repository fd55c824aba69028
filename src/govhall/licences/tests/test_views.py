import pytest

from govhall.licences.services import licence_revoke, verify_url
from govhall.licences.tests import factories as f

pytestmark = pytest.mark.django_db


def page(client, licence_number: str, **params):
    return client.get(f"/licences/{licence_number}/verify", params)


def test_the_qr_link_opens_a_valid_verdict(client, demo, settings):
    licence = f.issue()
    link = verify_url(licence.number, licence.content_hash)
    assert link.startswith(settings.SITE_URL)
    response = client.get(link.removeprefix(settings.SITE_URL))
    assert response.status_code == 200
    html = response.content.decode()
    assert "有效" in html and 'class="verdict valid"' in html
    assert licence.content_hash in html
    assert "西安莲湖云帆…公司" in html and "食品经营许可证" in html


def test_an_edited_copy_shows_content_mismatch(client, demo):
    licence = f.issue()
    html = page(client, licence.number, h="0" * 64).content.decode()
    assert "内容不符" in html and 'class="verdict mismatch"' in html


def test_revoked_and_unknown(client, demo):
    licence = f.issue()
    licence_revoke(licence=licence, actor=None, reason="注销")
    assert "已撤销（注销）" in page(client, licence.number).content.decode()
    html = page(client, "610104SCJG202600000000").content.decode()
    assert "未查到" in html and 'class="verdict unknown"' in html


def test_the_page_shows_no_personal_numbers(client, demo):
    holder = f.citizen()
    licence = f.issue(holder)
    html = page(client, licence.number, h=licence.content_hash).content.decode()
    assert holder.id_number not in html and holder.masked_code not in html
    assert "张明" not in html and "张*" in html


def test_the_page_is_throttled(client, demo):
    licence = f.issue()
    codes = [page(client, licence.number).status_code for _ in range(35)]
    assert codes[0] == 200 and codes[-1] == 429
