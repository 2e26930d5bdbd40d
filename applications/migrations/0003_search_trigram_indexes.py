"""Trigram indexes for the admin's search on applications and organisations (PostgreSQL only).

The admin searches with ``icontains``, which Django writes on PostgreSQL as
``UPPER("col"::text) LIKE UPPER('%term%')``: the indexes are on exactly that expression, with
``gin_trgm_ops``, so a ``LIKE '%…%'`` no longer scans the table (bench/admin_changelist.py,
BENCHMARKS.md).

They are created here with SQL, not declared in the models' ``Meta.indexes``: the model state would
then carry a GIN index, and SQLite (``make run``) rebuilds a table with every index of its state
whenever a later migration alters it, which fails on ``USING gin``. On SQLite this migration does
nothing (SQLite's LIKE needs no index at demo sizes). The extension is created here too, not with
``TrigramExtension``, whose reverse queries ``pg_extension`` on any database and so fails on SQLite;
reversing leaves the extension installed (other objects may use it).
"""

from django.db import migrations

INDEXES = [
    ("application_reference_trgm", "applications_application", "reference"),
    ("application_title_trgm", "applications_application", "title"),
    ("organisation_name_trgm", "applications_organisation", "name"),
    ("organisation_orgnr_trgm", "applications_organisation", "orgnr"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_organisation_join_request"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
