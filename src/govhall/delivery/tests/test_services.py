"""Choosing a channel: several enabled at once, a channel another app registers (lockers),
none for a mode, and undoing a hand-over."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from govhall.core import checks
from govhall.core.errors import DomainError
from govhall.core.registry import registries
from govhall.delivery import services
from govhall.delivery.base import DeliveryProvider, Receipt, Shipment
from govhall.delivery.contrib.ems import EmsProvider
from govhall.delivery.contrib.window import WindowProvider
from govhall.delivery.registry import registry

SHIPMENT = Shipment(
    case_number="2025-000123",
    item_name="食品经营许可",
    recipient="张明",
    phone="13800138000",
    address="西安市莲湖区北院门100号",
    tracking_number="EA123456789CN",
)


class Courier(DeliveryProvider):
    """A second mail channel, as a deployment or another app would add one."""

    verbose_name = "同城快递（测试）"
    mode = "mail"
    requires_address = True
    cancelled: list[Receipt] = []

    def hand_over(self, shipment: Shipment) -> Receipt:
        return Receipt(provider=self.identifier, mode=self.mode, tracking_number="SC0001")

    def cancel(self, receipt: Receipt) -> None:
        Courier.cancelled.append(receipt)


class Lockers(DeliveryProvider):
    """A locker network, as the lockers app will register one."""

    verbose_name = "智能信包箱（测试）"
    mode = "locker"

    def hand_over(self, shipment: Shipment) -> Receipt:
        return Receipt(provider=self.identifier, mode=self.mode, note="A柜03格，开箱码已短信发送")


@pytest.fixture
def extra_channels():
    """The two test channels, registered in the delivery registry for the test only."""
    registry.register("test_courier")(Courier)
    registry.register("test_lockers")(Lockers)
    Courier.cancelled = []
    yield
    registry.unregister("test_courier")
    registry.unregister("test_lockers")


def test_the_default_channels(settings):
    # the lockers app's own cabinets are a channel by default (govhall.lockers registers it)
    assert settings.GOVHALL_DELIVERY_PROVIDERS == ["window", "ems", "electronic", "locker"]
    assert registry in registries()
    assert {"window", "ems", "ems_http", "electronic", "locker"} <= {cls.identifier for cls in registry.all()}
    assert [type(p) for p in services.providers_for("mail")] == [EmsProvider]
    assert isinstance(services.provider_for("window"), WindowProvider)
    assert services.provider_for("mail").hand_over(SHIPMENT).tracking_number == "EA123456789CN"
    assert services.modes_available(["window", "mail", "locker", "electronic"]) == [
        "window",
        "mail",
        "locker",
        "electronic",
    ]
    settings.GOVHALL_DELIVERY_PROVIDERS = ["window", "ems", "electronic"]
    assert services.modes_available(["window", "mail", "locker", "electronic"]) == ["window", "mail", "electronic"]


def test_two_providers_of_one_mode_enabled_at_once(extra_channels, settings):
    settings.GOVHALL_DELIVERY_PROVIDERS = "window,test_courier,ems"  # as the environment gives it
    assert [p.identifier for p in services.providers_for("mail")] == ["test_courier", "ems"]  # the setting's order
    with pytest.raises(DomainError, match="邮寄送达有多个渠道，请选择：同城快递（测试）、中国邮政EMS") as exc:
        services.provider_for("mail")
    assert exc.value.code == "provider_ambiguous"
    assert exc.value.detail == {"field": "provider", "mode": "mail", "choices": ["test_courier", "ems"]}
    # named, each is the one
    assert services.provider_for("mail", "ems").hand_over(SHIPMENT) == Receipt("ems", "mail", "EA123456789CN")
    assert services.provider_for("mail", "test_courier").hand_over(SHIPMENT) == Receipt(
        "test_courier", "mail", "SC0001"
    )
    # a registered channel that is not enabled, one that does not exist, one of another mode
    for identifier in ("ems_http", "sf_express", "window"):
        with pytest.raises(DomainError) as exc:
            services.provider_for("mail", identifier)
        assert exc.value.code == "delivery_unavailable" and exc.value.detail["provider"] == identifier


def test_without_a_locker_channel_lockers_are_unavailable(settings):
    settings.GOVHALL_DELIVERY_PROVIDERS = ["window", "ems", "electronic"]
    with pytest.raises(DomainError) as exc:
        services.provider_for("locker")
    assert (exc.value.code, exc.value.status) == ("locker_unavailable", 409)
    assert exc.value.message == "自助信包箱投递尚未开通，请选择窗口领取或邮寄"
    settings.GOVHALL_DELIVERY_PROVIDERS = ["ems"]
    with pytest.raises(DomainError, match="窗口领取尚未开通") as exc:
        services.provider_for("window")
    assert exc.value.code == "delivery_unavailable"
    with pytest.raises(DomainError) as exc:
        services.provider_for("pigeon")
    assert exc.value.code == "invalid_delivery_mode"


def test_another_app_registers_a_locker_channel(extra_channels, settings):
    settings.GOVHALL_DELIVERY_PROVIDERS = ["window", "ems"]
    assert services.modes_available(["locker", "window"]) == ["window"]  # registered is not enabled
    settings.GOVHALL_DELIVERY_PROVIDERS = ["window", "ems", "test_lockers"]
    assert services.modes_available(["locker", "window"]) == ["locker", "window"]
    lockers = services.provider_for("locker")
    assert lockers.hand_over(SHIPMENT) == Receipt("test_lockers", "locker", note="A柜03格，开箱码已短信发送")


def test_a_channel_must_serve_a_delivery_mode():
    class Pigeon(DeliveryProvider):
        verbose_name = "信鸽"
        mode = "pigeon"

        def hand_over(self, shipment: Shipment) -> Receipt:
            raise AssertionError

    with pytest.raises(ValueError, match="mode must be one of"):
        registry.register("pigeon")(Pigeon)
    assert "pigeon" not in registry


def test_a_setting_that_names_no_channel_is_a_check_error(settings):
    settings.GOVHALL_DELIVERY_PROVIDERS = ["window", "emss"]
    with pytest.raises(ImproperlyConfigured, match="'emss' is not a registered delivery provider"):
        services.providers_for("mail")
    (error,) = [m for m in checks.providers_selected(None) if m.obj == "GOVHALL_DELIVERY_PROVIDERS"]
    assert error.id == "govhall.E001"


def test_the_deploy_check_sees_an_unconfigured_ems_http(settings):
    settings.GOVHALL_DELIVERY_PROVIDERS = ["window", "ems_http"]
    settings.GOVHALL_EMS_URL = ""
    (error,) = [m for m in checks.outside_services_configured(None) if m.obj == "GOVHALL_DELIVERY_PROVIDERS"]
    assert error.id == "govhall.E002" and "GOVHALL_EMS_URL is not set" in error.msg
    settings.GOVHALL_EMS_URL = "https://ems.example.gov.cn/waybill"
    assert [m for m in checks.outside_services_configured(None) if m.obj == "GOVHALL_DELIVERY_PROVIDERS"] == []


def test_a_hand_over_is_cancelled_when_the_case_change_fails(extra_channels):
    courier = Courier()
    with services.handed_over(courier, SHIPMENT) as receipt:
        assert receipt.tracking_number == "SC0001"
    assert Courier.cancelled == []
    with pytest.raises(RuntimeError, match="version conflict"), services.handed_over(courier, SHIPMENT) as receipt:
        raise RuntimeError("version conflict")
    assert Courier.cancelled == [receipt]


def test_a_failing_cancel_is_logged_and_the_callers_error_kept(caplog):
    class Stuck(Courier):
        def cancel(self, receipt: Receipt) -> None:
            raise DomainError("EMS撤单暂时不可用", code="delivery_unavailable")

    logger = logging.getLogger("govhall.delivery")
    logger.addHandler(caplog.handler)
    try:
        with pytest.raises(RuntimeError, match="version conflict"), services.handed_over(Stuck(), SHIPMENT):
            raise RuntimeError("version conflict")
    finally:
        logger.removeHandler(caplog.handler)
    assert "SC0001 could not be cancelled" in caplog.text and "2025-000123" in caplog.text
