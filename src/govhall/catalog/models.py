"""The service catalogue (事项库): regions, departments, items and their guides.

Items are versioned. A version row is never edited once published: a revision is a
new row with the same ``code`` and ``version + 1`` (services.item_revise), and the
previous version becomes ``superseded``. Cases keep a foreign key to the version they
were filed under, so later edits never change what an applicant was told.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from govhall.catalog import identifiers

MAX_STEPS = 4  # 单个事项办理环节原则上不超过4个
MAX_REVIEW_POINTS = 30


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        DISTRICT = "district", "区县/开发区"
        STREET = "street", "街道/乡镇"
        COMMUNITY = "community", "社区/村"

    LEVEL_ORDER = ["province", "city", "district", "street", "community"]

    code = models.CharField(
        "区划代码",
        max_length=12,
        unique=True,
        validators=[identifiers.validate_region_code],
        help_text="12位行政区划代码（GB/T 2260），如610104000000",
    )
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent is None:
            return
        if self.LEVEL_ORDER.index(self.level) <= self.LEVEL_ORDER.index(self.parent.level):
            raise ValidationError({"level": "下级区划的层级必须低于上级区划"})
        node = self.parent
        while node is not None:
            if node.pk == self.pk:
                raise ValidationError({"parent": "区划树不能成环"})
            node = node.parent


class Department(models.Model):
    region = models.ForeignKey(Region, verbose_name="所属区划", on_delete=models.PROTECT, related_name="departments")
    code = models.CharField("部门编码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    phone = models.CharField("咨询电话", max_length=30, blank=True)
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    """A browsing topic (主题), for natural or legal persons."""

    code = models.SlugField("编码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    audience = models.CharField("面向", max_length=10, choices=[("natural", "个人"), ("legal", "法人")])
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "主题"
        verbose_name_plural = "主题"
        ordering = ["audience", "order", "code"]

    def __str__(self) -> str:
        return self.name


class ItemKind(models.TextChoices):
    LICENSING = "licensing", "行政许可"
    CONFIRMATION = "confirmation", "行政确认"
    BENEFIT = "benefit", "行政给付"
    ADJUDICATION = "adjudication", "行政裁决"
    OTHER_POWER = "other_power", "其他行政权力"
    PUBLIC_SERVICE = "public_service", "公共服务"


class OnlineDepth(models.TextChoices):
    FULL_ONLINE = "full_online", "全程网办"
    ONLINE_PREREVIEW = "online_prereview", "网上预审"
    WINDOW = "window", "窗口办理"


class Channel(models.TextChoices):
    ONLINE = "online", "网上办理"
    MOBILE = "mobile", "掌上办理"
    WINDOW = "window", "窗口办理"
    STATION = "station", "驿站/社区就近办理"
    SELF_SERVICE = "self_service", "自助终端"
    MAIL = "mail", "邮寄申请"


class DeliveryMode(models.TextChoices):
    WINDOW = "window", "窗口领取"
    MAIL = "mail", "邮寄送达"
    LOCKER = "locker", "自助信包箱"
    ELECTRONIC = "electronic", "电子证照"


class ResultType(models.TextChoices):
    LICENCE = "licence", "证照"
    CERTIFICATE = "certificate", "证明"
    APPROVAL = "approval", "批准文书"
    RECORD = "record", "备案/登记回执"
    OTHER = "other", "其他"


class ServiceItem(models.Model):
    """One version of a government matter's implementation (实施清单) and its guide."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PUBLISHED = "published", "已发布"
        SUPERSEDED = "superseded", "已被新版本替代"
        RETIRED = "retired", "已停用"

    class ApplicantType(models.TextChoices):
        NATURAL = "natural", "自然人"
        LEGAL = "legal", "法人"
        BOTH = "both", "自然人、法人"

    # identity and version: national codes as the platforms publish them, or a centre's local
    # codes (identifiers.py); the code is the item's URL
    code = models.CharField(
        "实施编码",
        max_length=identifiers.CODE_MAX_LENGTH,
        db_index=True,
        validators=[identifiers.validate_item_code],
        help_text="国家实施编码，如511A0138000000-511602000000-000-115113010833722043-1-00；或不超过40位的本地编码",
    )
    base_code = models.CharField(
        "基本编码", max_length=identifiers.CODE_MAX_LENGTH, validators=[identifiers.validate_base_code]
    )
    version = models.PositiveIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # what and who
    name = models.CharField("事项名称", max_length=200)
    aliases = models.CharField("别名/俗称", max_length=300, blank=True, help_text="以、或逗号分隔")
    kind = models.CharField("事项类型", max_length=20, choices=ItemKind.choices)
    department = models.ForeignKey(Department, verbose_name="实施部门", on_delete=models.PROTECT, related_name="items")
    region_level = models.CharField(
        "行使层级", max_length=10, choices=Region.Level.choices, default=Region.Level.DISTRICT
    )
    topics = models.ManyToManyField(Topic, verbose_name="主题", blank=True, related_name="items")
    applicant_type = models.CharField("服务对象", max_length=10, choices=ApplicantType.choices)
    legal_basis = models.TextField("设定依据")
    conditions = models.TextField("受理条件")
    # 审查要点: the standard every reviewer checks the same way (同标准受理、无差别审批);
    # public in the guide, ticked one by one in the reviewer's opinion.
    review_points = models.JSONField("审查要点", default=list, blank=True, help_text="每行一项")

    # limits and visits
    statutory_days = models.PositiveIntegerField("法定时限（工作日）")
    promised_days = models.PositiveIntegerField("承诺时限（工作日）")
    # 行政许可法第四十二条: ten more working days with the head of the department's approval,
    # unless the item's own law says otherwise (0: no extension).
    extension_days = models.PositiveSmallIntegerField(
        "可延长时限（工作日）",
        default=10,
        help_text="经本机关负责人批准可延长的工作日数；法律、法规另有规定的按其规定，不得延长的填0",
    )
    is_instant = models.BooleanField("即办件", default=False)
    # 绿色通道: a shortened promised limit for priority cases (key projects, the elderly and
    # disabled, urgent livelihood matters): every case of a green-channel item, or the cases
    # of an applicant the hall put in the green channel (accounts.Applicant.green_channel).
    green_channel = models.BooleanField("绿色通道事项", default=False, help_text="本事项的全部办件走绿色通道")
    green_days = models.PositiveIntegerField(
        "绿色通道承诺时限（工作日）",
        null=True,
        blank=True,
        help_text="绿色通道办件的压缩承诺时限，不超过承诺时限；留空：绿色通道办件仍按承诺时限",
    )
    max_visits = models.PositiveSmallIntegerField("到现场次数", default=1, validators=[MaxValueValidator(5)])
    online_depth = models.CharField("网办深度", max_length=20, choices=OnlineDepth.choices)
    channels = models.JSONField("办理渠道", default=list, blank=True)
    nearby = models.BooleanField("可就近办", default=False, help_text="可在街道、社区或驿站就近办理")

    # fees
    is_free = models.BooleanField("不收费", default=True)
    fee_description = models.CharField("收费标准", max_length=300, blank=True)
    fee_basis = models.CharField("收费依据", max_length=300, blank=True)

    # result and delivery
    result_type = models.CharField("结果类型", max_length=15, choices=ResultType.choices)
    result_name = models.CharField("结果名称", max_length=100)
    # 证照类型代码 (GB/T 36902) of the licence the item issues: its e-licence numbers follow
    # GB/T 36904 when this is set and the implementation code names the issuing agency
    licence_type_code = models.CharField(
        "证照类型代码",
        max_length=21,
        blank=True,
        validators=[identifiers.validate_licence_type_code],
        help_text="结果为证照或证明时，国家证照目录中的证照类型代码（21位，如11100000000013338W011）",
    )
    delivery_modes = models.JSONField("送达方式", default=list, blank=True)
    steps = models.JSONField(
        "办理流程",
        default=list,
        blank=True,
        help_text='如 [{"name": "受理", "description": "..."}]，最多4个环节',
    )

    # the application form (申请表): [{"name", "type", "required", "choices", "help"}]
    form_fields = models.JSONField(
        "申请表字段",
        default=list,
        blank=True,
        help_text='如 [{"name": "经营场所", "type": "text", "required": true}]；'
        "类型：text、textarea、number、date、choice",
    )

    # where and whom to ask
    hall_location = models.CharField("办理地点", max_length=200, blank=True)
    window = models.CharField("办理窗口", max_length=100, blank=True)
    enquiry_phone = models.CharField("咨询电话", max_length=30, blank=True)
    complaint_phone = models.CharField("监督投诉电话", max_length=30, blank=True)
    service_hours = models.CharField("办理时间", max_length=100, blank=True)

    # reforms
    deferral_allowed = models.BooleanField("可容缺受理", default=False)
    deferral_days = models.PositiveSmallIntegerField(
        "容缺补齐时限（工作日）", default=0, validators=[MinValueValidator(0)]
    )
    commitment_allowed = models.BooleanField("可告知承诺", default=False)

    class Meta:
        verbose_name = "政务服务事项"
        verbose_name_plural = "政务服务事项"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_item_code_version"),
            # one live version per code: URLs resolve the code to it
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="published"), name="unique_published_item_code"
            ),
            models.UniqueConstraint(fields=["code"], condition=Q(status="draft"), name="unique_draft_item_code"),
            models.CheckConstraint(
                condition=Q(promised_days__lte=models.F("statutory_days")), name="promised_within_statutory"
            ),
            models.CheckConstraint(
                condition=Q(green_days__isnull=True) | Q(green_days__lte=models.F("promised_days")),
                name="green_within_promised",
            ),
            models.CheckConstraint(
                condition=Q(deferral_allowed=False) | Q(deferral_days__gt=0), name="deferral_needs_days"
            ),
        ]
        indexes = [models.Index(fields=["status", "department"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code} v{self.version}）"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def for_natural(self) -> bool:
        return self.applicant_type in (self.ApplicantType.NATURAL, self.ApplicantType.BOTH)

    @property
    def for_legal(self) -> bool:
        return self.applicant_type in (self.ApplicantType.LEGAL, self.ApplicantType.BOTH)

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("，", "、").replace(",", "、").split("、") if a.strip()]

    @property
    def code_parts(self) -> identifiers.ItemCodeParts | None:
        """The parts of a national implementation code; None for a local code."""
        return identifiers.item_code_parts(self.code)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        parts = self.code_parts
        if parts is not None and self.base_code and self.base_code != parts.basic_code:
            errors["base_code"] = f"基本编码应与实施编码中的基本编码“{parts.basic_code}”一致"
        if self.licence_type_code and self.result_type not in (ResultType.LICENCE, ResultType.CERTIFICATE):
            errors["licence_type_code"] = "只有结果类型为证照或证明的事项才填写证照类型代码"
        if self.promised_days is not None and self.statutory_days is not None:
            if self.promised_days > self.statutory_days:
                errors["promised_days"] = "承诺时限不能超过法定时限"
        if self.green_days is not None and self.promised_days is not None and self.green_days > self.promised_days:
            errors["green_days"] = "绿色通道承诺时限不能超过承诺时限"
        if self.is_instant and self.promised_days not in (0, None):
            errors["promised_days"] = "即办件的承诺时限应为0个工作日（当场办结）"
        if self.is_instant and self.deferral_allowed:
            errors["deferral_allowed"] = "即办件不适用容缺受理"
        if self.deferral_allowed and not self.deferral_days:
            errors["deferral_days"] = "可容缺受理的事项须写明补齐材料的时限"
        if not self.is_free and not (self.fee_description and self.fee_basis):
            errors["fee_basis"] = "收费事项须写明收费标准和收费依据"
        from govhall.catalog.formfields import definition_errors, normalize_fields

        form_errors = definition_errors(normalize_fields(self.form_fields))
        if form_errors:
            errors["form_fields"] = "；".join(form_errors)
        for field, allowed in (("channels", Channel.values), ("delivery_modes", DeliveryMode.values)):
            value = getattr(self, field) or []
            bad = [v for v in value if v not in allowed]
            if not isinstance(value, list) or bad:
                errors[field] = f"不支持的取值：{'、'.join(map(str, bad)) or value}"
        if not self.delivery_modes:
            errors["delivery_modes"] = "至少提供一种送达方式"
        points = self.review_points or []
        if not isinstance(points, list) or len(points) > MAX_REVIEW_POINTS:
            errors["review_points"] = f"审查要点不能超过{MAX_REVIEW_POINTS}项"
        elif any(not isinstance(p, str) or not p.strip() or len(p) > 300 for p in points):
            errors["review_points"] = "每项审查要点须为1至300字的文字"
        steps = self.steps or []
        if not isinstance(steps, list) or len(steps) > MAX_STEPS:
            errors["steps"] = f"办理环节不能超过{MAX_STEPS}个"
        elif any(not isinstance(s, dict) or not s.get("name") for s in steps):
            errors["steps"] = "每个办理环节须有名称"
        if self.online_depth == OnlineDepth.FULL_ONLINE and self.max_visits != 0:
            errors["max_visits"] = "全程网办事项到现场次数应为0"
        if errors:
            raise ValidationError(errors)


class MaterialRequirement(models.Model):
    """申请材料 in the catalogue; belongs to one item version."""

    class Form(models.TextChoices):
        PAPER = "paper", "纸质"
        ELECTRONIC = "electronic", "电子"
        BOTH = "both", "纸质或电子"

    class Source(models.TextChoices):
        APPLICANT = "applicant", "申请人自备"
        SHARED_DATA = "shared_data", "部门共享获取"
        LICENCE = "licence", "电子证照库获取"

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveIntegerField("序号", default=0)
    name = models.CharField("材料名称", max_length=200)
    required = models.BooleanField("必要", default=True)
    is_main = models.BooleanField("主要材料", default=True, help_text="主要材料不可容缺")
    deferrable = models.BooleanField("可容缺", default=False)
    conditional = models.BooleanField(
        "仅在特定情形下提交", default=False, help_text="勾选后仅当情形答案添加该材料时才需要"
    )
    originals = models.PositiveSmallIntegerField("原件份数", default=0)
    copies = models.PositiveSmallIntegerField("复印件份数", default=0)
    form = models.CharField("材料形式", max_length=12, choices=Form.choices, default=Form.BOTH)
    source = models.CharField("来源渠道", max_length=12, choices=Source.choices, default=Source.APPLICANT)
    licence_type = models.CharField(
        "对应证照", max_length=100, blank=True, help_text="来源为电子证照时，所调用的证照名称"
    )
    template = models.FileField("空白表格", upload_to="catalog/templates/", blank=True)
    example = models.FileField("示例样表", upload_to="catalog/examples/", blank=True)
    notes = models.CharField("填报须知", max_length=500, blank=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "name"], name="unique_material_name_per_item"),
            models.CheckConstraint(condition=Q(deferrable=False) | Q(is_main=False), name="only_secondary_deferrable"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def asked_of_applicant(self) -> bool:
        """Materials held in shared data or the licence library are fetched, not asked for (免证办)."""
        return self.source == self.Source.APPLICANT

    def clean(self) -> None:
        if self.deferrable and self.is_main:
            raise ValidationError({"deferrable": "只有次要材料可以容缺，主要材料不可容缺"})
        if self.source == self.Source.LICENCE and not self.licence_type:
            raise ValidationError({"licence_type": "来源为电子证照的材料须写明对应证照"})


class Situation(models.Model):
    """情形: a question whose answer adds or removes materials."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="situations")
    order = models.PositiveIntegerField("序号", default=0)
    question = models.CharField("问题", max_length=200)
    help_text = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "情形"
        verbose_name_plural = "情形"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "question"], name="unique_situation_question")]

    def __str__(self) -> str:
        return self.question


class SituationOption(models.Model):
    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveIntegerField("序号", default=0)
    label = models.CharField("答案", max_length=100)
    adds = models.ManyToManyField(MaterialRequirement, verbose_name="增加材料", blank=True, related_name="added_by")
    removes = models.ManyToManyField(
        MaterialRequirement, verbose_name="免交材料", blank=True, related_name="removed_by"
    )

    class Meta:
        verbose_name = "情形答案"
        verbose_name_plural = "情形答案"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["situation", "label"], name="unique_option_label")]

    def __str__(self) -> str:
        return self.label


class CatalogRevision(models.Model):
    """A single counter bumped in every transaction that changes what is published.

    Processes compare it with the revision their in-memory search index was built
    from, so every process sees a change at its next search without a message bus.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "事项库版本号"
        verbose_name_plural = "事项库版本号"

    def __str__(self) -> str:
        return str(self.number)


class SearchDocument(models.Model):
    """The search terms of a published item, computed once at publication (jieba and
    pypinyin are too slow to run over the whole catalogue whenever a process starts)."""

    item = models.OneToOneField(ServiceItem, on_delete=models.CASCADE, related_name="search_document")
    terms = models.JSONField()

    class Meta:
        verbose_name = "检索文档"
        verbose_name_plural = "检索文档"

    def __str__(self) -> str:
        return f"检索文档：{self.item}"


# --------------------------------------------------------------------------- 一件事: bundles
#
# A bundle (高效办成一件事, GB/T 45836-2025 集成办) is catalogue data like an item: versioned,
# published, in the admin and the spreadsheet. Its members name items by code (an item's
# published version is resolved when someone applies, so a revised item needs no new
# bundle). Bundle cases, which hold one member case per applying item, live in the
# bundles app above cases.


class LifeTree(models.TextChoices):
    NATURAL = "natural", "个人全生命周期"
    LEGAL = "legal", "企业全生命周期"


class LifeStage(models.TextChoices):
    """The stages of the two life-cycle trees (全生命周期树), in their order."""

    BIRTH = "birth", "出生"
    EDUCATION = "education", "成长教育"
    WORK = "work", "就业创业"
    FAMILY = "family", "婚育"
    HOME = "home", "安居"
    RETIREMENT = "retirement", "退休养老"
    AFTER_DEATH = "after_death", "身后"
    FOUNDING = "founding", "设立"
    PERMITS = "permits", "准营"
    OPERATING = "operating", "经营"
    CHANGES = "changes", "变更"
    CLOSING = "closing", "注销"


STAGES_OF = {
    LifeTree.NATURAL: [
        LifeStage.BIRTH,
        LifeStage.EDUCATION,
        LifeStage.WORK,
        LifeStage.FAMILY,
        LifeStage.HOME,
        LifeStage.RETIREMENT,
        LifeStage.AFTER_DEATH,
    ],
    LifeTree.LEGAL: [LifeStage.FOUNDING, LifeStage.PERMITS, LifeStage.OPERATING, LifeStage.CHANGES, LifeStage.CLOSING],
}
TREE_OF = {stage: tree for tree, stages in STAGES_OF.items() for stage in stages}

_BUNDLE_CODE = RegexValidator(r"^[a-z0-9][a-z0-9-]{1,39}$", "一件事编码为2到40位小写字母、数字或连字符")


class Bundle(models.Model):
    """One version of a bundle (一件事): its members, the questions that select them, the
    fields and materials its members share, and its guide."""

    Status = ServiceItem.Status

    code = models.CharField("编码", max_length=40, db_index=True, validators=[_BUNDLE_CODE])
    version = models.PositiveIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    name = models.CharField("名称", max_length=100, help_text="如：新生儿出生一件事")
    aliases = models.CharField(
        "群众说法", max_length=300, blank=True, help_text="检索用，以、或逗号分隔，如：生孩子了、宝宝出生"
    )
    description = models.TextField("简介")
    applicant_type = models.CharField("服务对象", max_length=10, choices=ServiceItem.ApplicantType.choices)
    life_stage = models.CharField("人生阶段/企业阶段", max_length=20, choices=LifeStage.choices)
    guide = models.TextField("办事指南", blank=True, help_text="一次告知：办理流程、办理地点、注意事项")
    window = models.CharField("办理窗口", max_length=100, blank=True, help_text="如：一件事综合窗口")
    hall_location = models.CharField("办理地点", max_length=200, blank=True)
    enquiry_phone = models.CharField("咨询电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "一件事"
        verbose_name_plural = "一件事"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="unique_bundle_code_version"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(status="published"), name="unique_published_bundle_code"
            ),
            models.UniqueConstraint(fields=["code"], condition=Q(status="draft"), name="unique_draft_bundle_code"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code} v{self.version}）"

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT


class BundleMember(models.Model):
    """An item of the bundle, by code. A required member applies unless a chosen answer
    leaves it out; an optional one only when a chosen answer brings it in."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="members")
    order = models.PositiveIntegerField("序号", default=0)
    item_code = models.CharField("事项编码", max_length=identifiers.CODE_MAX_LENGTH)
    required = models.BooleanField("必办", default=True, help_text="不勾选：仅当情形答案选中时办理")
    note = models.CharField("说明", max_length=200, blank=True, help_text="如：父母一方户籍在本市时办理")

    class Meta:
        verbose_name = "一件事事项"
        verbose_name_plural = "一件事事项"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item_code"], name="unique_bundle_member")]

    def __str__(self) -> str:
        return self.item_code


class BundleSituation(models.Model):
    """情形 of a bundle: a question whose answer brings members in or leaves them out."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="situations")
    order = models.PositiveIntegerField("序号", default=0)
    question = models.CharField("问题", max_length=200)
    help_text = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "一件事情形"
        verbose_name_plural = "一件事情形"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "question"], name="unique_bundle_question")]

    def __str__(self) -> str:
        return self.question


