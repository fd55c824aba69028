"""Copy the uploaded files named by the database from the local MEDIA_ROOT to the bucket
(``GOVHALL_STORAGE=s3``), under the same names, so the rows need no change.

Idempotent: a file already in the bucket with the same size (and, where its row stores a
sha256, the same digest) is left alone; run it again after a failure, or once more after
the last node switched over, to catch files written meanwhile. Where a row stores a sha256
(cases' materials and documents) the local file is checked against it before the copy and
the copy is read back and checked after it; a mismatch is reported and fails the run.

    GOVHALL_STORAGE=s3 GOVHALL_S3_BUCKET=… manage.py files_to_s3 [--source DIR] [--dry-run]
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management.base import BaseCommand, CommandError

from govhall.core.files import _file_fields


def sha256_of(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Copy the files the database names from MEDIA_ROOT to the S3 bucket (idempotent, sha256-checked)."

    def add_arguments(self, parser):
        parser.add_argument("--source", default=str(settings.MEDIA_ROOT), help="local folder (default MEDIA_ROOT)")
        parser.add_argument("--dry-run", action="store_true", help="say what would be copied, copy nothing")

    def handle(self, *args, source: str, dry_run: bool, **options):
        if not settings.STORAGES["default"]["BACKEND"].endswith("S3Storage"):
            raise CommandError("the default storage is not S3: set GOVHALL_STORAGE=s3 and GOVHALL_S3_* first")
        local = FileSystemStorage(location=Path(source))
        target = default_storage
        copied = skipped = missing = 0
        bad: list[str] = []
        for model, field in _file_fields():
            has_digest = any(f.name == "sha256" for f in model._meta.concrete_fields)
            columns = [field.name, "sha256"] if has_digest else [field.name]
            for row in model._default_manager.exclude(**{field.name: ""}).values_list(*columns).iterator():
                name, expected = row[0], (row[1] if has_digest else "")
                if not local.exists(name):
                    if not target.exists(name):
                        missing += 1
                        self.stderr.write(f"missing everywhere: {name}")
                    continue
                with local.open(name, "rb") as handle:
                    digest = sha256_of(handle)
                if expected and digest != expected:
                    bad.append(name)
                    self.stderr.write(f"local file does not match its row's sha256: {name}")
                    continue
                if target.exists(name) and target.size(name) == local.size(name):
                    if not expected:
                        skipped += 1
                        continue
                    with target.open(name, "rb") as handle:
                        if sha256_of(handle) == digest:
                            skipped += 1
                            continue
                if dry_run:
                    self.stdout.write(f"would copy {name}")
                    copied += 1
                    continue
                with local.open(name, "rb") as handle:
                    # _save writes exactly this key (save() would pick another name if it existed)
                    target._save(name, handle)
                with target.open(name, "rb") as handle:
                    if sha256_of(handle) != digest:
                        bad.append(name)
                        self.stderr.write(f"the copy in the bucket does not match: {name}")
                        continue
                copied += 1
        verb = "would copy" if dry_run else "copied"
        self.stdout.write(f"{verb} {copied}, already there {skipped}, missing {missing}, mismatched {len(bad)}")
        if bad:
            raise CommandError(f"{len(bad)} files did not match their sha256")
