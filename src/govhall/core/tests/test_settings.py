import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from govhall.core import env

ROOT = Path(settings.BASE_DIR)


def _clean_env() -> dict[str, str]:
    # the browser tests allow Django's async-unsafe mode in this process; a deployment never does
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _manage(environment: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    environment = {
        **_clean_env(),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "zwfw.example.gov.cn",
        "GOVHALL_VAR_DIR": str(tmp_path),
        "GOVHALL_CACHE": "db",
        "GOVHALL_STAFF_2FA": "1",
        # The outside services a deployment reaches (the URLs are never called by a check).
        "GOVHALL_IDENTITY_BACKEND": "govhall.accounts.identity.HttpJsonIdentityVerifier",
        "GOVHALL_IDENTITY_URL": "https://identity.example.gov.cn/verify",
        "GOVHALL_ENTERPRISE_BACKEND": "govhall.accounts.enterprise.HttpJsonEnterpriseVerifier",
        "GOVHALL_ENTERPRISE_URL": "https://registry.example.gov.cn/verify",
        "GOVHALL_SMS_BACKEND": "govhall.notify.backends.HttpJsonSmsBackend",
        "GOVHALL_SMS_URL": "https://sms.example.gov.cn/send",
        "GOVHALL_EVALUATION_REPORTER": "http",
        "GOVHALL_EVALUATION_REPORT_URL": "https://haochaping.example.gov.cn/report",
        "GOVHALL_EVALUATION_REPORT_KEY": "k",
    }
    result = _manage(environment, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    # Counting in each process's memory is worth a warning at deploy time, and so is each
    # local adapter left standing in for an outside service.
    for change, warning in (
        ({"GOVHALL_CACHE": ""}, "govhall.W001"),
        ({"GOVHALL_STAFF_2FA": "0"}, "govhall.accounts.W001"),
        ({"GOVHALL_IDENTITY_BACKEND": None}, "govhall.W002"),  # None: unset, the local default
        ({"GOVHALL_ENTERPRISE_BACKEND": None}, "govhall.W003"),
        ({"GOVHALL_SMS_BACKEND": None}, "govhall.W004"),
        ({"GOVHALL_EVALUATION_REPORTER": None}, "govhall.W301"),
    ):
        changed = {k: v for k, v in {**environment, **change}.items() if v is not None}
        result = _manage(changed, "check", "--deploy", "--fail-level", "WARNING")
        assert result.returncode != 0 and warning in result.stdout + result.stderr, change


def test_with_the_database_cache_every_process_sees_the_same_login_failures(tmp_path):
    environment = {**_clean_env(), "DATABASE_URL": "", "GOVHALL_VAR_DIR": str(tmp_path), "GOVHALL_CACHE": "db"}

    def manage(*args: str) -> subprocess.CompletedProcess:
        return _manage(environment, *args)

    assert manage("migrate", "--noinput").returncode == 0
    assert manage("createcachetable").returncode == 0
    fail = (
        "from govhall.accounts import services as s\n"
        "for _ in range(s.LOGIN_FAILURES_PER_USER): s.login_failed(username='x', address='a')"
    )
    assert manage("shell", "-c", fail).returncode == 0
    check = (
        "from govhall.accounts import services as s\n"
        "try:\n s.login_check(username='x', address='a')\n"
        "except s.DomainError as e: print(e.code)"
    )
    assert manage("shell", "-c", check).stdout.strip().endswith("login_locked")  # another process, the same count


def test_production_refuses_to_start_without_secret_key(tmp_path):
    environment = {**_clean_env(), "DEBUG": "0", "SECRET_KEY": "", "GOVHALL_VAR_DIR": str(tmp_path)}
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


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path):
    # checked on the default SQLite configuration whatever database this run uses
    code = (
        "from django.db import connection; c = connection.cursor(); "
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]); "
        "c.execute('PRAGMA synchronous'); print(c.fetchone()[0])"
    )
    environment = {**_clean_env(), "DATABASE_URL": "", "GOVHALL_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split()[-2:] == ["wal", "2"], result.stdout + result.stderr  # 2 = FULL


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_configuration_docs_list_every_variable():
    docs = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert env.markdown_table() in docs, "docs/configuration.md is out of date: paste env.markdown_table()"


def test_settings_read_only_declared_variables():
    source = (ROOT / "src" / "govhall" / "settings.py").read_text(encoding="utf-8")
    assert "os.environ" not in source and "getenv" not in source
