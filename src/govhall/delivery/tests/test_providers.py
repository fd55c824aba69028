"""The channels that reach no outside system: window, electronic, EMS with typed waybill numbers."""

import pytest

from govhall.core.errors import DomainError
from govhall.delivery.base import Receipt, Shipment
from govhall.delivery.contrib.electronic import ElectronicProvider
from govhall.delivery.contrib.ems import EmsProvider
from govhall.delivery.contrib.window import WindowProvider

ADDRESS = "西安市莲湖区北院门100号"


def shipment(**kw) -> Shipment:
    return Shipment(
        **{"case_number": "2025-000123", "item_name": "食品经营许可", "recipient": "张明", "phone": "13800138000", **kw}
    )


def test_the_window_hands_over_with_no_input():
    provider = WindowProvider()
    assert (provider.identifier, provider.mode, provider.requires_address) == ("window", "window", False)
    assert provider.hand_over(shipment()) == Receipt(provider="window", mode="window")
    assert provider.track("anything") == []
    assert provider.cancel(Receipt(provider="window", mode="window")) is None


def test_electronic_delivery_hands_over_with_no_input():
    assert ElectronicProvider().hand_over(shipment()) == Receipt(provider="electronic", mode="electronic")


def test_ems_takes_the_typed_waybill_number_trimmed():
    provider = EmsProvider()
    assert (provider.identifier, provider.mode, provider.requires_address) == ("ems", "mail", True)
    receipt = provider.hand_over(shipment(tracking_number="  EA123456789CN \n", address=ADDRESS))
    assert receipt == Receipt(provider="ems", mode="mail", tracking_number="EA123456789CN")
    assert provider.track("EA123456789CN") == []  # no outside system here
    provider.cancel(receipt)  # nothing to undo


@pytest.mark.parametrize(
    ("typed", "message", "code"),
    [
        ("", "请填写邮件单号", "missing_field"),
        ("   ", "请填写邮件单号", "missing_field"),
        ("E" * 41, "不能超过40个字符", "invalid_tracking_number"),
        ("EA-1234", "只能由字母和数字组成", "invalid_tracking_number"),
        ("EA 1234", "只能由字母和数字组成", "invalid_tracking_number"),
        ("邮件１２３", "只能由字母和数字组成", "invalid_tracking_number"),  # no CJK, no full-width digits
    ],
)
def test_ems_refuses_a_missing_or_malformed_waybill_number(typed, message, code):
    with pytest.raises(DomainError, match=message) as exc:
        EmsProvider().hand_over(shipment(tracking_number=typed, address=ADDRESS))
    assert (exc.value.code, exc.value.detail) == (code, {"field": "tracking_number"})


def test_ems_takes_forty_characters():
    assert EmsProvider().hand_over(shipment(tracking_number="E" * 40, address=ADDRESS)).tracking_number == "E" * 40


def test_ems_needs_an_address():
    # the cases app passes the case's known address when the clerk typed none
    for address in ("", "  "):
        with pytest.raises(DomainError, match="请填写邮寄地址") as exc:
            EmsProvider().hand_over(shipment(tracking_number="EA123456789CN", address=address))
        assert (exc.value.code, exc.value.detail) == ("missing_field", {"field": "address"})
    with pytest.raises(DomainError, match="不能超过300个字") as exc:
        EmsProvider().hand_over(shipment(tracking_number="EA123456789CN", address="北" * 301))
    assert exc.value.code == "invalid_address"


def test_the_waybill_number_is_asked_for_before_the_address():
    # today's order: a clerk who typed neither is told about the number first
    with pytest.raises(DomainError, match="请填写邮件单号"):
        EmsProvider().hand_over(shipment())
