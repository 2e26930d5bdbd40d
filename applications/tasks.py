"""Background work for applications. Tasks take ids and read the committed rows."""

import smtplib
from zoneinfo import ZoneInfo

from celery import shared_task
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from omstilling.models import StaffMembership

from .models import Application

OSLO = ZoneInfo("Europe/Oslo")


def _applicant_addresses(application):
    snapshot = getattr(application, "snapshot", None)
    submitter = snapshot.submitted_by if snapshot else None
    for address in (
        application.contact_email,
        application.organisation.contact_email,
        submitter.email if submitter else "",
    ):
        if address:
            return [address]
    return []


def _staff_addresses(application):
    addresses = list(
        StaffMembership.objects.filter(
            programme=application.programme_id, is_active=True, user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    if not addresses and application.programme.contact_email:
        addresses = [application.programme.contact_email]
    return addresses


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError),
    max_retries=3,
    retry_backoff=60,
    soft_time_limit=60,
    time_limit=90,
)
def application_submitted_notify(application_id):
    """Receipt to the applicant and a notice to the programme's staff that an application came in."""
    application = Application.objects.select_related("programme", "organisation", "call").get(
        pk=application_id
    )
    local = timezone.localtime(application.submitted_at, OSLO)
    facts = {
        "reference": application.reference,
        "title": application.title,
        "organisation": application.organisation.name,
        "programme": application.programme.name,
        "call": application.call.title if application.call else "",
        "submitted": _("%(date)s kl. %(time)s")
        % {"date": date_format(local, "j. F Y"), "time": f"{local:%H:%M}"},
    }

    applicant = _applicant_addresses(application)
    if applicant:
        send_mail(
            _("Kvittering: søknad %(reference)s er mottatt") % facts,
            _(
                "Vi har mottatt søknaden «%(title)s» fra %(organisation)s til %(programme)s.\n\n"
                "Referansenummer: %(reference)s\n"
                "Utlysning: %(call)s\n"
                "Sendt inn: %(submitted)s\n\n"
                "Oppgi referansenummeret når du kontakter oss om søknaden. "
                "Du får beskjed når søknaden er behandlet.\n\n"
                "Dette er en automatisk melding og kan ikke besvares."
            )
            % facts,
            None,
            applicant,
        )

    staff = _staff_addresses(application)
    if staff:
        send_mail(
            _("Ny søknad %(reference)s: %(title)s") % facts,
            _(
                "%(organisation)s har sendt inn søknaden «%(title)s» til %(programme)s.\n\n"
                "Referansenummer: %(reference)s\n"
                "Utlysning: %(call)s\n"
                "Sendt inn: %(submitted)s\n"
            )
            % facts,
            None,
            staff,
        )
