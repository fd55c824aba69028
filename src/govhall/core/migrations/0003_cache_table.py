"""The database cache's table, created whatever GOVHALL_CACHE says now: a deployment that
switches to GOVHALL_CACHE=db later finds it there (before, only ``manage.py
createcachetable`` made it, and a switch after ``migrate`` left every use of the cache,
signing in among them, answering 500). The name is settings.py's ``LOCATION`` for
GOVHALL_CACHE=db; ``check --database default`` reports a missing table (govhall.E003)."""

from django.core.management import call_command
from django.db import migrations

CACHE_TABLE = "govhall_cache"


def create_cache_table(apps, schema_editor):
    # createcachetable with a table name makes that table (and leaves one that exists).
    call_command("createcachetable", CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor):
    if CACHE_TABLE in schema_editor.connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0002_limit_count"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
