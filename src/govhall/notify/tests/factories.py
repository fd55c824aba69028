"""Test helpers for notify: users and SMS adapters that record or fail."""

from __future__ import annotations

import itertools

from govhall.accounts.models import User
from govhall.notify.backends import BaseSmsBackend, SmsError

_seq = itertools.count(1)

RECORDING = "govhall.notify.tests.factories.RecordingBackend"
FAILING = "govhall.notify.tests.factories.FailingBackend"
BROKEN = "govhall.notify.tests.factories.BrokenBackend"
ECHOING = "govhall.notify.tests.factories.EchoingBackend"


def user_create(*, phone: str = "", name: str = "") -> User:
    n = next(_seq)
    return User.objects.create_user(
        username=f"notify-test-{n}", password="x-unused-x", phone=phone, display_name=name or f"测试{n}"
    )


class RecordingBackend(BaseSmsBackend):
    """Accepts every message and remembers it (class-level, reset by the fixture)."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> str:
        RecordingBackend.sent.append((phone, text))
        return f"rec-{len(RecordingBackend.sent)}"


class FailingBackend(BaseSmsBackend):
    """A gateway that refuses, echoing the number in its error (as real ones do)."""

    def send(self, phone: str, text: str) -> str:
        raise SmsError(f"号码 {phone} 已停机")


class BrokenBackend(BaseSmsBackend):
    """An adapter with a bug."""

    def send(self, phone: str, text: str) -> str:
        raise KeyError(phone)


class EchoingBackend(BaseSmsBackend):
    """A gateway that refuses, quoting the whole message back in its error."""

    def send(self, phone: str, text: str) -> str:
        raise SmsError(f"内容含敏感词: {text}")
