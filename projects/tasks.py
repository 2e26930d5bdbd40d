"""Background work for grants and payouts. Tasks take ids and read the committed rows."""

from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import translation
from django.utils.translation import gettext as _

from omstilling.celery import EMAIL_TASK_OPTIONS
from omstilling.formatting import format_kr, long_date
from omstilling.mail import send_templated
from omstilling.models import AuditEntry

from . import selectors, services
from .models import DeadlineExtension, Grant, Payout
from .services import deadlines


def _addresses(grant, *people):
    """The applicant's contact: the application's contact person, the organisation, or whoever
    acted for it on this grant."""
    application = grant.application
    for address in (
        application.contact_email,
        application.organisation.contact_email,
        *(person.email for person in people if person is not None),
    ):
        if address:
            return [address]
    return []


def _latest_entry(obj, action):
    return (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk), action=action
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def _grant_facts(grant):
    application = grant.application
    return {
        "reference": grant.reference,
        "title": application.title,
        "programme": application.programme.name,
        "amount": format_kr(grant.amount),
        "effective": format_kr(grant.effective_amount),
    }


def _grant_message(grant, event):
    """The template, subject and context of the e-mail telling the applicant about ``event``."""
    facts = _grant_facts(grant)
    if event == "cancelled":
        facts["reason"] = grant.cancel_reason
        subject = _("Tilsagn %(reference)s er annullert") % facts
    elif event == "reduced":
        entry = _latest_entry(grant, "grant:reduced")
        facts["reason"] = entry.reason if entry else ""
        subject = _("Tilsagn %(reference)s er redusert") % facts
    elif event == "lapsed":
        facts["deadline"] = long_date(grant.acceptance_deadline) if grant.acceptance_deadline else ""
        subject = _("Tilsagn %(reference)s er bortfalt") % facts
    elif event.startswith("reminder_"):
        return _reminder_message(grant, event.removeprefix("reminder_"), facts)
    elif event in ("extension_granted", "extension_refused"):
        return _extension_message(grant, event, facts)
    elif event == "closed":
        entry = _latest_entry(grant, "state:completed")
        facts["reason"] = entry.reason if entry else ""
        facts["deadline"] = long_date(grant.final_report_deadline)
        facts["released"] = format_kr(grant.released_amount)
        subject = _("Tilsagn %(reference)s er avsluttet etter fristen") % facts
    else:
        raise ValueError(f"unknown grant event {event!r}")
    return f"grant_{event}", subject, facts


def _reminder_message(grant, kind, facts):
    facts["deadline"] = long_date(grant.final_report_deadline)
    facts["passed"] = kind == "passed"
    # The days actually left: a reminder sent late says so.
    facts["days"] = selectors.days_to_deadline(grant)
    if facts["passed"]:
        subject = _("Fristen for sluttrapport på tilsagn %(reference)s er ute") % facts
    else:
        subject = _("Påminnelse: sluttrapport på tilsagn %(reference)s innen %(deadline)s") % facts
    return "grant_deadline_reminder", subject, facts


def _extension_message(grant, event, facts):
    extension = (
        grant.deadline_extensions.exclude(state=DeadlineExtension.State.REQUESTED)
        .order_by("-decided_at", "-pk")
        .first()
    )
    facts["deadline"] = long_date(grant.final_report_deadline)
    facts["requested"] = long_date(extension.requested_deadline)
    facts["note"] = extension.decision_note
    if event == "extension_granted":
        subject = _("Tilsagn %(reference)s: ny frist %(deadline)s") % facts
    else:
        subject = _("Tilsagn %(reference)s: søknaden om lengre frist er avslått") % facts
    return f"grant_{event}", subject, facts


def _payout_message(payout, event):
    """The template, subject and context of the e-mail telling the applicant about ``event``."""
    facts = {
        **_grant_facts(payout.grant),
        "number": payout.number,
        "payout": format_kr(payout.amount),
    }
    if event == "approved":
        subject = _("Utbetaling nr. %(number)d på tilsagn %(reference)s er godkjent") % facts
    elif event == "rejected":
        facts["reason"] = payout.rejection_reason
        subject = _("Utbetaling nr. %(number)d på tilsagn %(reference)s er avvist") % facts
    elif event == "paid":
        facts["date"] = long_date(payout.paid_at)
        subject = _("Utbetaling nr. %(number)d på tilsagn %(reference)s er utbetalt") % facts
    else:
        raise ValueError(f"unknown payout event {event!r}")
    return f"payout_{event}", subject, facts


@shared_task(**EMAIL_TASK_OPTIONS)
def grant_notify(grant_id, event):
    """Tell the applicant that their grant was cancelled, reduced, lapsed or closed after its
    deadline, remind her of the final report deadline, or give her the answer on a later deadline."""
    with translation.override(settings.LANGUAGE_CODE):
        grant = Grant.objects.select_related(
            "application__organisation", "application__programme", "accepted_by"
        ).get(pk=grant_id)
        addresses = _addresses(grant, grant.accepted_by)
        if addresses:
            template, subject, facts = _grant_message(grant, event)
            send_templated(template, facts, subject=subject, to=addresses, task=grant_notify.name, obj=grant)


@shared_task(**EMAIL_TASK_OPTIONS)
def payout_notify(payout_id, event):
    """Tell the applicant that a payout request was approved, rejected or paid."""
    with translation.override(settings.LANGUAGE_CODE):
        payout = Payout.objects.select_related(
            "grant__application__organisation", "grant__application__programme", "requested_by"
        ).get(pk=payout_id)
        addresses = _addresses(payout.grant, payout.requested_by)
        if addresses:
            template, subject, facts = _payout_message(payout, event)
            send_templated(
                template, facts, subject=subject, to=addresses, task=payout_notify.name, obj=payout
            )


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def grants_lapse_overdue():
    """Periodic (Celery beat): offers past their acceptance deadline lapse and free their money.

    Returns the references of the grants that lapsed in this run.
    """
    return [grant.reference for grant in services.grants_lapse_overdue()]


# A person's own data and the retention rules (projects.services.privacy) ---------------------------


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def personal_data_export_build(export_id):
    """Build the ZIP of everything held about the person who ordered it."""
    from .services.privacy import personal_data_export_build as build

    return build(export_id).state


@shared_task(acks_late=True, soft_time_limit=1800, time_limit=1900)
def retention_apply():
    """Periodic (Celery beat, daily): the retention rules; returns what was done, one line each."""
    from .services.privacy import retention_apply as apply

    return [f"{item.rule} {item.reference}" for item in apply()]


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def grant_deadline_reminders():
    """Periodic (Celery beat): remind grant holders of their final report deadline, 60 and 14 days
    before it and once it has passed, each once. Returns ``reference:kind`` of the reminders sent."""
    return [
        f"{reminder.grant.reference}:{reminder.kind}"
        for reminder in deadlines.grant_deadline_reminders_send()
    ]
