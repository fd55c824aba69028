import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from govhall.core import env

ROOT = Path(settings.BASE_DIR)


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    environment = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "zwfw.example.gov.cn",
        "GOVHALL_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_secret_key(tmp_path):
    environment = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "GOVHALL_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite durability settings")
def test_sqlite_runs_in_wal_mode_with_full_sync():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_configuration_docs_list_every_variable():
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert env.markdown_table() in docs, "docs/configuration.md is out of date: paste env.markdown_table()"


def test_settings_read_only_declared_variables():
    source = (ROOT / "src" / "govhall" / "settings.py").read_text(encoding="utf-8")
    assert "os.environ" not in source and "getenv" not in source
