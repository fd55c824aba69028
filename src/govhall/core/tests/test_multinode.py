"""Issue 18's switches: the single-node defaults unchanged, and the shared stores each chosen
by a setting (S3 storage against moto's server, Redis settings, the replica router), the
files_to_s3 migration, the health endpoints and /metrics with its access rule. The Redis
counter passes the counter contract in test_limits.py (against a real redis-server)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from govhall.core import dbrouter
from govhall.core.tests.test_settings import ROOT, _clean_env

NEW_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_REPLICA_URL",
    "GOVHALL_CACHE",
    "GOVHALL_LIMITS",
    "GOVHALL_TASKS",
    "GOVHALL_STORAGE",
    "GOVHALL_REDIS_URL",
    "GOVHALL_TASKS_REDIS_URL",
)
SHOW = (
    "import json; from django.conf import settings; from govhall.core import limits; print(json.dumps({"
    "'storage': settings.STORAGES['default']['BACKEND'], 'cache': settings.CACHES['default']['BACKEND'], "
    "'tasks': settings.TASKS['default']['BACKEND'], 'limits': type(limits.backend()).__name__, "
    "'rq': 'django_rq' in settings.INSTALLED_APPS, 'databases': sorted(settings.DATABASES), "
    "'engine': settings.DATABASES['default']['ENGINE']}))"
)


def _settings_with(tmp_path, **changes) -> dict:
    environment = {k: v for k, v in _clean_env().items() if k not in NEW_VARIABLES}
    environment.update(GOVHALL_VAR_DIR=str(tmp_path), **changes)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_single_node_defaults_are_unchanged(tmp_path):
    """make run: SQLite, files on the disk, each process's memory for the cache, tasks at once,
    limits in the database; no Redis, no S3, no RQ anywhere."""
    assert _settings_with(tmp_path) == {
        "storage": "django.core.files.storage.FileSystemStorage",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "tasks": "django_tasks.backends.immediate.ImmediateBackend",
        "limits": "DatabaseCounter",
        "rq": False,
        "databases": ["default"],
        "engine": "govhall.core.sqlite",
    }


def test_each_shared_store_is_chosen_by_its_setting(tmp_path, redis_url):
    chosen = _settings_with(
        tmp_path,
        GOVHALL_STORAGE="s3",
        GOVHALL_S3_BUCKET="b",
        GOVHALL_CACHE="redis",
        GOVHALL_REDIS_URL=redis_url,
        GOVHALL_TASKS="rq",
        DATABASE_URL="postgres://u:p@127.0.0.1:1/primary",
        DATABASE_REPLICA_URL="postgres://u:p@127.0.0.1:1/replica",
    )
    assert chosen == {
        "storage": "govhall.core.storage.PrivateS3Storage",
        "cache": "django.core.cache.backends.redis.RedisCache",
        "tasks": "django_tasks_rq.RQBackend",
        "limits": "RedisCounter",  # limits follow the cache
        "rq": True,
        "databases": ["default", "replica"],
        "engine": "django.db.backends.postgresql",
    }
    # the limits may stay in the database with the cache on Redis
    assert _settings_with(tmp_path, GOVHALL_CACHE="redis", GOVHALL_LIMITS="db")["limits"] == "DatabaseCounter"


def test_the_replica_is_read_only_inside_replica_reads(settings):
    settings.DATABASES = {**settings.DATABASES, "replica": settings.DATABASES["default"]}
    router = dbrouter.ReplicaRouter()
    assert router.db_for_read(None) is None  # the primary
    with dbrouter.replica_reads():
        assert router.db_for_read(None) == "replica"
        assert router.db_for_write(None) == "default"

    @dbrouter.replica_reads
    def report():
        return router.db_for_read(None)

    assert report() == "replica" and router.db_for_read(None) is None
    assert router.allow_migrate("replica", "cases") is False


# --------------------------------------------------------------------------- S3 (moto's server)


@pytest.fixture
def bucket(s3_endpoint):
    import boto3

    name = f"t-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1"
    )
    client.create_bucket(Bucket=name)
    return client, name


@pytest.fixture
def s3_storage(settings, s3_endpoint, bucket):
    """The default storage on the test bucket (Django resets its storages when STORAGES changes)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "govhall.core.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": bucket[1],
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "t",
                "secret_key": "t",
                "location": "govhall",
            },
        },
    }
    from django.core.files.storage import default_storage

    return default_storage


