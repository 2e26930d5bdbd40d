"""How long applications keep personal data (GDPR art. 5(1)(e)), run by Celery beat and `apply_retention`.

The rules are settings with documented defaults (settings/base.py, printed on /personvern/):

- a draft never submitted is deleted ``RETENTION_DRAFT_DAYS`` after its call's deadline, after an
  e-mail ``RETENTION_DRAFT_WARNING_DAYS`` earlier to the person who started it;
- a rejected or withdrawn application loses its personal data ``RETENTION_ANONYMISE_YEARS`` after the
  decision or the withdrawal: the contact person, the attachments and the contact fields of the frozen
  copy. Its reference, title, organisation, amounts, decision and letters stay: the Archives Act keeps
  case records, and the audit trail is never edited.

Each deletion and anonymisation writes an audit entry; the selectors (``applications.selectors``,
"Retention") say what would go, so a dry run lists exactly what a real run does.
"""

from datetime import date
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omstilling.audit import audit_log
from omstilling.celery import enqueue
from omstilling.policies import system_service

from ..models import Application
from ..selectors import (
    RetentionItem,
    applications_to_anonymise,
    deletion_day,
    drafts_to_delete,
    drafts_to_warn,
    retention_plan,
    start_of_day,
)

ANONYMISED = "—"
# The fields that name or reach a person, on the application and in its frozen copy.
SNAPSHOT_PERSONAL_FIELDS = ("contact_name", "contact_email", "contact_phone")


@system_service
def draft_retention_warn(application: Application, *, today: date) -> bool:
    """Mark the draft as warned and e-mail its creator once the mark is committed; False if already warned."""
    with transaction.atomic():
        locked = drafts_to_warn(today).select_for_update(of=("self",)).filter(pk=application.pk).first()
        if locked is None:
            return False
        # A run "as if today were" another day (the command's --date) records that day.
        locked.retention_warned_at = timezone.now() if today == timezone.localdate() else start_of_day(today)
        locked.save(update_fields=["retention_warned_at"])
        audit_log(
            actor=None,
            obj=locked,
            action="retention_draft_warned",
            reason=_("Utkastet slettes %(day)s etter reglene for lagring.")
            % {"day": deletion_day(locked, today)},
        )
        transaction.on_commit(
            partial(enqueue, "applications.tasks.draft_retention_warning_notify", locked.pk)
        )
    return True


@system_service
def draft_retention_delete(application: Application, *, today: date) -> bool:
    """Delete a draft past its retention time, its rows and its files; False if it no longer qualifies."""
    with transaction.atomic():
        locked = drafts_to_delete(today).select_for_update(of=("self",)).filter(pk=application.pk).first()
        if locked is None:
            return False
        # The stored files go with their rows once the deletion is committed (omstilling.files).
        attachment_count = locked.attachments.count()
        audit_log(
            actor=None,
            obj=locked,
            action="retention_draft_deleted",
            from_state=locked.state,
            reason=_("Utkast som aldri ble sendt inn, slettet %(days)s dager etter søknadsfristen.")
            % {"days": settings.RETENTION_DRAFT_DAYS},
            data={"reference": locked.reference, "attachments": attachment_count},
        )
        locked.delete()
    return True


@system_service
def application_anonymise(application: Application, *, today: date) -> bool:
    """Remove the personal data of a rejected or withdrawn application past its retention time."""
    with transaction.atomic():
        locked = (
            applications_to_anonymise(today).select_for_update(of=("self",)).filter(pk=application.pk).first()
        )
        if locked is None:
            return False
        # The stored files go with their rows once the deletion is committed (omstilling.files).
        attachment_count = locked.attachments.count()
        locked.attachments.all().delete()
        # An appeal's reasons are the applicant's own words; the appeal (its dates and outcome) stays.
        appeals = locked.appeals.update(reasons=ANONYMISED)
        for key in SNAPSHOT_PERSONAL_FIELDS:
            setattr(locked, key, ANONYMISED if key == "contact_name" else "")
        locked.anonymised_at = timezone.now()
        locked.save(update_fields=[*SNAPSHOT_PERSONAL_FIELDS, "anonymised_at"])
        snapshot = getattr(locked, "snapshot", None)
        # The applicant's PDF of what she submitted holds the same personal data: it goes too (she
        # may order a new one, built from the anonymised frozen copy).
        copy = getattr(snapshot, "pdf", None) if snapshot is not None else None
        if copy is not None:
            copy.delete()
        if snapshot is not None:
            data = dict(snapshot.data)
            row = dict(data.get("application", {}))
            for key in SNAPSHOT_PERSONAL_FIELDS:
                if key in row:
                    row[key] = ANONYMISED if key == "contact_name" else ""
            data["application"] = row
            data["attachments"] = []
            snapshot.data = data
            snapshot.save(update_fields=["data"])
        audit_log(
            actor=None,
            obj=locked,
            action="retention_anonymised",
            reason=_("Personopplysninger fjernet %(years)s år etter vedtaket eller tilbaketrekningen.")
            % {"years": settings.RETENTION_ANONYMISE_YEARS},
            data={"attachments": attachment_count, "application_pdf": copy is not None, "appeals": appeals},
        )
    return True


RULES = {
    "draft_warning": draft_retention_warn,
    "draft_delete": draft_retention_delete,
    "anonymise": application_anonymise,
}


@system_service
def applications_retention_apply(*, today: date) -> list[RetentionItem]:
    """Carry out the plan for ``today``, each item in its own transaction; return the items done.

    Safe to run twice at once: each service re-checks its rule on the locked row.
    """
    done = []
    for item in retention_plan(today):
        application = Application(pk=item.application_id)
        if RULES[item.rule](application, today=today):
            done.append(item)
    return done