class BundleOption(models.Model):
    situation = models.ForeignKey(BundleSituation, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveIntegerField("序号", default=0)
    label = models.CharField("答案", max_length=100)
    includes = models.ManyToManyField(BundleMember, verbose_name="需办理", blank=True, related_name="included_by")
    excludes = models.ManyToManyField(BundleMember, verbose_name="无需办理", blank=True, related_name="excluded_by")

    class Meta:
        verbose_name = "一件事情形答案"
        verbose_name_plural = "一件事情形答案"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["situation", "label"], name="unique_bundle_option_label")]

    def __str__(self) -> str:
        return self.label


class BundleField(models.Model):
    """A field asked once for several members whose forms name it differently (一表申请):
    ``targets`` maps an item code to that item's field name. Fields with the same name in
    several members are shared without a row."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="fields")
    order = models.PositiveIntegerField("序号", default=0)
    name = models.CharField("字段名称", max_length=40)
    targets = models.JSONField("对应事项字段", default=dict, help_text='如 {"事项编码": "该事项表单中的字段名"}')

    class Meta:
        verbose_name = "一件事共享字段"
        verbose_name_plural = "一件事共享字段"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "name"], name="unique_bundle_field_name")]

    def __str__(self) -> str:
        return self.name


class BundleMaterial(models.Model):
    """A material submitted once for several members whose guides name it differently
    (一套材料): ``targets`` maps an item code to that item's material name. Materials with
    the same name in several members are shared without a row."""

    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="shared_materials")
    order = models.PositiveIntegerField("序号", default=0)
    name = models.CharField("材料名称", max_length=200)
    targets = models.JSONField("对应事项材料", default=dict, help_text='如 {"事项编码": "该事项的材料名称"}')

    class Meta:
        verbose_name = "一件事共享材料"
        verbose_name_plural = "一件事共享材料"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "name"], name="unique_bundle_material_name")]

    def __str__(self) -> str:
        return self.name


class LifeEvent(models.Model):
    """A leaf of a life-cycle tree: stage → theme → event, leading to a bundle or an item,
    with where it is handled."""

    class Place(models.TextChoices):
        CENTRE = "centre", "政务服务中心"
        NEARBY = "nearby", "街道、社区便民服务站或驿站"
        DEPARTMENT = "department", "部门窗口"
        ONLINE = "online", "全程网办"

    tree = models.CharField("生命周期", max_length=10, choices=LifeTree.choices)
    stage = models.CharField("阶段", max_length=20, choices=LifeStage.choices)
    theme = models.CharField("主题", max_length=40)
    name = models.CharField("事件", max_length=60)
    order = models.PositiveIntegerField("序号", default=0)
    bundle_code = models.CharField("一件事编码", max_length=40, blank=True)
    item_code = models.CharField("事项编码", max_length=identifiers.CODE_MAX_LENGTH, blank=True)
    place = models.CharField("办理地点", max_length=12, choices=Place.choices, default=Place.CENTRE)

    class Meta:
        verbose_name = "生命周期事件"
        verbose_name_plural = "生命周期事件"
        ordering = ["tree", "stage", "theme", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "stage", "theme", "name"], name="unique_life_event"),
            models.CheckConstraint(condition=~Q(bundle_code="") | ~Q(item_code=""), name="life_event_leads_somewhere"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if TREE_OF.get(self.stage) != self.tree:
            raise ValidationError({"stage": "该阶段不属于所选的生命周期"})
