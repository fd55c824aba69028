"""The timeline kinds the lockers record in a case's history (``cases.services.case_note``),
registered with the cases app at import (decision 0007)."""

from __future__ import annotations

from govhall.cases.events import register_kind

ORIGINALS_REQUESTED = register_kind("lockers.originals_requested", "要求提交纸质原件")
DROPOFF_RESERVED = register_kind("lockers.dropoff_reserved", "预约信包箱交件")
DROPPED_OFF = register_kind("lockers.dropped_off", "信包箱投递纸质材料")
DROPOFF_ENDED = register_kind("lockers.dropoff_ended", "信包箱交件预约结束")
COLLECTED = register_kind("lockers.collected", "工作人员收取信包箱材料")
DEPOSITED = register_kind("lockers.deposited", "办理结果存入信包箱")
RETRIEVED = register_kind("lockers.retrieved", "工作人员取回信包箱中的结果")
MOVED = register_kind("lockers.moved", "信包箱格口变更")
CODE_RENEWED = register_kind("lockers.code_renewed", "重新发送信包箱开箱码")