def test_s3_storage_is_private_and_gives_no_bucket_url(s3_storage, bucket):
    client, name = bucket
    stored = s3_storage.save("cases/2026/12/a.pdf", ContentFile(b"%PDF-1.4 material"))
    assert s3_storage.open(stored, "rb").read() == b"%PDF-1.4 material"
    assert s3_storage.save("cases/2026/12/a.pdf", ContentFile(b"other")) != stored  # never overwritten
    # the application's own path, served by the views that check who asks; never the bucket
    assert s3_storage.url(stored) == "/media/cases/2026/12/a.pdf"
    key = f"govhall/{stored}"
    grants = client.get_object_acl(Bucket=name, Key=key)["Grants"]
    assert not [g for g in grants if "URI" in g["Grantee"]], grants  # no AllUsers / AuthenticatedUsers
    assert s3_storage.listdir("cases/2026/12")[1] == sorted(s3_storage.listdir("cases/2026/12")[1])
    assert len(s3_storage.listdir("cases/2026/12")[1]) == 2


def test_files_to_s3_copies_every_named_file_once_and_checks_sha256(db, settings, tmp_path, s3_endpoint, bucket):
    from govhall.cases.models import SubmittedMaterial as Material
    from govhall.cases.tests import factories as f

    settings.MEDIA_ROOT = tmp_path
    case = f.submitted()
    materials = list(Material.objects.filter(case=case).exclude(file=""))
    assert materials and all((tmp_path / m.file.name).exists() for m in materials)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "govhall.core.storage.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": bucket[1],
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "t",
                "secret_key": "t",
            },
        },
    }
    out = []
    call_command("files_to_s3", source=str(tmp_path), stdout=type("W", (), {"write": out.append})())
    assert out[-1].startswith(f"copied {len(materials)},"), out
    out.clear()
    call_command("files_to_s3", source=str(tmp_path), stdout=type("W", (), {"write": out.append})())
    assert out[-1].startswith(f"copied 0, already there {len(materials)},"), out  # idempotent
    for material in Material.objects.filter(pk__in=[m.pk for m in materials]):
        with material.file.open("rb") as handle:  # now read from the bucket
            assert hashlib.sha256(handle.read()).hexdigest() == material.sha256


# --------------------------------------------------------------------------- health and metrics


def test_healthz_and_readyz(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
    answer = client.get("/readyz")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "storage", "queue", "limits"}
    assert body["storage"] == "local" and body["tasks"] == "immediate"


def test_readyz_names_the_failed_check_without_its_text(client, db, monkeypatch):
    from govhall.core import health

    def broken():
        raise ConnectionError("redis://secret-host:6379 refused for 13800138000")

    monkeypatch.setitem(health.CHECKS, "cache", broken)
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["cache"] == "fail: ConnectionError"
    assert b"secret-host" not in answer.content and b"13800138000" not in answer.content


def test_metrics_only_for_allowed_addresses_or_the_token(client, db, settings):
    settings.GOVHALL_METRICS_TOKEN = "scrape-token"
    settings.GOVHALL_METRICS_ALLOW = ["127.0.0.1", "10.0.0.0/8"]
    client.get("/healthz")
    answer = client.get("/metrics")  # the test client connects from 127.0.0.1
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain")
    text = answer.content.decode()
    assert 'govhall_http_requests_total{method="GET",route="healthz",status="200"}' in text
    assert "govhall_http_request_duration_seconds_bucket" in text
    assert "govhall_database_up 1" in text and 'govhall_task_queue_depth{backend="immediate"} 0' in text
    assert client.get("/metrics", REMOTE_ADDR="10.2.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer nope").status_code == 404
    assert (
        client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer scrape-token").status_code == 200
    )
    settings.GOVHALL_METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5", HTTP_AUTHORIZATION="Bearer ").status_code == 404
