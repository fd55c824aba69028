"""工程建设项目并联审批: a construction project moves through the four stages of the
工程建设项目审批制度改革 (立项用地规划许可 → 工程建设许可 → 施工许可 → 竣工验收).

In each stage the items of several departments are filed once, as one bundle case
(``bundles.BundleCase``: one form, one set of materials, member cases reviewed in parallel
through the normal case workflow); a joint site inspection (联合踏勘) is recorded where the
stage asks for one; the stage ends with one result (阶段成果). The next stage opens only
after the previous one passed. Which catalogue bundle a stage files is configuration
(``StageDefinition``, edited in the admin), not code."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

# 项目代码 as the national investment-project platform issues it (e.g. 2024-610104-47-01-012345),
# or a centre's own code: letters, digits and hyphens.
_CODE = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$", "项目代码为4到40位字母、数字或连字符")


class Stage(models.IntegerChoices):
    LAND_PLANNING = 1, "立项用地规划许可"
    BUILDING_PERMIT = 2, "工程建设许可"
    CONSTRUCTION_PERMIT = 3, "施工许可"
    COMPLETION = 4, "竣工验收"


class StageDefinition(models.Model):
    """What a stage files: the catalogue bundle (一件事 code) whose members are the stage's
    items, and whether a joint site inspection must be recorded before the stage can pass."""

    stage = models.PositiveSmallIntegerField("阶段", choices=Stage.choices, unique=True)
    bundle_code = models.CharField("阶段一件事编码", max_length=40, help_text="目录中已发布的一件事编码")
    inspection_required = models.BooleanField("需要联合踏勘", default=False)
    guide = models.TextField("阶段说明", blank=True)

    class Meta:
        verbose_name = "审批阶段配置"
        verbose_name_plural = "审批阶段配置"
        ordering = ["stage"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}（{self.bundle_code}）"

    def clean(self) -> None:
        from govhall.catalog.bundles import bundle_get

        if self.bundle_code and bundle_get(self.bundle_code) is None:
            raise ValidationError({"bundle_code": "目录中没有已发布的该一件事"})


class ConstructionProject(models.Model):
    code = models.CharField("项目代码", max_length=40, unique=True, validators=[_CODE])
    name = models.CharField("项目名称", max_length=200)
    builder = models.ForeignKey(
        "accounts.Applicant", verbose_name="建设单位", on_delete=models.PROTECT, related_name="construction_projects"
    )
    hall = models.ForeignKey("accounts.Hall", verbose_name="受理大厅", on_delete=models.PROTECT, related_name="+")
    key_project = models.ForeignKey(
        "stations.KeyProject",
        verbose_name="所属重点项目",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="construction_projects",
    )
    location = models.CharField("建设地点", max_length=200, blank=True)
    investment = models.DecimalField("总投资（万元）", max_digits=12, decimal_places=2, null=True, blank=True)
    description = models.TextField("建设规模及内容", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工程建设项目"
        verbose_name_plural = "工程建设项目"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class StageStatus(models.TextChoices):
    OPEN = "open", "待申报"
    FILED = "filed", "并联审批中"
    PASSED = "passed", "已通过"
    FAILED = "failed", "未通过（需整改后重新申报）"


class ProjectStage(models.Model):
    """One stage of a project: its bundle case (the current filing; earlier failed filings
    are kept in ``history``) and its one result."""

    project = models.ForeignKey(ConstructionProject, on_delete=models.CASCADE, related_name="stages")
    stage = models.PositiveSmallIntegerField("阶段", choices=Stage.choices)
    status = models.CharField("状态", max_length=10, choices=StageStatus.choices, default=StageStatus.OPEN)
    bundle_case = models.OneToOneField(
        "bundles.BundleCase",
        verbose_name="阶段一件事办件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="construction_stage",
    )
    history = models.JSONField("此前申报", default=list, blank=True, help_text="未通过的历次申报及其结论")
    opened_at = models.DateTimeField("开启时间", auto_now_add=True)
    filed_at = models.DateTimeField("申报时间", null=True, blank=True)
    # 阶段成果: written once when every member is decided (and the inspection, if required,
    # is recorded); a failed stage keeps it in ``history`` when filed again
    result_at = models.DateTimeField("结论时间", null=True, blank=True)
    results = models.JSONField("阶段成果", default=list, blank=True, help_text="各事项的结论、证照编号")
    result_note = models.TextField("结论说明", blank=True)

    class Meta:
        verbose_name = "项目审批阶段"
        verbose_name_plural = "项目审批阶段"
        ordering = ["project", "stage"]
        constraints = [models.UniqueConstraint(fields=["project", "stage"], name="unique_project_stage")]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_stage_display()}"


def inspection_upload_to(instance: SiteInspection, filename: str) -> str:
    return f"construction/inspections/{instance.stage_id}/{filename}"


class SiteInspection(models.Model):
    """联合踏勘: one record per stage (the departments that went, what they found), written
    by staff of those departments or of the hall."""

    stage = models.OneToOneField(ProjectStage, on_delete=models.CASCADE, related_name="inspection")
    inspected_on = models.DateField("踏勘日期")
    departments = models.ManyToManyField("catalog.Department", verbose_name="参加部门", related_name="+")
    findings = models.TextField("踏勘意见")
    passed = models.BooleanField("现场符合要求", default=True)
    attachment = models.FileField("附件", upload_to=inspection_upload_to, blank=True)
    attachment_name = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "联合踏勘记录"
        verbose_name_plural = "联合踏勘记录"

    def __str__(self) -> str:
        return f"{self.stage} · {self.inspected_on}"


class InspectionPlan(models.Model):
    """联合踏勘安排: when and where the departments of a filed stage meet on site, set by the
    hall that leads the project; the invited departments' reviewers and chief approvers and
    the builder's side are told, again on every change. The record (``SiteInspection``)
    follows the visit."""

    stage = models.OneToOneField(ProjectStage, on_delete=models.CASCADE, related_name="inspection_plan")
    starts_at = models.DateTimeField("踏勘时间")
    place = models.CharField("集合地点", max_length=200)
    departments = models.ManyToManyField("catalog.Department", verbose_name="邀请部门", related_name="+")
    note = models.TextField("说明", blank=True)
    times = models.PositiveSmallIntegerField("安排次数", default=1, help_text="每次改期加一")
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scheduled_at = models.DateTimeField("安排时间", auto_now=True)
    # the day-before reminder (``services.inspection_remind``), cleared by a change of time
    reminded_at = models.DateTimeField("已提醒", null=True, blank=True)

    class Meta:
        verbose_name = "联合踏勘安排"
        verbose_name_plural = "联合踏勘安排"

    def __str__(self) -> str:
        return f"{self.stage} · {self.starts_at:%Y-%m-%d %H:%M}"
