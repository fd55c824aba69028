"""阶段审批结果告知书: the official PDF of a construction project's stage once it has its
result (passed or failed), from what the stage recorded when it concluded (``results``,
``result_note``) and its joint site inspection. Rendered on request, never stored: the
stage's rows are the record, and they do not change after the result (a new filing of a
failed stage starts a new result)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from govhall.construction.models import ConstructionProject, ProjectStage, SiteInspection, Stage, StageStatus
from govhall.core.pdf import OfficialDocument, chinese_date

RESULT_TITLE = {StageStatus.PASSED: "阶段审批通过", StageStatus.FAILED: "阶段审批未通过"}


def stage_result_pdf(project: ConstructionProject, row: ProjectStage, inspection: SiteInspection | None) -> bytes:
    label = Stage(row.stage).label
    decided_on = timezone.localtime(row.result_at).date() if row.result_at else None
    doc = OfficialDocument(
        title="工程建设项目阶段审批结果告知书",
        header_left=project.hall.name,
        header_right=f"项目代码：{project.code}",
        author=project.hall.name,
        subject=f"{project.name} {label} {RESULT_TITLE.get(row.status, '')}",
    )
    doc.title(subtitle=f"第{row.stage}阶段 {label} · {RESULT_TITLE.get(row.status, '')}")
    doc.paragraph(f"{project.builder.name}：", indent=False)
    doc.paragraph(
        f"你单位申报的工程建设项目“{project.name}”{label}阶段，经各审批部门并联审批"
        + ("、联合踏勘" if inspection is not None else "")
        + f"，结论如下：{row.result_note}。"
    )
    doc.key_values(
        [
            ("项目名称", project.name),
            ("项目代码", project.code),
            ("建设单位", project.builder.name),
            ("建设地点", project.location or "—"),
            ("申报编号", row.bundle_case.number if row.bundle_case_id else "—"),
            ("申报时间", chinese_date(timezone.localtime(row.filed_at).date()) if row.filed_at else "—"),
            ("结论时间", chinese_date(decided_on)),
        ]
    )
    doc.heading("各事项审批结果")
    doc.table(
        ["序号", "事项", "审批部门", "结论", "证照编号或理由"],
        [
            [
                str(i),
                r.get("item_name", ""),
                r.get("department", ""),
                r.get("state_label", ""),
                r.get("licence_number") or r.get("reason") or "—",
            ]
            for i, r in enumerate(row.results, 1)
        ],
        widths=[0.07, 0.33, 0.2, 0.14, 0.26],
    )
    if inspection is not None:
        doc.heading("联合踏勘")
        doc.key_values(
            [
                ("踏勘日期", chinese_date(inspection.inspected_on)),
                ("参加部门", "、".join(d.name for d in inspection.departments.all())),
                ("现场情况", "符合要求" if inspection.passed else "不符合要求"),
                ("踏勘意见", inspection.findings),
            ]
        )
    if row.status == StageStatus.PASSED:
        after = (
            f"下一阶段“{Stage(row.stage + 1).label}”已开启，可以申报。"
            if row.stage < Stage.COMPLETION
            else "项目审批全部完成。"
        )
    else:
        after = "请按上述意见整改后重新申报本阶段；本次申报的材料和结论留存备查。"
    doc.paragraph(after)
    url = settings.SITE_URL + reverse("construction:project", args=[project.code])
    doc.signature(
        department=project.hall.name,
        issued_on=decided_on,
        seal_text=project.hall.name,
        seal_purpose="业务专用章",
        qr_url=url,
        qr_caption="扫码查看项目审批进度",
    )
    return doc.render()
