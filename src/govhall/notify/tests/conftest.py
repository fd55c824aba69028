import logging

import pytest

from govhall.notify.tests.factories import RECORDING, RecordingBackend


@pytest.fixture(autouse=True)
def sms_recorded(settings):
    """Every notify test runs on the immediate task backend with a recording SMS adapter."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.GOVHALL_SMS_BACKEND = RECORDING
    RecordingBackend.sent = []
    return RecordingBackend.sent


@pytest.fixture
def notify_log(caplog):
    """caplog for the govhall.notify logger (the govhall loggers do not propagate to root).

    caplog's handler has no masking filter, so what it sees is what the code wrote."""
    logger = logging.getLogger("govhall.notify")
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="govhall.notify")
    yield caplog
    logger.removeHandler(caplog.handler)
