"""The pages: apply (questions, the one form, the one set of materials), the bundle-case
page (progress, members, uploads, submit), the link from a member case, and 404 for others."""

from __future__ import annotations

import pytest

from govhall.bundles import selectors
from govhall.bundles.tests import factories as bf
from govhall.cases.tests import factories as f
from govhall.core import links

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_apply_then_upload_and_submit_on_the_pages(client, restaurant, django_capture_on_commit_callbacks):
    client.force_login(f.user("citizen"))
    page = client.get(f"/bundle-cases/new/{bf.CODE}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "是否已有营业执照" in text and "店名" in text and "卫生管理制度" in text
    assert "个体工商户设立登记" not in text  # only when the answer brings it in
    page = client.get(f"/bundle-cases/new/{bf.CODE}/", bf.no_licence_yet(restaurant))
    assert "个体工商户设立登记" in page.content.decode()
    fields = page.context["fields"]
    data = {f"f_{row['index']}": bf.FORM.get(row["field"].name, "") for row in fields}
    r = client.post(f"/bundle-cases/new/{bf.CODE}/", {**data, "action": "create"})
    assert r.status_code == 302
    bundle_case = selectors.BundleCase.objects.get()
    assert r["Location"] == f"/bundle-cases/{bundle_case.number}/"
    page = client.get(r["Location"])
    assert page.status_code == 200 and "一套材料" in page.content.decode()
    for material in page.context["data"]["materials"]:
        if material["asked"] and material["required"]:
            client.post(r["Location"], {"action": "upload", "name": material["name"], "file": f.pdf_upload()})
    bf.upload_all(bundle_case)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(r["Location"], {"action": "submit"})
    assert page.status_code == 200, page.content.decode()
    assert page.context["done"]
    assert bf.refresh(bundle_case).status == "submitted"
    # the member case's page links to the bundle case
    member = bf.member_case(bundle_case, bf.FOOD)
    found = links.case_links(member, f.user("citizen"))
    assert any(link.url == f"/bundle-cases/{bundle_case.number}/" for link in found)
    client.force_login(f.user("reviewer"))
    page = client.get(f"/bundle-cases/{bundle_case.number}/")
    assert page.status_code == 200
    assert [m["item_code"] for m in page.context["data"]["members"]] == [bf.FOOD]
    assert "一窗受理" not in page.content.decode()  # a department's reviewer does not take it in
    client.force_login(f.user("citizen2"))
    assert client.get(f"/bundle-cases/{bundle_case.number}/").status_code == 404
    assert client.get("/bundle-cases/").status_code == 200
    # the window takes the whole bundle in from this page (一窗受理)
    client.force_login(f.user("clerk"))
    page = client.get(f"/bundle-cases/{bundle_case.number}/")
    assert "一窗受理" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/bundle-cases/{bundle_case.number}/", {"action": "prereview"})
    assert page.status_code == 200 and "整体受理" in page.context["done"]
    assert {m.case.state for m in selectors.members(bundle_case)} == {"accepted"}


def test_the_form_errors_show_by_the_unified_name(client, restaurant):
    client.force_login(f.user("citizen"))
    r = client.post(f"/bundle-cases/new/{bf.CODE}/", {"action": "create", "f_0": "张明小吃店"})
    assert r.status_code == 400
    assert "经营场所" in r.context["error"]
    assert not selectors.BundleCase.objects.exists()
