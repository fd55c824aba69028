"""Lockers: sites (信包箱点位), their cabinets (柜) and cells (格口), and the parcels (件) that
occupy cells for cases: papers dropped off by applicants, results deposited for pick-up.

Nothing here changes state: ``services.py`` is the only writer, ``workflow.py`` the only
place that says which state may follow which. Codes are never stored, only their keyed
hashes (``codes.py``); cabinets' secrets are never stored, only the salt they are derived
from with the server's key.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from govhall.lockers.workflow import LIVE, CellState, Kind, ParcelState, SiteKind, Size


class LockerSite(models.Model):
    """A place with lockers: in a hall, at a station (驿站), in a community, or a point of a
    third-party locker network. ``code`` is stable: other apps (stations) refer to a site by it."""

    code = models.CharField(
        "点位编码",
        max_length=40,
        unique=True,
        help_text="稳定不变的编码（字母、数字、连字符），驿站等通过它关联点位，如 LH-HALL-01",
    )
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=SiteKind.choices)
    # Whose staff collect its drop-offs and deposit its results; a network point serves every
    # hall (the network's couriers carry between its lockers and the halls): none.
    hall = models.ForeignKey(
        "accounts.Hall",
        verbose_name="所属大厅",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="locker_sites",
    )
    region = models.ForeignKey(
        "catalog.Region", verbose_name="行政区划", on_delete=models.PROTECT, related_name="locker_sites"
    )
    address = models.CharField("地址", max_length=200)
    # WGS-84, as a phone's GPS reports it (web maps in China draw GCJ-02: convert there).
    latitude = models.DecimalField("纬度（WGS-84）", max_digits=9, decimal_places=6)
    longitude = models.DecimalField("经度（WGS-84）", max_digits=9, decimal_places=6)
    hours = models.CharField("开放时间", max_length=100, default="24小时")
    phone = models.CharField("服务电话", max_length=30, blank=True)
    # For a network point: the delivery provider (``delivery`` registry) that reaches the network.
    network = models.CharField("信包箱网络", max_length=100, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "信包箱点位"
        verbose_name_plural = "信包箱点位"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=SiteKind.NETWORK, hall__isnull=True, network__gt="")
                | (~Q(kind=SiteKind.NETWORK) & Q(hall__isnull=False, network="")),
                name="locker_site_network_or_hall",
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="locker_site_wgs84",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_network(self) -> bool:
        return self.kind == SiteKind.NETWORK


class Cabinet(models.Model):
    """One cabinet (柜) of a site, with its own secret for the cabinet API and its screen."""

    site = models.ForeignKey(LockerSite, verbose_name="点位", on_delete=models.PROTECT, related_name="cabinets")
    code = models.CharField("柜编码", max_length=40, unique=True, help_text="稳定不变，写入柜机配置")
    name = models.CharField("名称", max_length=50, help_text="如 A柜")
    # The cabinet's secret is derived from the server's key and this salt (codes.cabinet_secret):
    # a database dump alone cannot sign. Rotating the secret draws a new salt.
    secret_salt = models.CharField(max_length=64)
    secret_rotated_at = models.DateTimeField("密钥生成时间")
    # Raised to unpair every screen of the cabinet (their cookies carry the epoch).
    screen_epoch = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField("最近通信", null=True, blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "信包箱柜"
        verbose_name_plural = "信包箱柜"
        ordering = ["site", "code"]

    def __str__(self) -> str:
        return f"{self.site} {self.name}"


class Cell(models.Model):
    """A cell (格口) with a door number. Its ``state`` changes only through
    ``services`` (``workflow.CELL_TABLE``)."""

    cabinet = models.ForeignKey(Cabinet, verbose_name="柜", on_delete=models.PROTECT, related_name="cells")
    door = models.PositiveSmallIntegerField("门号")
    size = models.CharField("规格", max_length=1, choices=Size.choices)
    state = models.CharField("状态", max_length=16, choices=CellState.choices, default=CellState.FREE)
    changed_at = models.DateTimeField("状态时间", auto_now=True)
    fault = models.CharField("故障说明", max_length=200, blank=True)
    door_closed_at = models.DateTimeField("最近关门", null=True, blank=True)

    class Meta:
        verbose_name = "格口"
        verbose_name_plural = "格口"
        ordering = ["cabinet", "door"]
        constraints = [
            models.UniqueConstraint(fields=["cabinet", "door"], name="unique_cell_door"),
            models.CheckConstraint(condition=Q(state__in=CellState.values), name="cell_state_known"),
        ]
        indexes = [models.Index(fields=["cabinet", "size", "state"])]

    def __str__(self) -> str:
        return f"{self.cabinet} {self.door:02d}号格"

    @property
    def door_label(self) -> str:
        return f"{self.door:02d}"


class Parcel(models.Model):
    """What occupies a cell for a case: papers dropped off (``dropoff``) or a result deposited
    for pick-up (``pickup``). At a network point there is no cell of ours: the network holds a
    booking (``network_ref``). At most one live parcel per cell, and per case and kind."""

    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    status = models.CharField("状态", max_length=10, choices=ParcelState.choices)
    case = models.ForeignKey("cases.Case", verbose_name="办件", on_delete=models.PROTECT, related_name="+")
    # Copied from the case: the scope policy reads the applicant from the object itself.
    applicant = models.ForeignKey(
        "accounts.Applicant", verbose_name="申请人", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    site = models.ForeignKey(LockerSite, verbose_name="点位", on_delete=models.PROTECT, related_name="parcels")
    cabinet = models.ForeignKey(
        Cabinet, verbose_name="柜", null=True, blank=True, on_delete=models.PROTECT, related_name="parcels"
    )
    cell = models.ForeignKey(
        Cell, verbose_name="格口", null=True, blank=True, on_delete=models.PROTECT, related_name="parcels"
    )
    size = models.CharField("规格", max_length=1, choices=Size.choices)
    # The delivery provider that hands it over (``locker`` for our own cabinets, the network's).
    provider = models.CharField("送达渠道", max_length=100)
    network_ref = models.CharField("网络件号", max_length=40, blank=True)

    # The open code: its keyed hash (codes.code_hash), valid until code_expires_at, once.
    code_hash = models.CharField(max_length=64, blank=True)
    code_expires_at = models.DateTimeField("开箱码有效期至", null=True, blank=True)
    code_sent_at = models.DateTimeField("开箱码发送时间", null=True, blank=True)
    code_used_at = models.DateTimeField("开箱码使用时间", null=True, blank=True)
    # A pick-up code that expired before use was told to the applicant (once).
    expiry_told_at = models.DateTimeField(null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("预约/存入时间", auto_now_add=True)
    opened_at = models.DateTimeField("开箱时间", null=True, blank=True)  # by the code
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)  # collected, picked up, expired…
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收件/取回人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "信包箱件"
        verbose_name_plural = "信包箱件"
        ordering = ["-created_at", "-id"]
        constraints = [
            # a cell is never given to two cases (nor twice to one)
            models.UniqueConstraint(fields=["cell"], condition=Q(status__in=LIVE), name="one_live_parcel_per_cell"),
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(status__in=LIVE), name="one_live_parcel_per_case_kind"
            ),
            # codes are unique among a cabinet's live codes (the hash binds the cabinet too)
            models.UniqueConstraint(
                fields=["cabinet", "code_hash"], condition=~Q(code_hash=""), name="unique_live_code_per_cabinet"
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.DROPOFF, status__in=["reserved", "dropped", "collected", "expired", "cancelled"])
                | Q(kind=Kind.PICKUP, status__in=["deposited", "picked_up", "retrieved"]),
                name="parcel_status_of_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "kind", "status"]),
            models.Index(fields=["status", "code_expires_at"]),
            models.Index(fields=["case", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_kind_display()}"

    @property
    def reference(self) -> str:
        """Its number for people and the delivery receipt (letters and digits, ≤ 40)."""
        return self.network_ref or f"XB{self.pk:010d}"

    @property
    def place(self) -> str:
        """Where it is, in words: 莲湖区政务服务中心 A柜 03号格."""
        if self.cell_id:
            return f"{self.site.name} {self.cabinet.name} {self.cell.door_label}号格"
        return self.site.name


class CabinetCommand(models.Model):
    """A door to open, for the cabinet to fetch (``POST /api/v1/lockers/cabinet/poll``): staff
    collecting or depositing, or a code typed on the cabinet's screen."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.CASCADE, related_name="commands")
    door = models.PositiveSmallIntegerField("门号")
    reason = models.CharField("原因", max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "开门指令"
        verbose_name_plural = "开门指令"
        ordering = ["id"]
        indexes = [models.Index(fields=["cabinet", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.cabinet} {self.door:02d} {self.reason}"


class OriginalsRequest(models.Model):
    """A clerk asked for the paper originals of a case (纸质原件): the applicant may then drop
    them off in a locker before acceptance too."""

    case = models.ForeignKey("cases.Case", verbose_name="办件", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    comment = models.CharField("需要的原件", max_length=500)

    class Meta:
        verbose_name = "纸质原件要求"
        verbose_name_plural = "纸质原件要求"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.comment[:20]}"


class PickupChoice(models.Model):
    """Where the applicant wants to pick the result up (staff deposit there by default)."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    site = models.ForeignKey(LockerSite, verbose_name="取件点位", on_delete=models.PROTECT, related_name="+")
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "取件点位选择"
        verbose_name_plural = "取件点位选择"

    def __str__(self) -> str:
        return f"{self.case_id} → {self.site}"
