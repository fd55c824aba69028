"""Fixtures of the evaluations tests: the project's demo catalogue and accounts, media in a
temporary directory."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
