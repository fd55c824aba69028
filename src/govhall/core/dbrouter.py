"""The read replica (``DATABASE_REPLICA_URL``), for reports only.

Every query goes to the primary (``default``) unless the code runs inside
:func:`replica_reads`: then reads go to ``replica`` when one is configured. Only report
selectors that read a snapshot and write nothing are wrapped (a replica lags the primary by
its replication delay, so a page that shows what the user just did must not read it).
Which selectors may be marked: docs/deployment.md, "Read replica".

    from govhall.core.dbrouter import replica_reads

    @replica_reads
    def department_volumes(...): ...
"""

from __future__ import annotations

import contextlib
import contextvars
import functools

from django.conf import settings

_reading_replica = contextvars.ContextVar("govhall_reading_replica", default=False)

REPLICA = "replica"


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextlib.contextmanager
def _replica_block():
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica_reads(func=None):
    """Decorator (or, called without a function, a context manager): the ORM reads inside go
    to the replica when there is one."""
    if func is None:
        return _replica_block()

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _replica_block():
            return func(*args, **kwargs)

    return wrapper


class ReplicaRouter:
    """Reads inside :func:`replica_reads` go to the replica; everything else, every write
    and every migration to ``default``."""

    def db_for_read(self, model, **hints):
        if _reading_replica.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database and its copy

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
