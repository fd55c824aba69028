import pytest


@pytest.fixture
def stages(demo):
    """The stage items, bundles and configuration, and the construction departments' approvers."""
    from govhall.construction import demo as construction_demo

    construction_demo.catalogue()
    construction_demo.staff()
