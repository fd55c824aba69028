from __future__ import annotations

import pytest

from govhall.queues.tests.helpers import Clock


@pytest.fixture
def clock(monkeypatch):
    found = Clock()
    monkeypatch.setattr("govhall.queues.services._now", found)
    return found
