"""Background work for grants and payouts. Tasks take ids and read the committed rows."""

from functools import partial

from celery import shared_task
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from omstilling.celery import EMAIL_TASK_OPTIONS, send_or_record_refusal
from omstilling.formatting import format_kr, long_date
from omstilling.models import AuditEntry

from . import services
from .models import Grant, Payout


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
    facts = _grant_facts(grant)
    if event == "cancelled":
        facts["reason"] = grant.cancel_reason
        subject = _("Tilsagn %(reference)s er annullert") % facts
        body = _(
            "%(programme)s har annullert tilsagnet %(reference)s til «%(title)s».\n\n"
            "Begrunnelse: %(reason)s\n\n"
            "Utbetalinger som alt er godkjent, blir utbetalt; anmodninger som ikke var behandlet, er avvist."
        )
    elif event == "reduced":
        entry = _latest_entry(grant, "grant:reduced")
        facts["reason"] = entry.reason if entry else ""
        subject = _("Tilsagn %(reference)s er redusert") % facts
        body = _(
            "%(programme)s har redusert tilsagnet %(reference)s til «%(title)s» til %(effective)s "
            "(opprinnelig %(amount)s).\n\n"
            "Begrunnelse: %(reason)s"
        )
    elif event == "lapsed":
        facts["deadline"] = long_date(grant.acceptance_deadline) if grant.acceptance_deadline else ""
        subject = _("Tilsagn %(reference)s er bortfalt") % facts
        body = _(
            "Tilsagnet %(reference)s på %(amount)s til «%(title)s» ble ikke akseptert innen fristen "
            "%(deadline)s og er bortfalt. Midlene går tilbake til %(programme)s."
        )
    else:
        raise ValueError(f"unknown grant event {event!r}")
    return subject, (body % facts) + "\n\n" + _("Dette er en automatisk melding og kan ikke besvares.")


def _payout_message(payout, event):
    facts = {
        **_grant_facts(payout.grant),
        "number": payout.number,
        "payout": format_kr(payout.amount),
    }
    if event == "approved":
        subject = _("Utbetaling nr. %(number)d på tilsagn %(reference)s er godkjent") % facts
        body = _(
            "Anmodningen om utbetaling nr. %(number)d på %(payout)s fra tilsagnet %(reference)s "
            "(«%(title)s») er godkjent. Du får beskjed når beløpet er utbetalt."
        )
    elif event == "rejected":
        facts["reason"] = payout.rejection_reason
        subject = _("Utbetaling nr. %(number)d på tilsagn %(reference)s er avvist") % facts
        body = _(
            "Anmodningen om utbetaling nr. %(number)d på %(payout)s fra tilsagnet %(reference)s "
            "(«%(title)s») er avvist.\n\n"
            "Begrunnelse: %(reason)s"
        )
    elif event == "paid":
        facts["date"] = long_date(payout.paid_at)
        subject = _("Utbetaling nr. %(number)d på tilsagn %(reference)s er utbetalt") % facts
        body = _(
            "%(payout)s fra tilsagnet %(reference)s («%(title)s») ble utbetalt %(date)s "
            "(utbetaling nr. %(number)d)."
        )
    else:
        raise ValueError(f"unknown payout event {event!r}")
    return subject, (body % facts) + "\n\n" + _("Dette er en automatisk melding og kan ikke besvares.")


@shared_task(**EMAIL_TASK_OPTIONS)
def grant_notify(grant_id, event):
    """Tell the applicant that their grant was cancelled, reduced or lapsed."""
    with translation.override(settings.LANGUAGE_CODE):
        grant = Grant.objects.select_related(
            "application__organisation", "application__programme", "accepted_by"
        ).get(pk=grant_id)
        addresses = _addresses(grant, grant.accepted_by)
        if addresses:
            subject, body = _grant_message(grant, event)
            send_or_record_refusal(
                partial(send_mail, subject, body, None, addresses),
                task=grant_notify.name,
                obj=grant,
                recipients=addresses,
            )


@shared_task(**EMAIL_TASK_OPTIONS)
def payout_notify(payout_id, event):
    """Tell the applicant that a payout request was approved, rejected or paid."""
    with translation.override(settings.LANGUAGE_CODE):
        payout = Payout.objects.select_related(
            "grant__application__organisation", "grant__application__programme", "requested_by"
        ).get(pk=payout_id)
        addresses = _addresses(payout.grant, payout.requested_by)
        if addresses:
            subject, body = _payout_message(payout, event)
            send_or_record_refusal(
                partial(send_mail, subject, body, None, addresses),
                task=payout_notify.name,
                obj=payout,
                recipients=addresses,
            )


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def grants_lapse_overdue():
    """Periodic (Celery beat): offers past their acceptance deadline lapse and free their money.

    Returns the references of the grants that lapsed in this run.
    """
    return [grant.reference for grant in services.grants_lapse_overdue()]
