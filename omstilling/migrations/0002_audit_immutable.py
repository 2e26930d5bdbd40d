"""On PostgreSQL the audit log refuses UPDATE and DELETE in the database itself."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION omstilling_audit_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log entries are immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER omstilling_auditentry_immutable
    BEFORE UPDATE OR DELETE ON omstilling_auditentry
    FOR EACH ROW EXECUTE FUNCTION omstilling_audit_immutable();
"""
DROP = """
DROP TRIGGER IF EXISTS omstilling_auditentry_immutable ON omstilling_auditentry;
DROP FUNCTION IF EXISTS omstilling_audit_immutable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("omstilling", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
