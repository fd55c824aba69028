"""Back up and restore a govhall deployment: the PostgreSQL database (``pg_dump`` custom
format) and every stored file (the bucket's objects, or MEDIA_ROOT), with a manifest of
sha256 digests (docs/deployment.md, "Backup and restore").

    .venv/bin/python scripts/backup.py backup  --out /backups/2026-12-04T0200
    .venv/bin/python scripts/backup.py restore --from /backups/2026-12-04T0200

Both read the deployment's settings from the environment (DATABASE_URL, GOVHALL_STORAGE,
GOVHALL_S3_*, MEDIA_ROOT), as manage.py does. ``backup`` writes ``db.dump``, ``files/<name>``
for every stored file and ``manifest.json`` (each file's size and sha256, the dump's sha256,
the migrations applied), and then reads everything back against the manifest. ``restore``
checks the folder against its manifest first (a changed or missing file stops it before
anything is written), then restores the dump into the (new, empty) database DATABASE_URL
names with ``pg_restore --no-owner --exit-on-error``, and writes every file to the
configured storage under its own name, read back and checked. Run ``manage.py verify_audit``
and ``verify_security_audit`` afterwards (scripts/restore_drill.py does all of it in CI).

The files are copied after the dump: a file uploaded meanwhile is in the copy without a row
(``manage.py files_sweep`` removes it later), and no row of the dump lacks its file as long
as files are never deleted while the backup runs (govhall deletes only orphans, an hour old).
"""

# ruff: noqa: S603, S607

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _django():
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.settings")
    import django

    django.setup()


def _pg_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("backup.py is for PostgreSQL (DATABASE_URL=postgres://…); SQLite: copy the file with .backup")
    return os.environ["DATABASE_URL"]


def _walk(storage, folder: str = ""):
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def backup(out: Path) -> dict:
    _django()
    from django.core.files.storage import default_storage
    from django.db import connection

    url = _pg_url()
    out.mkdir(parents=True, exist_ok=False)
    dump = out / "db.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", url], check=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [f"{app}.{name}" for app, name in cursor.fetchall()]
    files = []
    for name in sorted(_walk(default_storage)):
        target = out / "files" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as source, target.open("wb") as sink:
            for chunk in iter(lambda: source.read(1024 * 1024), b""):
                digest.update(chunk)
                sink.write(chunk)
        files.append({"name": name, "size": target.stat().st_size, "sha256": digest.hexdigest()})
    manifest = {
        "format": 1,
        "created": datetime.datetime.now(datetime.UTC).isoformat(),
        "database": {"file": "db.dump", "sha256": sha256_file(dump), "size": dump.stat().st_size},
        "migrations": migrations,
        "storage": default_storage.__class__.__name__,
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    problems = verify_folder(out)
    if problems:
        raise SystemExit("the backup does not match its manifest: " + "; ".join(problems[:5]))
    return {"database_bytes": dump.stat().st_size, "files": len(files), "folder": str(out)}


def verify_folder(folder: Path) -> list[str]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    problems = []
    if sha256_file(folder / manifest["database"]["file"]) != manifest["database"]["sha256"]:
        problems.append("db.dump: sha256 differs")
    for entry in manifest["files"]:
        path = folder / "files" / entry["name"]
        if not path.is_file():
            problems.append(f"{entry['name']}: missing")
        elif sha256_file(path) != entry["sha256"]:
            problems.append(f"{entry['name']}: sha256 differs")
    return problems


def restore(folder: Path) -> dict:
    problems = verify_folder(folder)
    if problems:
        raise SystemExit("the backup does not match its manifest, nothing restored: " + "; ".join(problems[:5]))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    _django()
    from django.core.files.storage import default_storage

    url = _pg_url()
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url}", str(folder / manifest["database"]["file"])],
        check=True,
    )
    for entry in manifest["files"]:
        name = entry["name"]
        with (folder / "files" / name).open("rb") as handle:
            # _save writes exactly this name (save() would choose another if it existed)
            stored = default_storage._save(name, handle)
        if stored != name:
            raise SystemExit(f"{name} was stored as {stored}")
        with default_storage.open(name, "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() != entry["sha256"]:
                raise SystemExit(f"{name}: the restored copy differs")
    return {"files": len(manifest["files"]), "migrations": len(manifest["migrations"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("backup").add_argument("--out", type=Path, required=True)
    commands.add_parser("restore").add_argument("--from", dest="source", type=Path, required=True)
    commands.add_parser("verify").add_argument("--from", dest="source", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "backup":
        print(json.dumps(backup(args.out)))
    elif args.command == "restore":
        print(json.dumps(restore(args.source)))
    else:
        problems = verify_folder(args.source)
        print(json.dumps({"problems": problems}, ensure_ascii=False))
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
