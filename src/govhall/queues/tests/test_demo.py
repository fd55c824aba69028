from __future__ import annotations

import pytest
from django.utils import timezone

from govhall.queues import services
from govhall.queues.models import Device, Ticket

pytestmark = pytest.mark.django_db


def test_demo_queue_is_idempotent(demo):
    from govhall.queues import demo as queue_demo

    assert queue_demo.load() == len(queue_demo.WAITING)
    assert queue_demo.load() == 0
    today = Ticket.objects.filter(day=timezone.localdate())
    assert today.count() == len(queue_demo.WAITING)
    assert {t.number[0] for t in today} == {"A", "B", "C", "D"}
    for kind, _, secret in queue_demo.DEMO_DEVICES:
        assert services.device_for_secret(secret, kind) is not None
    assert Device.objects.count() == 3
