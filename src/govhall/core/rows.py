"""Plain statements for the few rows every filing request reads and writes.

Django's ORM spends far longer building a statement than the database spends running it:
about 0.3 ms to compile a one-row SELECT that runs in 0.03 ms, and most of a small
``save()``. On the paths every API request takes (the bearer token, the case under its
lock, the timeline event, the uploaded material) that overhead was most of the request
(docs/benchmarks.md, docs/decisions/0004). This module writes those statements once per
shape and runs them with the ORM's own value conversions, so the rows are the same as
the ORM's: ``Shape`` turns SELECT results into model instances with the fields'
database converters, ``insert`` and ``update`` adapt values with the fields'
``pre_save``/``get_db_prep_save``. The tests in ``core/tests/test_rows.py`` hold every
use to the ORM's result, on SQLite and PostgreSQL.

What the ORM does that these do not: no ``pre_save``/``post_save`` signals (``insert`` and
``update`` refuse models that have receivers), no validation, single table only. Use
them only where a profile shows the ORM's overhead matters.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import signals


def _db():
    # The connection itself: the module-level proxy looks it up again on every attribute,
    # and an insert hands it to each field's preparation.
    return connections[DEFAULT_DB_ALIAS]


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


class Shape:
    """The columns of one SELECT: each model's concrete fields in order, then ``extra``
    columns as (name, field or None: the field whose converters the value needs)."""

    def __init__(self, *models_: type[models.Model], extra: Sequence[tuple[str, models.Field | None]] = ()):
        self.models = models_
        self.extra = list(extra)

    def columns(self, *aliases: str) -> str:
        """The select list, each model's columns prefixed with its table alias."""
        parts = []
        for model, alias in zip(self.models, aliases, strict=True):
            parts += [f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields]
        return ", ".join(parts)

    @functools.cached_property
    def _plan(self) -> list:
        """Per model: (model, attnames, start, [(index, converters, expression)]), then
        the extras' converters; built once (the converters depend only on the database)."""
        plan, start = [], 0
        for model in self.models:
            fields = model._meta.concrete_fields
            converters = []
            for offset, field in enumerate(fields):
                expression = field.get_col(model._meta.db_table)
                found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
                if found:
                    converters.append((start + offset, found, expression))
            plan.append((model, [f.attname for f in fields], start, converters))
            start += len(fields)
        extras = []
        for offset, (name, field) in enumerate(self.extra):
            found, expression = [], None
            if field is not None:
                expression = field.get_col(field.model._meta.db_table)
                found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
            extras.append((start + offset, name, found, expression))
        return [plan, extras]

    def load(self, row: Sequence[Any]) -> tuple:
        """(instance or None for a model whose primary key is NULL (an outer join's
        miss), …, {extra name: value})."""
        plan, extras = self._plan
        db = _db()
        values = list(row)
        for model_plan in plan:
            for index, converters, expression in model_plan[3]:
                for convert in converters:
                    values[index] = convert(values[index], expression, db)
        out = []
        for model, attnames, start, _ in plan:
            chunk = values[start : start + len(attnames)]
            pk_index = attnames.index(model._meta.pk.attname)
            out.append(None if chunk[pk_index] is None else model.from_db(db.alias, attnames, chunk))
        extra = {}
        for index, name, converters, expression in extras:
            value = values[index]
            for convert in converters:
                value = convert(value, expression, db)
            extra[name] = value
        return (*out, extra)

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        with _db().cursor() as cursor:
            cursor.execute(sql, params)
            return [self.load(row) for row in cursor.fetchall()]


def column(sql: str, params: Sequence[Any]) -> list[Any]:
    """The first column of every row of ``sql`` (ids, counters: values that need no
    converter)."""
    with _db().cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _refuse_signals(model: type[models.Model]) -> None:
    for signal in (signals.pre_save, signals.post_save):
        if signal.has_listeners(model):
            raise RuntimeError(f"{model.__name__} has {signal} receivers: save it with the ORM")


@functools.cache
def _insert_sql(model: type[models.Model]) -> tuple[str, list[models.Field]]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sql = (  # names from the model's metadata only; values are always parameters
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    return sql, fields


def insert(instance: models.Model) -> models.Model:
    """INSERT ``instance`` (a new row with an automatic primary key) and set its pk, as
    ``instance.save()`` would for a new row."""
    model = type(instance)
    _refuse_signals(model)
    sql, fields = _insert_sql(model)
    db = _db()
    values = [f.get_db_prep_save(f.pre_save(instance, True), db) for f in fields]
    with db.cursor() as cursor:
        if db.features.can_return_columns_from_insert:
            cursor.execute(f"{sql} RETURNING {quote(model._meta.pk.column)}", values)
            pk = cursor.fetchone()[0]
        else:
            cursor.execute(sql, values)
            pk = cursor.lastrowid
    _saved(instance, pk, db)
    return instance


def _saved(instance: models.Model, pk: Any, db) -> None:
    """Mark ``instance`` as the stored row ``pk``, as ``save()`` leaves it."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = db.alias


def insert_many(instances: Sequence[models.Model]) -> list[models.Model]:
    """INSERT new rows of one model and set their pks, as ``bulk_create`` does: in one
    statement where the database returns the ids of a multi-row insert (one round trip on
    PostgreSQL), else one by one (SQLite before 3.35)."""
    instances = list(instances)
    if len({type(instance) for instance in instances}) > 1:
        raise TypeError("insert_many takes rows of one model")
    db = _db()
    if len(instances) < 2 or not db.features.can_return_rows_from_bulk_insert:
        return [insert(instance) for instance in instances]
    model = type(instances[0])
    _refuse_signals(model)
    sql, fields = _insert_sql(model)
    head, _, one_row = sql.partition(" VALUES ")
    values = [f.get_db_prep_save(f.pre_save(instance, True), db) for instance in instances for f in fields]
    with db.cursor() as cursor:
        # The database returns the ids in the order of the VALUES rows (bulk_create relies on it too).
        returning = quote(model._meta.pk.column)
        cursor.execute(f"{head} VALUES {', '.join([one_row] * len(instances))} RETURNING {returning}", values)
        ids = [row[0] for row in cursor.fetchall()]
    for instance, pk in zip(instances, ids, strict=True):
        _saved(instance, pk, db)
    return instances


@functools.cache
def _update_sql(model: type[models.Model], names: tuple[str, ...]) -> tuple[str, list[models.Field]]:
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    return f"UPDATE {table} SET {assignments} WHERE {pk} = %s", fields  # noqa: S608 (names from metadata)


def update(instance: models.Model, names: Sequence[str]) -> None:
    """UPDATE the fields ``names`` of ``instance``'s row from the instance, as
    ``instance.save(update_fields=names)`` would (``auto_now`` fields among them are set)."""
    model = type(instance)
    _refuse_signals(model)
    sql, fields = _update_sql(model, tuple(names))
    db = _db()
    values = [f.get_db_prep_save(f.pre_save(instance, False), db) for f in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, [*values, instance.pk])
