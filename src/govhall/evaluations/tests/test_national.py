"""The national 好差评 export: the fields the interface uses, and reporting each evaluation
once through the configured provider, with the record of what was sent."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from govhall.core.httpjson import ServiceError
from govhall.evaluations import national, services
from govhall.evaluations.models import ReportRecord
from govhall.evaluations.providers import HttpReporter, JsonLinesReporter, registry
from govhall.evaluations.tests import helpers as h

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_file(settings, tmp_path):
    path = tmp_path / "report.jsonl"
    settings.GOVHALL_EVALUATION_REPORTER = "jsonl"
    settings.GOVHALL_EVALUATION_REPORT_FILE = str(path)
    return path


def test_the_record_has_the_national_fields(demo):
    case = h.issued()
    evaluation = h.evaluate(case, 2, comment="窗口电话13800138000打不通")
    record = national.record(evaluation)
    assert record["projNo"] == case.number
    assert record["serviceCode"] == case.item.code and record["serviceVersion"] == str(case.item.version)
    assert record["serviceName"] == case.item.name
    assert (record["deptCode"], record["deptName"]) == (case.department.code, case.department.name)
    assert record["areaCode"] == case.department.region.code and len(record["areaCode"]) == 12
    assert record["proStatus"] == "2"  # 已办结
    assert (record["pf"], record["channel"]) == ("1", "PC")
    assert record["userType"] == "1" and record["alternate"] == "2"
    assert [i["code"] for i in record["indicators"]] == list(h.ONLINE)
    assert {i["name"] for i in record["indicators"]} == {
        "整体满意度",
        "办事效率",
        "办事指南精确度",
        "办事便捷度",
        "平台操作性",
    }
    assert "13800138000" not in record["writingEvaluation"] and "138****8000" in record["writingEvaluation"]
    assert len(record["assessTime"]) == 19 and record["assessNumber"] == "1"


def test_a_window_evaluator_evaluation_is_reported_as_pjq(demo):
    device, _ = h.paired_window()
    case = h.accepted(username="company")
    services.screen_request(actor=h.user("clerk"), case=case)
    device.refresh_from_db()
    evaluation = services.screen_submit(device=device, case_id=case.pk, level=5, indicators=h.WINDOW)
    record = national.record(evaluation)
    assert (record["pf"], record["channel"], record["proStatus"], record["userType"]) == ("4", "PJQ", "1", "2")
    assert [i["name"] for i in record["indicators"]] == ["整体满意度", "服务效率", "服务水平", "服务态度"]


def test_each_evaluation_is_reported_once_with_a_record(demo, report_file):
    first, second = h.evaluate(h.issued()), h.evaluate(h.issued(), 1)
    assert services.report_pending() == {"sent": 2, "failed": 0}
    assert services.report_pending() == {"sent": 0, "failed": 0}  # idempotent
    lines = [json.loads(line) for line in report_file.read_text().splitlines()]
    assert [line["evalId"] for line in lines] == [str(first.pk), str(second.pk)]
    records = ReportRecord.objects.order_by("id")
    assert [r.status for r in records] == ["sent", "sent"]
    assert records[0].payload_sha256 == national.payload_hash(national.record(first)) and records[0].provider == "jsonl"


def test_a_failed_report_is_recorded_and_retried(demo, report_file, monkeypatch):
    evaluation = h.evaluate(h.issued())

    def refuse(self, payload):
        raise ServiceError("好差评数据汇聚接口返回 HTTP 503")

    monkeypatch.setattr(JsonLinesReporter, "send", refuse)
    assert services.report_pending() == {"sent": 0, "failed": 1}
    assert services.report_pending() == {"sent": 0, "failed": 1}
    monkeypatch.undo()
    assert services.report_pending() == {"sent": 1, "failed": 0}
    assert list(evaluation.reports.order_by("id").values_list("status", flat=True)) == ["failed", "failed", "sent"]


def test_the_http_reporter_posts_json_with_the_key(demo, settings, monkeypatch):
    settings.GOVHALL_EVALUATION_REPORTER = "http"
    settings.GOVHALL_EVALUATION_REPORT_URL = "https://hcp.example.gov.cn/api/evaluations"
    settings.GOVHALL_EVALUATION_REPORT_KEY = "k-123"
    sent = []

    def post(url, body, *, key, timeout, agent, name):
        sent.append((url, body, key))
        return {"code": "200", "message": "ok"}

    monkeypatch.setattr("govhall.evaluations.providers.post_json", post)
    evaluation = h.evaluate(h.issued())
    assert isinstance(registry.configured(), HttpReporter)
    assert services.report_pending() == {"sent": 1, "failed": 0}
    assert sent[0][0] == "https://hcp.example.gov.cn/api/evaluations" and sent[0][2] == "k-123"
    assert sent[0][1]["projNo"] == evaluation.case.number
    assert ReportRecord.objects.get().detail.startswith('{"code": "200"')


def test_the_http_reporter_names_what_is_missing(settings):
    settings.GOVHALL_EVALUATION_REPORT_URL = ""
    settings.GOVHALL_EVALUATION_REPORT_KEY = ""
    assert HttpReporter.check_config() == [
        "GOVHALL_EVALUATION_REPORT_URL is not set",
        "GOVHALL_EVALUATION_REPORT_KEY is not set",
    ]


def test_the_command_reports(demo, report_file, capsys):
    h.evaluate(h.issued())
    call_command("evaluations_report")
    assert "reported: 1, failed: 0" in capsys.readouterr().out


def test_a_follow_up_after_the_report_is_reported_once_more(demo, report_file):
    evaluation = h.evaluate(h.issued())
    assert services.report_pending() == {"sent": 1, "failed": 0}
    services.follow_up_add(actor=h.user("citizen"), evaluation=evaluation, comment="证照已收到，谢谢")
    assert services.report_pending() == {"sent": 1, "failed": 0}
    assert services.report_pending() == {"sent": 0, "failed": 0}
    last = json.loads(report_file.read_text().splitlines()[-1])
    assert last["assessNumber"] == "2" and last["followUp"]["writingEvaluation"] == "证照已收到，谢谢"
    assert sorted(evaluation.reports.values_list("kind", flat=True)) == ["evaluation", "follow_up"]


def test_a_follow_up_made_before_the_report_goes_with_it(demo, report_file):
    evaluation = h.evaluate(h.issued())
    services.follow_up_add(actor=h.user("citizen"), evaluation=evaluation, comment="补充：窗口指引清楚")
    assert services.report_pending() == {"sent": 1, "failed": 0}
    assert services.report_pending() == {"sent": 0, "failed": 0}
    assert len(report_file.read_text().splitlines()) == 1
    assert sorted(evaluation.reports.values_list("kind", flat=True)) == ["evaluation", "follow_up"]


def test_a_failed_follow_up_report_is_retried(demo, report_file, monkeypatch):
    evaluation = h.evaluate(h.issued())
    services.report_pending()
    services.follow_up_add(actor=h.user("citizen"), evaluation=evaluation, comment="补充一句")

    def refuse(self, payload):
        raise ServiceError("无法连接好差评数据汇聚接口")

    monkeypatch.setattr(JsonLinesReporter, "send", refuse)
    assert services.report_pending() == {"sent": 0, "failed": 1}
    monkeypatch.undo()
    assert services.report_pending() == {"sent": 1, "failed": 0}
    assert services.report_pending() == {"sent": 0, "failed": 0}
