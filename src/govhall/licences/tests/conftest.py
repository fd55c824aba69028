import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Licence PDFs go to a temporary media root; the verification throttle starts empty."""
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    yield
    cache.clear()
