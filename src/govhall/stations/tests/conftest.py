"""Fixtures of the stations tests: the demo region, catalogue and accounts (the project's
``demo``), then the hall's place, the demo assistants and the three stations."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def places(demo):
    from govhall.stations.demo import load_places

    return load_places()
