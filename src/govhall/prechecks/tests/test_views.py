"""The 审前服务 pages: asked from the draft's page, answered on the precheck page, the one
notice shown to the applicant there and on the draft's page; the draft's files for those who
see the precheck only; the staff list with its counts."""

from __future__ import annotations

import pytest
from conftest import login

from govhall.cases.tests import factories as f
from govhall.prechecks.models import PrecheckRequest, Status
from govhall.prechecks.tests import helpers as h


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_ask_answer_and_read_the_notice_on_the_pages(client, demo):
    case = f.upload_all(h.draft())
    login(client, "citizen")
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "申请审前服务" in page
    assert client.get(f"/prechecks/new/?case={case.number}").status_code == 200
    r = client.post("/prechecks/new/", {"case": case.number, "question": "场所证明用什么？"})
    assert r.status_code == 302
    request = PrecheckRequest.objects.get(case=case)
    r = client.post("/prechecks/new/", {"case": case.number})
    assert r.status_code == 409 and "已有待答复" in r.content.decode()
    client.logout()
    login(client, "reviewer")
    page = client.get(f"/prechecks/{request.number}/").content.decode()
    assert "一次性告知（答复后不可修改）" in page and "场所证明用什么？" in page
    material = case.materials.filter(current=True).first()
    download = client.get(f"/prechecks/{request.number}/materials/{material.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    r = client.post(f"/prechecks/{request.number}/reply/", {"outcome": "fix"})
    assert r.status_code == 400 and "逐项列出" in r.content.decode()
    r = client.post(
        f"/prechecks/{request.number}/reply/",
        {
            "outcome": "fix",
            "kind_0": "material",
            "target_0": "营业执照",
            "problem_0": "复印件不清晰",
            "needed_0": "上传清晰的扫描件",
            "kind_1": "field",
            "target_1": "经营场所",
            "problem_1": "缺门牌号",
            "needed_1": "填写到门牌号",
        },
    )
    assert r.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.REPLIED and request.findings.count() == 2
    r = client.post(f"/prechecks/{request.number}/reply/", {"outcome": "ready"})
    assert r.status_code == 409 and "不能再次答复" in r.content.decode()
    page = client.get("/prechecks/").content.decode()
    assert "审前服务统计" in page and "已告知 1" in page
    client.logout()
    login(client, "citizen")
    page = client.get(f"/prechecks/{request.number}/").content.decode()
    assert "复印件不清晰" in page and "填写到门牌号" in page and "一次性告知申请人" not in page
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert "需修改2项" in page and "营业执照（复印件不清晰）" in page
    assert request.number in client.get("/prechecks/").content.decode()


def test_others_get_404(client, demo):
    case = f.upload_all(h.draft())
    request = h.asked(case=case)
    material = case.materials.filter(current=True).first()
    h.health_reviewer()
    for outsider in ("citizen2", "company", "wj-reviewer"):
        client.logout()
        login(client, outsider)
        assert client.get(f"/prechecks/{request.number}/").status_code == 404, outsider
        assert client.get(f"/prechecks/{request.number}/materials/{material.pk}/").status_code == 404
        assert client.post(f"/prechecks/{request.number}/reply/", {"outcome": "ready"}).status_code == 404
        assert request.number not in client.get("/prechecks/").content.decode()
        assert client.post("/prechecks/new/", {"case": case.number}).status_code == 404
    client.logout()
    login(client, "manager")
    r = client.post(f"/prechecks/{request.number}/reply/", {"outcome": "ready"})
    assert r.status_code == 403
    other = f.submitted()
    client.logout()
    login(client, "reviewer")  # a material of a case outside the precheck
    stray = other.materials.filter(current=True).first()
    assert client.get(f"/prechecks/{request.number}/materials/{stray.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/prechecks/{request.number}/").status_code == 302
