"""The pages: apply (questions, the one form, the one set of materials), the bundle-case
page (progress, members, uploads, submit), the link from a member case, and 404 for others."""

from __future__ import annotations

import re

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


def test_the_general_window_files_a_whole_bundle_for_a_walk_in_applicant(client, restaurant):
    """一窗受理 of a bundle: the clerk finds the bundle, registers the person at the window,
    files one form, scans the one set of materials, submits and takes it all in."""
    from govhall.accounts.models import Applicant
    from govhall.accounts.validators import id_number_check_char
    from govhall.cases.models import Channel

    client.force_login(f.user("citizen"))
    assert client.get("/bundle-cases/intake/").status_code == 403  # the window's page only
    page = client.get(f"/bundle-cases/new/{bf.CODE}/")
    assert "窗口收件" not in page.content.decode()
    client.force_login(f.user("clerk"))
    assert any(link.url == "/bundle-cases/intake/" for link in links.nav_links(f.user("clerk")))
    page = client.get("/bundle-cases/intake/")
    assert page.status_code == 200 and f"/bundle-cases/new/{bf.CODE}/" in page.content.decode()
    page = client.get(f"/bundle-cases/new/{bf.CODE}/")
    assert "窗口收件：申请人" in page.content.decode()
    data = {f"f_{row['index']}": bf.FORM.get(row["field"].name, "") for row in page.context["fields"]}
    code = "61010419881212" + "457"
    code += id_number_check_char(code)
    # a bad phone number: nothing is registered or filed
    r = client.post(
        f"/bundle-cases/new/{bf.CODE}/",
        {**data, "action": "create", "kind": "natural", "code": code, "name": "王五", "phone": "123"},
    )
    assert r.status_code == 400 and "手机号码应为11位" in r.context["error"]
    assert not Applicant.objects.filter(id_number=code).exists() and not selectors.BundleCase.objects.exists()
    r = client.post(
        f"/bundle-cases/new/{bf.CODE}/",
        {**data, "action": "create", "kind": "natural", "code": code, "name": "王五", "phone": "13912345678"},
    )
    assert r.status_code == 302, r.context and r.context["error"]
    bundle_case = selectors.BundleCase.objects.get()
    applicant = Applicant.objects.get(id_number=code)
    assert bundle_case.applicant == applicant and bundle_case.filed_by.username == "clerk"
    members = selectors.members(bundle_case)
    assert {m.case.channel for m in members} == {Channel.WINDOW}
    assert {m.case.hall_id for m in members} == {f.user("clerk").staff_profile.hall_id} == {bundle_case.hall_id}
    page = client.get(r["Location"])
    assert "已登记新申请人" in page.content.decode()
    # a person new to the centre has no e-licences: what the library would supply is asked for
    lacking = [m for m in page.context["data"]["materials"] if m["source"] == "licence" and not m["supplied"]]
    assert [m["name"] for m in lacking] == ["营业执照"]
    assert "营业执照（必要）：未提交：您的电子证照库中暂无此证照，请上传" in " ".join(page.content.decode().split())
    for material in page.context["data"]["materials"]:
        if material["required"] and not material["supplied"]:
            client.post(r["Location"], {"action": "upload", "name": material["name"], "file": f.pdf_upload()})
    page = client.post(r["Location"], {"action": "submit"})
    assert page.status_code == 200, page.context["error"]
    # the clerk who filed it takes it in at the same window
    assert page.context["prereview"]
    page = client.post(r["Location"], {"action": "prereview"})
    assert page.status_code == 200 and "整体受理" in page.context["done"]
    assert {m.case.state for m in selectors.members(bundle_case)} == {"accepted"}
    # the applicant, signing in later, sees nothing of it unless their account is that person
    client.force_login(f.user("citizen"))
    assert client.get(r["Location"]).status_code == 404


def test_the_apply_page_promises_免提交_only_for_licences_the_applicant_holds(client, restaurant):
    from govhall.accounts.models import Applicant
    from govhall.catalog.models import MaterialRequirement
    from govhall.licences.tests import factories as lf

    requirement = MaterialRequirement.objects.filter(
        item__code__in=[bf.FOOD, bf.HEALTH], item__status="published", source="licence"
    ).first()
    assert requirement is not None and requirement.name == "营业执照"

    def text():
        page = client.get(f"/bundle-cases/new/{bf.CODE}/").content.decode()
        return " ".join(re.sub(r"<[^>]+>", "", page).split())

    client.force_login(f.user("citizen2"))
    assert "营业执照（必要） 您的电子证照库中暂无此证照，请在办件页面上传" in text()
    lf.issue(Applicant.objects.get(user__username="citizen2"), licence_type=requirement.licence_type)
    assert "营业执照（必要） 免提交：已从您的电子证照库获取" in text()
