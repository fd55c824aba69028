"""The construction pages: the list and registration, the project page with every stage,
filing a stage (then the bundle-case page), recording an inspection; outsiders get 404."""

from __future__ import annotations

import pytest
from conftest import login
from django.utils import timezone

from govhall.construction.models import ConstructionProject, ProjectStage, StageStatus
from govhall.construction.tests import helpers as h


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_register_file_and_inspect_on_the_pages(client, stages, django_capture_on_commit_callbacks):
    login(client, "company")
    page = client.get("/construction/")
    assert page.status_code == 200 and "登记工程建设项目" in page.content.decode()
    r = client.post("/construction/", {"code": "bad code", "name": "x"})
    assert r.status_code == 400 and "项目代码为4到40位" in r.content.decode()
    r = client.post("/construction/", {"code": h.CODE, "name": "测试厂房", "investment": "800"})
    assert r.status_code == 302 and r.url == f"/construction/{h.CODE}/"
    page = client.get(r.url).content.decode()
    assert "第1阶段 立项用地规划许可" in page and "未开启（上一阶段通过后开启）" in page
    assert "申报本阶段（一表申请）" in page
    r = client.post(f"/construction/{h.CODE}/stages/2/file/", {})
    assert r.status_code == 409 and "阶段通过后才能开启" in r.content.decode()
    r = client.post(f"/construction/{h.CODE}/stages/1/file/", {})
    assert r.status_code == 302 and r.url.startswith("/bundle-cases/")
    project = ConstructionProject.objects.get(code=h.CODE)
    row = ProjectStage.objects.get(project=project, stage=1)
    assert row.status == StageStatus.FILED
    page = client.get(f"/construction/{h.CODE}/").content.decode()
    assert "（草稿）" in page and "上传一套材料并提交" in page
    with django_capture_on_commit_callbacks(execute=True):
        h.construction_demo.upload_all(h.user("company"), row.bundle_case)
        h.services.stage_submit(actor=h.user("company"), project=project, stage=1)
        h.taken_in(row)
    # a department of the stage records the inspection on the page
    client.logout()
    login(client, "sthj-approver")
    page = client.get(f"/construction/{h.CODE}/").content.decode()
    assert "记录联合踏勘" in page and row.bundle_case.number in page
    r = client.post(
        f"/construction/{h.CODE}/stages/1/inspection/",
        {"inspected_on": "not a date", "departments": ["lh-sthj"], "findings": "x"},
    )
    assert r.status_code == 400 and "踏勘日期不正确" in r.content.decode()
    r = client.post(
        f"/construction/{h.CODE}/stages/1/inspection/",
        {"inspected_on": timezone.localdate().isoformat(), "departments": ["lh-sthj"], "findings": "周边无敏感目标"},
    )
    assert r.status_code == 302
    page = client.get(f"/construction/{h.CODE}/").content.decode()
    assert "周边无敏感目标" in page and "记录联合踏勘" not in page


def test_outsiders_get_404_and_the_builder_cannot_inspect(client, stages):
    h.project()
    for outsider in ("citizen2", "reviewer", "cg-approver"):
        client.logout()
        login(client, outsider)
        assert client.get(f"/construction/{h.CODE}/").status_code == 404, outsider
        assert client.post(f"/construction/{h.CODE}/stages/1/file/", {}).status_code == 404
        assert h.CODE not in client.get("/construction/").content.decode()
    client.logout()
    assert client.get(f"/construction/{h.CODE}/").status_code == 302  # to the sign-in page
    login(client, "citizen2")
    assert client.post("/construction/", {"code": "X-0001", "name": "x"}).status_code == 403


def test_a_stage_with_its_result_has_an_official_pdf(client, stages, django_capture_on_commit_callbacks):
    import io
    import re

    from pypdf import PdfReader

    from govhall.construction import services

    p = h.project()
    with django_capture_on_commit_callbacks(execute=True):
        row = h.filed(p, 1)
        h.taken_in(row)
    login(client, "company")
    url = f"/construction/{h.CODE}/stages/1/result.pdf"
    assert client.get(url).status_code == 404  # no result yet
    assert "阶段审批结果告知书" not in client.get(f"/construction/{h.CODE}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        h.decide(row, "lh-sthj")
        h.decide(row, "lh-zrzy")
        services.inspection_record(
            actor=h.user("zrzy-approver"),
            project=p,
            stage=1,
            inspected_on=timezone.localdate(),
            department_codes=["lh-zrzy", "lh-sthj"],
            findings="红线与规划条件一致",
        )
    assert url in client.get(f"/construction/{h.CODE}/").content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages))
    for expected in ("工程建设项目阶段审批结果告知书", "测试厂房项目", h.CODE, "阶段审批通过", "红线与规划条件一致"):
        assert expected in text, expected
    assert "临时用地批准文件" in text  # what the stage obtained
    for other in ("2", "9", "99999999999999999999"):  # no result, no such stage, beyond any integer
        assert client.get(f"/construction/{h.CODE}/stages/{other}/result.pdf").status_code == 404
    client.logout()
    login(client, "citizen2")
    assert client.get(url).status_code == 404  # an outsider learns nothing
