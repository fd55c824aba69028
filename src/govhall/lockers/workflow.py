"""The lockers' vocabulary and their two state tables: a cell's (格口) and a parcel's (交件 /
取件), in the manner of the cases' workflow table. ``services`` is the only code that moves
either, through :func:`cell_next` and :func:`parcel_next`; ``tests/test_workflow.py`` walks
every pair and checks that no other code assigns a state.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from govhall.core.errors import Conflict


class SiteKind(models.TextChoices):
    HALL = "hall", "政务服务大厅"
    STATION = "station", "政务服务驿站"
    COMMUNITY = "community", "社区服务点"
    NETWORK = "network", "第三方信包箱网点"


class Size(models.TextChoices):
    S = "S", "小格"
    M = "M", "中格"
    L = "L", "大格"


@dataclass(frozen=True)
class Dimensions:
    """Inner size of a cell, in millimetres (height × width × depth)."""

    height: int
    width: int
    depth: int
    fits: str  # what it takes, for people choosing a size

    @property
    def label(self) -> str:
        return f"{self.height // 10}×{self.width // 10}×{self.depth // 10} 厘米"


DIMENSIONS: dict[str, Dimensions] = {
    Size.S: Dimensions(90, 330, 450, "A4文件袋、证照，不超过约100页"),
    Size.M: Dimensions(190, 330, 450, "成册材料、档案盒一个"),
    Size.L: Dimensions(390, 330, 450, "多个档案盒、图纸筒"),
}


def size_label(size: str) -> str:
    return f"{Size(size).label}（{DIMENSIONS[size].label}）"


# --------------------------------------------------------------------------- cells


class CellState(models.TextChoices):
    FREE = "free", "空闲"
    RESERVED = "reserved", "已预约"
    OCCUPIED = "occupied", "有件"
    OUT_OF_SERVICE = "out_of_service", "故障停用"


class CellEvent(models.TextChoices):
    RESERVE = "reserve", "预约交件"  # an applicant reserves it for a drop-off
    RELEASE = "release", "释放预约"  # the reservation expired, was cancelled or moved
    DROP = "drop", "申请人投件"  # the drop-off code opened it
    DEPOSIT = "deposit", "存入结果"  # staff put a result in for pick-up
    COLLECT = "collect", "工作人员收件"  # staff took the papers out
    PICK_UP = "pick_up", "申请人取件"  # the pick-up code opened it
    RETRIEVE = "retrieve", "工作人员取回"  # staff took an uncollected result back
    FAULT = "fault", "故障"  # the cabinet reported a fault
    REPAIR_EMPTY = "repair_empty", "修复（空格）"  # back in service, nothing inside
    REPAIR_FULL = "repair_full", "修复（有件）"  # back in service with its parcel inside


_S = CellState
_E = CellEvent
CELL_TABLE: dict[tuple[str, str], str] = {
    (_S.FREE, _E.RESERVE): _S.RESERVED,
    (_S.FREE, _E.DEPOSIT): _S.OCCUPIED,
    (_S.RESERVED, _E.RELEASE): _S.FREE,
    (_S.RESERVED, _E.DROP): _S.OCCUPIED,
    (_S.OCCUPIED, _E.COLLECT): _S.FREE,
    (_S.OCCUPIED, _E.PICK_UP): _S.FREE,
    (_S.OCCUPIED, _E.RETRIEVE): _S.FREE,
    (_S.FREE, _E.FAULT): _S.OUT_OF_SERVICE,
    (_S.RESERVED, _E.FAULT): _S.OUT_OF_SERVICE,
    (_S.OCCUPIED, _E.FAULT): _S.OUT_OF_SERVICE,
    (_S.OUT_OF_SERVICE, _E.REPAIR_EMPTY): _S.FREE,
    (_S.OUT_OF_SERVICE, _E.REPAIR_FULL): _S.OCCUPIED,
    # Staff empty a broken cell by hand (the door is opened with the service key): the
    # parcel leaves, the cell stays out of service until repaired.
    (_S.OUT_OF_SERVICE, _E.COLLECT): _S.OUT_OF_SERVICE,
    (_S.OUT_OF_SERVICE, _E.RETRIEVE): _S.OUT_OF_SERVICE,
    (_S.OUT_OF_SERVICE, _E.RELEASE): _S.OUT_OF_SERVICE,
}


def cell_next(state: str, event: str) -> str:
    """The state a cell in ``state`` goes to on ``event``; Conflict ``cell_state`` if the
    table has no such row."""
    try:
        return CELL_TABLE[(state, event)]
    except KeyError:
        raise Conflict(
            f"格口当前为“{CellState(state).label}”，不能{CellEvent(event).label}",
            code="cell_state",
            detail={"state": state, "event": event},
        ) from None


# --------------------------------------------------------------------------- parcels


class Kind(models.TextChoices):
    DROPOFF = "dropoff", "自助交件"
    PICKUP = "pickup", "自助取件"


class ParcelState(models.TextChoices):
    RESERVED = "reserved", "已预约，待投件"  # drop-off: cell reserved, code sent
    DROPPED = "dropped", "已投件，待收件"  # drop-off: papers in the cell
    COLLECTED = "collected", "已收件"  # drop-off: staff took them
    EXPIRED = "expired", "预约已过期"  # drop-off: the code expired before use
    CANCELLED = "cancelled", "已取消"  # drop-off: the applicant or the case ended it
    DEPOSITED = "deposited", "已存入，待取件"  # pick-up: result in the cell, code sent
    PICKED_UP = "picked_up", "已取件"  # pick-up: the code opened it; the case is delivered
    RETRIEVED = "retrieved", "已取回"  # pick-up: staff took it back (expired, revoked…)


class ParcelEvent(models.TextChoices):
    DROP = "drop", "投件"
    COLLECT = "collect", "收件"
    EXPIRE = "expire", "过期"
    CANCEL = "cancel", "取消"
    PICK_UP = "pick_up", "取件"
    RETRIEVE = "retrieve", "取回"


_P = ParcelState
_V = ParcelEvent
PARCEL_TABLE: dict[tuple[str, str], str] = {
    (_P.RESERVED, _V.DROP): _P.DROPPED,
    (_P.RESERVED, _V.EXPIRE): _P.EXPIRED,
    (_P.RESERVED, _V.CANCEL): _P.CANCELLED,
    (_P.DROPPED, _V.COLLECT): _P.COLLECTED,
    (_P.DEPOSITED, _V.PICK_UP): _P.PICKED_UP,
    (_P.DEPOSITED, _V.RETRIEVE): _P.RETRIEVED,
}
# What a parcel starts as, by kind.
PARCEL_START = {Kind.DROPOFF: _P.RESERVED, Kind.PICKUP: _P.DEPOSITED}
# States in which a parcel holds its cell (and, for a network parcel, a booking).
LIVE = (_P.RESERVED, _P.DROPPED, _P.DEPOSITED)
# States in which its code opens the cell.
CODE_LIVE = (_P.RESERVED, _P.DEPOSITED)


def parcel_next(state: str, event: str) -> str:
    try:
        return PARCEL_TABLE[(state, event)]
    except KeyError:
        raise Conflict(
            f"该件当前为“{ParcelState(state).label}”，不能{ParcelEvent(event).label}",
            code="parcel_state",
            detail={"state": state, "event": event},
        ) from None
