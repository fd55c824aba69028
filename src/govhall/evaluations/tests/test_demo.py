"""The demo loader: a paired screen for window 1, evaluations with one open callback; twice
changes nothing."""

from __future__ import annotations

import pytest

from govhall.evaluations import services
from govhall.evaluations.models import CallbackTask, Evaluation, EvaluatorDevice

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from govhall.evaluations import demo as loader

    assert loader.load() == 3
    assert loader.load() == 0
    device = services.device_for_secret(loader.demo_screen_code())
    assert device is not None and device.window.code == "1"
    assert EvaluatorDevice.objects.filter(revoked_at__isnull=True).count() == 1
    assert Evaluation.objects.count() == 3
    task = CallbackTask.objects.get()
    assert task.state == "pending_callback" and task.department.code == "lh-scjg"
