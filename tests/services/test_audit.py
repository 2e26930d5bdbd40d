import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from applications.models import Application
from omstilling.audit import audit_log, full_clean_or_refuse, transition
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry
from projects.models import Grant
from tests.factories import ApplicationFactory, GrantFactory, UserFactory


@pytest.fixture
def entry(db):
    actor = UserFactory(email="leder@program.no", full_name="Programleder")
    transition(ApplicationFactory(), Application.State.SUBMITTED, actor=actor)
    return AuditEntry.objects.get()


def test_transition_writes_who_what_from_to_and_why(entry):
    assert entry.actor.email == entry.actor_label == "leder@program.no"
    assert (entry.action, entry.from_state, entry.to_state) == ("state:submitted", "draft", "submitted")
    assert entry.programme_id == Application.objects.get().programme_id
    assert entry.created_at is not None


@pytest.mark.django_db
def test_an_illegal_transition_writes_nothing_and_keeps_the_state():
    application = ApplicationFactory(state=Application.State.WITHDRAWN)

    with pytest.raises(ServiceError, match="kan ikke gå fra «Trukket» til «Innvilget»"):
        transition(application, Application.State.APPROVED, actor=None)

    assert application.state == Application.State.WITHDRAWN
    assert Application.objects.get().state == Application.State.WITHDRAWN
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_a_transition_to_an_invalid_row_is_refused_and_not_saved():
    grant = GrantFactory(state=Grant.State.ACCEPTED)
    grant.released_amount = grant.amount + 1

    with pytest.raises(ServiceError):
        transition(grant, Grant.State.CANCELLED, actor=None, extra_fields=["released_amount"])

    assert grant.state == Grant.State.ACCEPTED
    assert Grant.objects.get().state == Grant.State.ACCEPTED
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_the_system_is_named_when_there_is_no_person():
    grant = GrantFactory()
    entry = audit_log(actor=None, obj=grant, action="state:lapsed", reason="Fristen gikk ut.")
    assert (entry.actor, entry.actor_label, entry.programme_id) == (
        None,
        "system",
        grant.application.programme_id,
    )


def test_an_entry_cannot_be_saved_again(entry):
    entry.reason = "Omskrevet i ettertid."
    with pytest.raises(ValidationError):
        entry.save()
    assert AuditEntry.objects.get().reason == ""


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(ValidationError):
        entry.delete()
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE omstilling_auditentry SET reason = 'Omskrevet' WHERE id = %s",
        "DELETE FROM omstilling_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(entry, sql):
    assert connection.vendor == "postgresql"
    # A savepoint, so that the failed statement does not poison the test's transaction.
    with (
        pytest.raises(DatabaseError, match="audit log entries are immutable"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get().reason == ""


def test_the_database_refuses_queryset_updates_and_deletes_that_bypass_the_model(entry):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(reason="Omskrevet")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.filter(pk=entry.pk, reason="").exists()


@pytest.mark.django_db(transaction=True)
def test_the_trigger_holds_for_a_committed_entry_outside_any_test_transaction():
    grant = GrantFactory()
    entry = audit_log(actor=None, obj=grant, action="note")

    with pytest.raises(DatabaseError, match="immutable"), connection.cursor() as cursor:
        cursor.execute("UPDATE omstilling_auditentry SET action = 'x' WHERE id = %s", [entry.pk])

    assert AuditEntry.objects.get(pk=entry.pk).action == "note"


@pytest.mark.django_db
def test_full_clean_or_refuse_names_the_field_and_the_rule():
    application = ApplicationFactory()
    application.category = "hurtigprosjekt"

    with pytest.raises(ServiceError) as refused:
        full_clean_or_refuse(application)

    assert refused.value.field == "category"
    assert "hurtigprosjekt" in refused.value.message
