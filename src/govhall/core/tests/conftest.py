import pytest

from govhall.core.tests import servers


@pytest.fixture(scope="session")
def redis_url():
    with servers.redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def s3_endpoint():
    with servers.moto_server() as endpoint:
        yield endpoint
