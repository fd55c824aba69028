"""Stored files no row refers to: what a request leaves behind when it dies between writing
a file and committing its row (a material upload writes the file before its short write
transaction, so that SQLite's single write turn is not held during the write).

``orphans`` compares the files under the folders of every ``FileField`` of every model
(their ``upload_to`` prefixes) with the names the rows hold, and lists those that no row
names and that are older than a grace period (an upload in flight is young);
``manage.py files_sweep`` deletes them. It works through the storage API, so it sweeps
object storage as it sweeps a local disk.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.apps import apps
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.utils import timezone

GRACE = datetime.timedelta(hours=1)


def _file_fields() -> Iterator[tuple[type[models.Model], models.FileField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field


def _prefix(field: models.FileField) -> str:
    """The fixed folder before the first date placeholder of ``upload_to`` (cases/%Y/%m/ → cases)."""
    upload_to = field.upload_to if isinstance(field.upload_to, str) else ""
    return upload_to.split("%", 1)[0].rstrip("/")


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def orphans(*, now: datetime.datetime | None = None, grace: datetime.timedelta = GRACE) -> list[str]:
    """Names of stored files under the models' upload folders that no row refers to and
    that were last modified before ``now - grace``."""
    now = now or timezone.now()
    referenced: set[str] = set()
    prefixes: set[str] = set()
    for model, field in _file_fields():
        prefix = _prefix(field)
        if not prefix:
            continue  # a field storing at the root: nothing to tell its files from others
        prefixes.add(prefix)
        referenced.update(
            name for name in model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
        )
    found = []
    for prefix in sorted(prefixes):
        for name in _walk(default_storage, prefix):
            if name in referenced:
                continue
            try:
                modified = default_storage.get_modified_time(name)
            except (NotImplementedError, OSError):
                continue
            if modified <= now - grace:
                found.append(name)
    return found


def sweep(*, now: datetime.datetime | None = None, grace: datetime.timedelta = GRACE) -> list[str]:
    """Delete the orphans; returns their names."""
    gone = orphans(now=now, grace=grace)
    for name in gone:
        default_storage.delete(name)
    return gone
