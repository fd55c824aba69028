from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from govhall.accounts.roles import Role
from govhall.accounts.validators import validate_id_number, validate_mobile, validate_uscc
from govhall.core.masking import mask_id_number, mask_phone


class User(AbstractUser):
    """A person who signs in: an applicant (or a company's operator) or a staff member."""

    display_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号码", max_length=11, blank=True, validators=[validate_mobile])

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.display_name or self.username


class Applicant(models.Model):
    """申请人: a natural person (居民身份证) or a legal person (统一社会信用代码)."""

    class Kind(models.TextChoices):
        NATURAL = "natural", "自然人"
        LEGAL = "legal", "法人"

    kind = models.CharField("申请人类型", max_length=10, choices=Kind.choices)
    name = models.CharField("名称/姓名", max_length=200)
    id_number = models.CharField("居民身份证号码", max_length=18, blank=True, validators=[validate_id_number])
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, validators=[validate_uscc])
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=11, blank=True, validators=[validate_mobile])
    # 绿色通道: the hall puts an applicant in the green channel (a key project's builder, a
    # disabled person, an urgent livelihood matter): their cases get the item's shortened
    # limit (catalog.ServiceItem.green_days) and priority in the queue.
    green_channel = models.BooleanField("绿色通道", default=False)
    green_channel_reason = models.CharField("绿色通道事由", max_length=200, blank=True)
    # The natural person's own account; a legal person acts through Operators instead.
    user = models.OneToOneField(
        User, verbose_name="账户", null=True, blank=True, on_delete=models.SET_NULL, related_name="applicant"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "申请人"
        verbose_name_plural = "申请人"
        constraints = [
            models.UniqueConstraint(fields=["id_number"], condition=Q(kind="natural"), name="unique_natural_id_number"),
            models.UniqueConstraint(fields=["uscc"], condition=Q(kind="legal"), name="unique_legal_uscc"),
            models.CheckConstraint(
                condition=(Q(kind="natural") & ~Q(id_number="")) | (Q(kind="legal") & ~Q(uscc="")),
                name="applicant_has_identity_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_code(self) -> str:
        return mask_id_number(self.id_number) if self.kind == self.Kind.NATURAL else self.uscc

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Operator(models.Model):
    """经办人: a user who acts for a legal person."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="operators")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="operator_of")
    # The legal representative who registered the company online (法人注册): the one
    # operator who may authorise and withdraw the others online. A window links only
    # ordinary operators.
    is_legal_representative = models.BooleanField("法定代表人", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "经办人"
        verbose_name_plural = "经办人"
        constraints = [
            models.UniqueConstraint(fields=["applicant", "user"], name="unique_operator"),
            models.UniqueConstraint(
                fields=["applicant"], condition=Q(is_legal_representative=True), name="one_legal_representative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.applicant}"


class Hall(models.Model):
    """政务服务大厅 / 中心: where general windows take cases in and issue results."""

    region = models.ForeignKey("catalog.Region", verbose_name="区域", on_delete=models.PROTECT, related_name="halls")
    name = models.CharField("名称", max_length=100)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("咨询电话", max_length=30, blank=True)
    # The body that runs the hall (政务服务中心 / 行政审批服务局): it answers for the general
    # windows' clerks, who belong to no line department (their 工作人员评价, its 回访整改).
    department = models.ForeignKey(
        "catalog.Department",
        verbose_name="管理机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_halls",
        help_text="运营本大厅的机构（如政务服务中心、行政审批服务局）：综合窗口工作人员收到的评价由其负责回访整改",
    )

    class Meta:
        verbose_name = "政务服务大厅"
        verbose_name_plural = "政务服务大厅"

    def __str__(self) -> str:
        return self.name


class WindowGroup(models.Model):
    """A group of a hall's windows that serve the same matters (综合窗口分区: 证照联办、工程报建、
    税务、不动产、社保…): appointments are booked and queue tickets numbered (A001, B001…) per
    group. A group serves its departments' items and its listed item codes; a group with
    neither serves whatever no other group of the hall claims (the general windows)."""

    hall = models.ForeignKey(Hall, verbose_name="大厅", on_delete=models.CASCADE, related_name="window_groups")
    letter = models.CharField("号段字母", max_length=2, help_text="取号号码的前缀，如 A、B")
    name = models.CharField("名称", max_length=50)
    order = models.PositiveIntegerField("排序", default=0)
    departments = models.ManyToManyField(
        "catalog.Department", verbose_name="办理部门", blank=True, related_name="window_groups"
    )
    item_codes = models.JSONField("办理事项编码", default=list, blank=True)

    class Meta:
        verbose_name = "窗口分区"
        verbose_name_plural = "窗口分区"
        ordering = ["hall", "order", "letter"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "letter"], name="unique_window_group_letter"),
            models.CheckConstraint(condition=models.Q(letter__regex=r"^[A-Z]{1,2}$"), name="window_group_letter_latin"),
        ]

    def __str__(self) -> str:
        return f"{self.hall} {self.letter} {self.name}"


class Window(models.Model):
    """A counter in a hall: general intake (综合窗口), issuing (出件窗口) or dedicated (专窗)."""

    class Kind(models.TextChoices):
        GENERAL = "general", "综合受理窗口"
        ISSUING = "issuing", "统一出件窗口"
        DEDICATED = "dedicated", "专窗"

    hall = models.ForeignKey(Hall, verbose_name="大厅", on_delete=models.CASCADE, related_name="windows")
    code = models.CharField("窗口号", max_length=10)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.GENERAL)
    group = models.ForeignKey(
        WindowGroup,
        verbose_name="窗口分区",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="windows",
    )
    # 兼办: other groups of the hall this window also calls for (a quiet group's tickets at
    # a general window); "call next" takes the earliest of all of them in queue order.
    also_serves = models.ManyToManyField(
        WindowGroup,
        verbose_name="兼办分区",
        blank=True,
        related_name="helping_windows",
        help_text="本窗口同时叫号的其他分区（同一大厅）；叫号时按排队顺序取各分区中最早的号",
    )

    class Meta:
        verbose_name = "窗口"
        verbose_name_plural = "窗口"
        constraints = [models.UniqueConstraint(fields=["hall", "code"], name="unique_window_code")]

    def __str__(self) -> str:
        return f"{self.hall} {self.code}号窗口"


class StaffProfile(models.Model):
    """A staff member's role and scope: the department and region they act for."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        "catalog.Department", verbose_name="部门", null=True, blank=True, on_delete=models.PROTECT
    )
    region = models.ForeignKey("catalog.Region", verbose_name="区域", null=True, blank=True, on_delete=models.PROTECT)
    # Clerks and hall managers work in a hall (a clerk sees the cases taken in there).
    hall = models.ForeignKey(Hall, verbose_name="大厅", null=True, blank=True, on_delete=models.PROTECT)
    window = models.ForeignKey(Window, verbose_name="窗口", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "工作人员"
        verbose_name_plural = "工作人员"

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Authorisation(models.Model):
    """委托书: an applicant authorises a station assistant to act for them (帮办代办): who, for
    whom, for which items (none listed: any), from when until when. It is live once the
    applicant confirmed it online or it was signed at a station, until it ends or is
    revoked; only a live one lets the assistant file and act for the applicant
    (``accounts.scope``)."""

    class Confirmation(models.TextChoices):
        ONLINE = "online", "申请人网上确认"
        SIGNED = "signed", "驿站现场签署"

    assistant = models.ForeignKey(User, verbose_name="帮办代办员", on_delete=models.PROTECT, related_name="mandates")
    applicant = models.ForeignKey(
        Applicant, verbose_name="委托人", on_delete=models.CASCADE, related_name="authorisations"
    )
    item_codes = models.JSONField("委托事项（实施编码）", default=list, blank=True)
    valid_from = models.DateField("委托起始日")
    valid_until = models.DateField("委托截止日")
    note = models.CharField("委托事项说明", max_length=500, blank=True)
    confirmation = models.CharField("确认方式", max_length=10, choices=Confirmation.choices, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, verbose_name="确认人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    created_by = models.ForeignKey(User, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "帮办代办委托"
        verbose_name_plural = "帮办代办委托"
        indexes = [models.Index(fields=["assistant", "applicant"])]

    def __str__(self) -> str:
        return f"{self.applicant} → {self.assistant}"

    def covers(self, item_code: str) -> bool:
        return not self.item_codes or item_code in self.item_codes


class ApiToken(models.Model):
    """Bearer token for API clients. Only a SHA-256 of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "访问令牌"
        verbose_name_plural = "访问令牌"

    def __str__(self) -> str:
        return f"{self.user} 的访问令牌"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
