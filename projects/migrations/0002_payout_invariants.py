"""On PostgreSQL the database itself keeps the payout invariants the services enforce.

- The approved and paid payouts of a grant never add up to more than the grant (its amount less
  what was released), whether a payout is approved or the grant is reduced, cancelled or completed.
- A request is approved only while its grant is accepted or active.
- A decided request stays decided: a rejected one is never approved, and an approved or paid one is
  never approved again, re-dated, moved to another grant or changed in amount; it can only be paid.

The payout trigger locks the grant row before it sums, as the services do, so the check holds under
concurrent writes too. Rows inserted directly as approved or paid (imported history, fixtures) are
not workflow moves and are checked only against the sum.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION projects_payout_guard() RETURNS trigger AS $$
DECLARE
    grant_state varchar;
    grant_effective numeric;
    others numeric;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.state = 'rejected' AND NEW.state <> 'rejected' THEN
            RAISE EXCEPTION 'payout %: a rejected request cannot be decided again', OLD.id
                USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.state IN ('approved', 'paid') AND (
            NEW.state NOT IN ('approved', 'paid')
            OR (OLD.state = 'paid' AND NEW.state <> 'paid')
            OR NEW.amount <> OLD.amount
            OR NEW.grant_id <> OLD.grant_id
            OR NEW.approved_at IS DISTINCT FROM OLD.approved_at
        ) THEN
            RAISE EXCEPTION 'payout %: an approved payout is approved once and never changed', OLD.id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    IF NEW.state IN ('approved', 'paid') THEN
        SELECT state, amount - released_amount INTO grant_state, grant_effective
            FROM projects_grant WHERE id = NEW.grant_id FOR UPDATE;
        IF TG_OP = 'UPDATE' AND OLD.state = 'requested' AND grant_state NOT IN ('accepted', 'active') THEN
            RAISE EXCEPTION 'payout %: grant % is %, not accepted or active', NEW.id, NEW.grant_id, grant_state
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT COALESCE(SUM(amount), 0) INTO others FROM projects_payout
            WHERE grant_id = NEW.grant_id AND state IN ('approved', 'paid') AND id <> NEW.id;
        IF others + NEW.amount > grant_effective THEN
            RAISE EXCEPTION 'payouts of grant % would exceed the grant (% > %)',
                NEW.grant_id, others + NEW.amount, grant_effective
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER projects_payout_guard
    BEFORE INSERT OR UPDATE ON projects_payout
    FOR EACH ROW EXECUTE FUNCTION projects_payout_guard();

CREATE OR REPLACE FUNCTION projects_grant_covers_payouts() RETURNS trigger AS $$
DECLARE
    committed numeric;
BEGIN
    SELECT COALESCE(SUM(amount), 0) INTO committed FROM projects_payout
        WHERE grant_id = NEW.id AND state IN ('approved', 'paid');
    IF committed > NEW.amount - NEW.released_amount THEN
        RAISE EXCEPTION 'grant %: % approved or paid, more than the grant of %',
            NEW.id, committed, NEW.amount - NEW.released_amount
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER projects_grant_covers_payouts
    BEFORE UPDATE OF amount, released_amount ON projects_grant
    FOR EACH ROW EXECUTE FUNCTION projects_grant_covers_payouts();
"""
DROP = """
DROP TRIGGER IF EXISTS projects_grant_covers_payouts ON projects_grant;
DROP FUNCTION IF EXISTS projects_grant_covers_payouts();
DROP TRIGGER IF EXISTS projects_payout_guard ON projects_payout;
DROP FUNCTION IF EXISTS projects_payout_guard();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
