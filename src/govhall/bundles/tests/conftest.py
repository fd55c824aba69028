import pytest


@pytest.fixture
def restaurant(demo):
    from govhall.bundles.tests import factories as bf

    return bf.bundle()
