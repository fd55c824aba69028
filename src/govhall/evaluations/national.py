"""The record of one evaluation as the national 好差评 platform's interface takes it
(全国一体化在线政务服务平台“好差评”数据汇聚: one JSON object per evaluation).

Field names are the interface's; the values are ours, mapped here once:

* ``projNo``: the case number (empty for item- and staff-level evaluations);
* ``serviceCode`` / ``serviceVersion`` / ``serviceName``: the item's 实施编码, version, name;
* ``deptCode`` / ``deptName``: the department answering for it; ``areaCode``: its region's
  12-digit code (GB/T 2260 extended);
* ``proStatus``: the case's state when evaluated, as the platform's code (``PRO_STATUS``);
* ``pf``: the channel's national number (``models.PF_CODES``) and ``channel`` our code
  (``PJQ`` for a window evaluator screen);
* ``userType``: 1 natural person, 2 legal person; ``alternate``: the level, 1–5 (5 非常满意);
* ``indicators``: ``[{"code", "name", "alternate"}]`` of the channel's indicator set;
* ``writingEvaluation``: the comment, with ID and phone numbers masked;
* ``assessTime``: ``YYYY-MM-DD HH:MM:SS`` in China time; ``assessNumber``: 1, or 2 with a
  follow-up (追评, in ``followUp``) reported with it;
* ``evalId``: our id, so the platform can tell a resend from a new evaluation.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils import timezone

from govhall.cases.models import State
from govhall.core.masking import mask_text
from govhall.evaluations.models import INDICATORS, PF_CODES, Evaluation, Subject

# 办件状态 proStatus: 1 已受理, 2 已办结, 3 不予受理, 4 不予许可, 0 其他（受理前、特别程序中）.
PRO_STATUS: dict[str, str] = {
    State.SUBMITTED: "0",
    State.CORRECTION_REQUESTED: "0",
    State.ACCEPTED: "1",
    State.SUSPENDED: "1",
    State.APPROVED: "1",
    State.ISSUED: "2",
    State.DELIVERED: "2",
    State.REJECTED: "3",
    State.DENIED: "4",
}
# 评价对象 evalType: 1 办件, 2 事项, 3 工作人员.
EVAL_TYPE = {Subject.CASE: "1", Subject.ITEM: "2", Subject.STAFF: "3"}


def record(evaluation: Evaluation) -> dict[str, Any]:
    case = evaluation.case
    item = evaluation.item or (case.item if case else None)
    department = evaluation.department
    labels = INDICATORS[evaluation.indicator_set]
    follow_up = getattr(evaluation, "follow_up", None) if hasattr(evaluation, "follow_up") else None
    payload = {
        "evalId": str(evaluation.pk),
        "evalType": EVAL_TYPE[evaluation.subject],
        "projNo": case.number if case else "",
        "serviceCode": item.code if item else "",
        "serviceVersion": str(item.version) if item else "",
        "serviceName": item.name if item else "",
        "deptCode": department.code,
        "deptName": department.name,
        "areaCode": department.region.code,
        "proStatus": PRO_STATUS.get(evaluation.case_state, "0") if case else "",
        "pf": PF_CODES.get(evaluation.channel, ""),
        "channel": evaluation.channel,
        "userType": "2" if evaluation.applicant.kind == "legal" else "1",
        "alternate": str(evaluation.level),
        "indicators": [
            {"code": code, "name": labels[code], "alternate": str(evaluation.indicators.get(code, ""))}
            for code in labels
        ],
        "writingEvaluation": mask_text(evaluation.comment),
        "assessTime": timezone.localtime(evaluation.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        "assessNumber": "2" if follow_up else "1",
    }
    if follow_up:
        payload["followUp"] = {
            "writingEvaluation": mask_text(follow_up.comment),
            "assessTime": timezone.localtime(follow_up.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        }
    return payload


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def payload_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()
