"""The retention rules (personvern): old drafts warned and deleted, old rejected and withdrawn
applications anonymised, through the Celery beat task and the ``apply_retention`` command."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from applications.models import Application, ApplicationSnapshot
from omstilling.celery import registered_task
from omstilling.models import AuditEntry
from tests.factories import ApplicationFactory
from tests.portal.conftest import make_draft

from .conftest import attach, closed_call


def run_beat_task(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return registered_task("projects.tasks.retention_apply").delay().get()


def test_the_dry_run_lists_the_old_draft_and_changes_nothing(old_draft):
    file_name = old_draft.attachments.get().file.name
    storage = old_draft.attachments.get().file.storage
    audit = AuditEntry.objects.count()
    out = _command("--dry-run")
    assert old_draft.reference in out
    assert "varsel om sletting av utkast" in out
    assert "Prøvekjøring: 1 tiltak" in out
    old_draft.refresh_from_db()
    assert old_draft.retention_warned_at is None
    assert storage.exists(file_name)
    assert AuditEntry.objects.count() == audit
    assert mail.outbox == []


def test_a_draft_long_past_its_call_is_deleted_only_when_its_creator_was_warned_in_time(
    old_draft, django_capture_on_commit_callbacks
):
    attachment = old_draft.attachments.get()
    storage, name = attachment.file.storage, attachment.file.name
    # The beat task warns first, even though 180 days have passed: nobody loses a draft unwarned.
    assert run_beat_task(django_capture_on_commit_callbacks) == [f"draft_warning {old_draft.reference}"]
    assert len(mail.outbox) == 1 and Application.objects.filter(pk=old_draft.pk).exists()
    in_29_days = (timezone.localdate() + dt.timedelta(days=29)).isoformat()
    in_30_days = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert "0 tiltak utført" in _command("--date", in_29_days)
    with django_capture_on_commit_callbacks(execute=True):
        out = _command("--date", in_30_days)
    assert f"{old_draft.reference}  sletting av utkast" in out
    assert not Application.objects.filter(pk=old_draft.pk).exists()
    assert not storage.exists(name)
    entry = AuditEntry.objects.get(action="retention_draft_deleted", object_id=str(old_draft.pk))
    assert entry.actor is None and entry.data["attachments"] == 1
    assert len(mail.outbox) == 1


def test_the_creator_of_a_draft_is_warned_once_before_it_is_deleted(
    programme, focus_area, organisation, applicant, django_capture_on_commit_callbacks
):
    # Deleted 180 days after the deadline, warned 30 days before: 160 days after is inside the warning.
    draft = make_draft(closed_call(programme, focus_area, 160), organisation, applicant, title="Nesten glemt")
    run_beat_task(django_capture_on_commit_callbacks)
    run_beat_task(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [applicant.email]
    assert draft.reference in message.subject
    assert "Nesten glemt" in message.body and "180 dager" in message.body
    draft.refresh_from_db()
    assert draft.retention_warned_at is not None and draft.state == Application.State.DRAFT
    assert AuditEntry.objects.filter(action="retention_draft_warned", object_id=str(draft.pk)).count() == 1


def test_a_recent_draft_and_a_submitted_application_are_left_alone(
    programme, focus_area, organisation, applicant, django_capture_on_commit_callbacks
):
    recent = make_draft(closed_call(programme, focus_area, 20), organisation, applicant)
    submitted = make_draft(
        closed_call(programme, focus_area, 400),
        organisation,
        applicant,
        state=Application.State.SUBMITTED,
        submitted_at=timezone.now() - dt.timedelta(days=460),
    )
    assert run_beat_task(django_capture_on_commit_callbacks) == []
    assert Application.objects.filter(pk__in=[recent.pk, submitted.pk]).count() == 2
    assert mail.outbox == []


@override_settings(RETENTION_DRAFT_DAYS=10, RETENTION_DRAFT_WARNING_DAYS=5)
def test_the_rule_is_the_setting(programme, focus_area, organisation, applicant, client):
    draft = make_draft(closed_call(programme, focus_area, 12), organisation, applicant)
    assert draft.reference in _command("--dry-run")
    # The privacy statement promises the same numbers.
    page = client.get("/personvern/").content.decode()
    assert "slettes med vedlegg 10 dager etter søknadsfristen" in page
    assert "får e-post 5 dager før" in page


def _decided(programme, focus_area, organisation, state, years_ago, **fields):
    moment = timezone.now() - dt.timedelta(days=int(365.25 * years_ago))
    stamp = {"decided_at": moment} if state == Application.State.REJECTED else {"withdrawn_at": moment}
    application = ApplicationFactory(
        programme=programme,
        organisation=organisation,
        focus_area=focus_area,
        state=state,
        submitted_at=moment - dt.timedelta(days=60),
        contact_name="Kari Nordmann",
        contact_email="kari@bedrift.no",
        contact_phone="+47 900 00 000",
        **stamp,
        **fields,
    )
    ApplicationSnapshot.objects.create(
        application=application,
        submitted_at=application.submitted_at,
        data={
            "application": {
                "title": application.title,
                "contact_name": "Kari Nordmann",
                "contact_email": "kari@bedrift.no",
                "contact_phone": "+47 900 00 000",
            },
            "attachments": [{"original_name": "cv.pdf"}],
        },
    )
    attach(application)
    return application


def test_a_rejected_application_loses_its_personal_data_after_five_years_and_keeps_the_decision(
    programme, focus_area, organisation, django_capture_on_commit_callbacks
):
    old = _decided(programme, focus_area, organisation, Application.State.REJECTED, 6, title="Gammelt avslag")
    withdrawn = _decided(programme, focus_area, organisation, Application.State.WITHDRAWN, 5.5)
    recent = _decided(programme, focus_area, organisation, Application.State.REJECTED, 2)
    name = old.attachments.get().file.name
    storage = old.attachments.get().file.storage

    done = run_beat_task(django_capture_on_commit_callbacks)

    assert sorted(done) == sorted([f"anonymise {old.reference}", f"anonymise {withdrawn.reference}"])
    old.refresh_from_db()
    assert (old.contact_name, old.contact_email, old.contact_phone) == ("—", "", "")
    assert old.anonymised_at is not None
    assert old.title == "Gammelt avslag" and old.state == Application.State.REJECTED
    assert not old.attachments.exists() and not storage.exists(name)
    snapshot = old.snapshot
    snapshot.refresh_from_db()
    assert "Kari" not in str(snapshot.data) and "kari@bedrift.no" not in str(snapshot.data)
    assert snapshot.data["application"]["title"] == "Gammelt avslag"
    assert AuditEntry.objects.filter(action="retention_anonymised", object_id=str(old.pk)).exists()
    recent.refresh_from_db()
    assert recent.contact_name == "Kari Nordmann" and recent.attachments.exists()
    assert run_beat_task(django_capture_on_commit_callbacks) == []


def test_an_approved_application_is_never_anonymised(
    programme, focus_area, organisation, django_capture_on_commit_callbacks
):
    approved = _decided(programme, focus_area, organisation, Application.State.REJECTED, 9)
    Application.objects.filter(pk=approved.pk).update(state=Application.State.APPROVED)
    assert run_beat_task(django_capture_on_commit_callbacks) == []


def test_the_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Ugyldig dato"):
        _command("--dry-run", "--date", "2026-13-01")


def _command(*args):
    from io import StringIO

    out = StringIO()
    call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def test_an_appeal_on_an_anonymised_rejection_keeps_its_dates_and_outcome_but_not_its_words(
    programme, focus_area, organisation, applicant, django_capture_on_commit_callbacks
):
    from applications.models import Appeal, Decision

    old = _decided(programme, focus_area, organisation, Application.State.REJECTED, 6, title="Gammelt avslag")
    decision = Decision.objects.create(
        application=old, outcome=Decision.Outcome.REJECTED, decided_at=old.decided_at
    )
    appeal = Appeal.objects.create(
        application=old,
        decision=decision,
        reasons="Kari Nordmann var syk da søknaden ble skrevet.",
        lodged_by=applicant,
        lodged_at=old.decided_at,
        deadline=old.decided_at.date(),
        state=Appeal.State.FORWARDED,
        resolved_at=old.decided_at,
        forwarded_to="kommunens klagenemnd",
    )

    run_beat_task(django_capture_on_commit_callbacks)

    appeal.refresh_from_db()
    assert appeal.reasons == "—"
    assert (appeal.state, appeal.forwarded_to) == (Appeal.State.FORWARDED, "kommunens klagenemnd")
    entry = AuditEntry.objects.get(action="retention_anonymised", object_id=str(old.pk))
    assert entry.data["appeals"] == 1
