"""How long applications keep personal data (GDPR art. 5(1)(e)), run by Celery beat and `apply_retention`.

The rules are settings with documented defaults (settings/base.py, printed on /personvern/):

- a draft never submitted is deleted ``RETENTION_DRAFT_DAYS`` after its call's deadline, after an
  e-mail ``RETENTION_DRAFT_WARNING_DAYS`` earlier to the person who started it;
- a rejected or withdrawn application loses its personal data ``RETENTION_ANONYMISE_YEARS`` after the
  decision or the withdrawal: the contact person, the attachments and the contact fields of the frozen
  copy. Its reference, title, organisation, amounts, decision and letters stay: the Archives Act keeps
  case records, and the audit trail is never edited.

Each deletion and anonymisation writes an audit entry; the selectors below say what would go, so a dry
run lists exactly what a real run does.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from omstilling.audit import audit_log
from omstilling.celery import enqueue
from omstilling.policies import system_service

from ..models import Application

ANONYMISED = "—"
# The frozen copy's fields that name or reach a person.
SNAPSHOT_PERSONAL_FIELDS = ("contact_name", "contact_email", "contact_phone")


@dataclass(frozen=True)
class RetentionItem:
    """One thing a retention run does to one application."""

    rule: str  # "draft_warning" | "draft_delete" | "anonymise"
    application_id: int
    reference: str
    title: str
    due: date

    @property
    def label(self):
        return {
            "draft_warning": _("varsel om sletting av utkast"),
            "draft_delete": _("sletting av utkast"),
            "anonymise": _("anonymisering"),
        }[self.rule]


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def drafts_to_delete(today: date) -> QuerySet[Application]:
    """Drafts whose call's deadline passed more than RETENTION_DRAFT_DAYS ago, and whose creator was
    warned at least RETENTION_DRAFT_WARNING_DAYS ago (or has no account left to warn)."""
    cutoff = _start_of(today - timedelta(days=settings.RETENTION_DRAFT_DAYS))
    warned_before = _start_of(today - timedelta(days=settings.RETENTION_DRAFT_WARNING_DAYS) + timedelta(days=1))
    return Application.objects.filter(
        Q(retention_warned_at__lt=warned_before) | Q(created_by__isnull=True) | Q(created_by__is_active=False),
        state=Application.State.DRAFT,
        call__deadline__lt=cutoff,
        submitted_at__isnull=True,
    )


def drafts_to_warn(today: date) -> QuerySet[Application]:
    """Drafts within RETENTION_DRAFT_WARNING_DAYS of deletion (or past it) whose creator is not yet warned."""
    days = settings.RETENTION_DRAFT_DAYS - settings.RETENTION_DRAFT_WARNING_DAYS
    cutoff = _start_of(today - timedelta(days=days))
    return Application.objects.filter(
        state=Application.State.DRAFT,
        call__deadline__lt=cutoff,
        submitted_at__isnull=True,
        retention_warned_at__isnull=True,
        created_by__isnull=False,
        created_by__is_active=True,
    )


def applications_to_anonymise(today: date) -> QuerySet[Application]:
    """Rejected and withdrawn applications decided or withdrawn RETENTION_ANONYMISE_YEARS ago or more."""
    years = settings.RETENTION_ANONYMISE_YEARS
    try:
        cutoff_day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff_day = today.replace(year=today.year - years, day=28)
    cutoff = _start_of(cutoff_day)
    return Application.objects.filter(anonymised_at__isnull=True).filter(
        Q(state=Application.State.REJECTED, decided_at__lt=cutoff)
        | Q(state=Application.State.WITHDRAWN, withdrawn_at__lt=cutoff)
    )


def deletion_day(application: Application, today: date | None = None) -> date:
    """The first day a draft may be deleted: RETENTION_DRAFT_DAYS after its call's deadline, and never
    sooner than RETENTION_DRAFT_WARNING_DAYS after its creator was warned (today, if not yet)."""
    deadline = timezone.localtime(application.call.deadline).date()
    by_rule = deadline + timedelta(days=settings.RETENTION_DRAFT_DAYS + 1)
    if application.retention_warned_at:
        warned = timezone.localtime(application.retention_warned_at).date()
    else:
        warned = today or timezone.localdate()
    return max(by_rule, warned + timedelta(days=settings.RETENTION_DRAFT_WARNING_DAYS))


def retention_plan(today: date) -> list[RetentionItem]:
    """What a retention run on ``today`` does, in the order it does it."""
    items = []
    for app in drafts_to_warn(today).select_related("call"):
        items.append(RetentionItem("draft_warning", app.pk, app.reference, app.title, deletion_day(app, today)))
    for app in drafts_to_delete(today).select_related("call"):
        items.append(RetentionItem("draft_delete", app.pk, app.reference, app.title, today))
    for app in applications_to_anonymise(today):
        items.append(RetentionItem("anonymise", app.pk, app.reference, app.title, today))
    return sorted(items, key=lambda item: (item.rule != "draft_warning", item.application_id))


@system_service
def draft_retention_warn(application: Application, *, today: date) -> bool:
    """Mark the draft as warned and e-mail its creator once the mark is committed; False if already warned."""
    with transaction.atomic():
        locked = drafts_to_warn(today).select_for_update(of=("self",)).filter(pk=application.pk).first()
        if locked is None:
            return False
        # A run "as if today were" another day (the command's --date) records that day.
        locked.retention_warned_at = timezone.now() if today == timezone.localdate() else _start_of(today)
        locked.save(update_fields=["retention_warned_at"])
        audit_log(
            actor=None,
            obj=locked,
            action="retention_draft_warned",
            reason=_("Utkastet slettes %(day)s etter reglene for lagring.") % {"day": deletion_day(locked, today)},
        )
        transaction.on_commit(partial(enqueue, "applications.tasks.draft_retention_warning_notify", locked.pk))
    return True


@system_service
def draft_retention_delete(application: Application, *, today: date) -> bool:
    """Delete a draft past its retention time, its rows and its files; False if it no longer qualifies."""
    with transaction.atomic():
        locked = drafts_to_delete(today).select_for_update(of=("self",)).filter(pk=application.pk).first()
        if locked is None:
            return False
        files = [(a.file.storage, a.file.name) for a in locked.attachments.all()]
        audit_log(
            actor=None,
            obj=locked,
            action="retention_draft_deleted",
            from_state=locked.state,
            reason=_("Utkast som aldri ble sendt inn, slettet %(days)s dager etter søknadsfristen.")
            % {"days": settings.RETENTION_DRAFT_DAYS},
            data={"reference": locked.reference, "attachments": len(files)},
        )
        locked.delete()
        for storage, name in files:
            transaction.on_commit(partial(storage.delete, name))
    return True


@system_service
def application_anonymise(application: Application, *, today: date) -> bool:
    """Remove the personal data of a rejected or withdrawn application past its retention time."""
    with transaction.atomic():
        locked = applications_to_anonymise(today).select_for_update(of=("self",)).filter(pk=application.pk).first()
        if locked is None:
            return False
        files = [(a.file.storage, a.file.name) for a in locked.attachments.all()]
        locked.attachments.all().delete()
        locked.contact_name = ANONYMISED
        locked.contact_email = ""
        locked.contact_phone = ""
        locked.anonymised_at = timezone.now()
        locked.save(update_fields=["contact_name", "contact_email", "contact_phone", "anonymised_at"])
        snapshot = getattr(locked, "snapshot", None)
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
            data={"attachments": len(files)},
        )
        for storage, name in files:
            transaction.on_commit(partial(storage.delete, name))
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
