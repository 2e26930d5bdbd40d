"""Background work for applications. Tasks take ids and read the committed rows."""

import smtplib

from celery import shared_task
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from omstilling.celery import EMAIL_TASK_OPTIONS
from omstilling.formatting import format_kr, long_date, oslo_moment
from omstilling.mail import send_templated
from omstilling.models import StaffMembership

from .board.decisions import letter_issue
from .board.letters import (
    appeal_forwarded_letter_pdf,
    grant_letter_pdf,
    minutes_pdf,
    original_decision,
    rejection_letter_pdf,
)
from .models import (
    Application,
    ApplicationCopy,
    BoardMeeting,
    Decision,
    Letter,
    OrganisationJoinRequest,
    OrganisationMembership,
)
from .selectors import receipt_addresses
from .services.copies import application_copy_build
from .services.receipts import receipt_send_once
from .services.receipts import receipts_resend_unsent as receipts_resend_unsent_service


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


@shared_task(**EMAIL_TASK_OPTIONS)
def application_submitted_notify(application_id):
    """Receipt to the applicant and a notice to the programme's staff that an application came in.

    Sends once: the row records when they went out (``Application.receipt_sent_at``), and a task for
    an application already marked — a duplicate, or one the resend enqueued while the first was
    late — does nothing. See ``services.receipts.receipt_send_once`` for the lock and the small window in
    which an e-mail can go out twice. A receipt the mail server refuses for good (the applicant's
    address does not exist) is recorded on the row instead and not retried; the staff notice still
    goes out. Returns whether it sent the receipt."""
    return receipt_send_once(application_id, send=_send_submission_emails)


def _send_submission_emails(application):
    """Send the receipt and the staff notice; return the mail server's reply if it refused the
    receipt for good, else None."""
    task = application_submitted_notify.name
    facts = {
        "reference": application.reference,
        "title": application.title,
        "organisation": application.organisation.name,
        "programme": application.programme.name,
        "call": application.call.title if application.call else "",
        "submitted": oslo_moment(application.submitted_at),
    }

    refused = None
    applicant = receipt_addresses(application)
    if applicant:
        refused = send_templated(
            "application_receipt",
            facts,
            subject=_("Kvittering: søknad %(reference)s er mottatt") % facts,
            to=applicant,
            task=task,
            obj=application,
        )

    staff = _staff_addresses(application)
    if staff:
        # A refused staff address is logged and audited; the receipt itself went out.
        send_templated(
            "application_staff_notice",
            facts,
            subject=_("Ny søknad %(reference)s: %(title)s") % facts,
            to=staff,
            task=task,
            obj=application,
        )
    return refused


@shared_task(ignore_result=True)
def receipts_resend_unsent():
    """Periodic (settings.CELERY_BEAT_SCHEDULE): enqueue the notify task again for submitted
    applications whose receipt is still unsent five minutes after the submit (the broker was down,
    Redis lost the message, the task gave up); see ``services.receipts.receipts_resend_unsent``."""
    return receipts_resend_unsent_service()


@shared_task(**EMAIL_TASK_OPTIONS)
def organisation_join_requested_notify(join_request_id):
    """Tell an organisation's administrators that someone asks to act for it."""

    join_request = OrganisationJoinRequest.objects.select_related("organisation", "user").get(
        pk=join_request_id
    )
    admins = list(
        OrganisationMembership.objects.filter(
            organisation=join_request.organisation_id,
            role=OrganisationMembership.Role.ADMIN,
            user__is_active=True,
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
    if not admins:
        return
    facts = {"organisation": join_request.organisation.name, "user": join_request.user.email}
    send_templated(
        "organisation_join_request",
        facts,
        subject=_("%(user)s ber om tilgang til %(organisation)s") % facts,
        to=admins,
        task=organisation_join_requested_notify.name,
        obj=join_request,
    )


# The board's letters ----------------------------------------------------------------------------


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, OSError),
    max_retries=3,
    retry_backoff=60,
    soft_time_limit=120,
    time_limit=150,
)
def decision_letter_build(decision_id):
    """Build the tilsagnsbrev or avslagsbrev for a decision and e-mail it to the applicant.

    Safe to run again: a letter already issued for the decision is reused, not made twice.
    """

    with translation.override(settings.LANGUAGE_CODE):
        decision = Decision.objects.select_related(
            "application__organisation",
            "application__programme",
            "case__meeting",
            "case__appeal__decision",
            "corrects",
        ).get(pk=decision_id)
        approved = decision.outcome == Decision.Outcome.APPROVED
        kind = Letter.Kind.GRANT_LETTER if approved else Letter.Kind.REJECTION_LETTER
        letter = Letter.objects.filter(decision=decision, kind=kind).first()
        if letter is None:
            content = grant_letter_pdf(decision) if approved else rejection_letter_pdf(decision)
            letter = letter_issue(kind, content, decision=decision)
        else:
            with letter.file.open("rb") as stored:
                content = stored.read()

        application = decision.application
        addresses = receipt_addresses(application)
        if not addresses:
            return letter.pk
        facts = {
            "reference": application.reference,
            "title": application.title,
            "programme": application.programme.name,
            "date": long_date(decision.decided_at),
        }
        appeal = decision.case.appeal if decision.case_id and decision.case.appeal_id else None
        if approved and appeal is not None:
            grant = decision.grant
            old_grant = getattr(appeal.decision, "grant", None)
            facts.update(
                amount=format_kr(grant.amount),
                deadline=long_date(grant.acceptance_deadline),
                lodged=long_date(appeal.lodged_at),
                old_date=long_date(original_decision(appeal.decision).decided_at),
                reason=decision.reason,
                grant_reference=grant.reference,
                old_grant_reference=old_grant.reference if old_grant else "",
                old_amount=format_kr(appeal.decision.amount),
            )
            template = "appeal_reversed"
            subject = _("Styret har omgjort vedtaket etter klagen i sak %(reference)s") % facts
        elif approved and decision.corrects_id:
            grant = decision.grant
            old = decision.corrects
            old_grant = getattr(old, "grant", None)
            # A new decision of the board itself (omgjøring), not the programme leader's correction.
            reconsidered = bool(decision.case_id)
            facts.update(
                amount=format_kr(grant.amount),
                deadline=long_date(grant.acceptance_deadline),
                # The board's own decision, as the letter names it, even after several corrections.
                old_date=long_date(original_decision(decision).decided_at),
                old_amount=format_kr(old.amount),
                grant_reference=grant.reference,
                old_grant_reference=old_grant.reference if old_grant else "",
                reason=decision.reason,
                reconsidered=reconsidered,
            )
            template = "decision_changed"
            if reconsidered:
                subject = _("Endret tilsagn: søknad %(reference)s") % facts
            else:
                subject = _("Rettet tilsagn: søknad %(reference)s") % facts
        elif approved:
            grant = decision.grant
            facts.update(amount=format_kr(grant.amount), deadline=long_date(grant.acceptance_deadline))
            template = "decision_granted"
            subject = _("Tilsagn: søknad %(reference)s er innvilget") % facts
        else:
            template = "decision_rejected"
            subject = _("Svar på søknad %(reference)s") % facts
        # A refusal for good is logged and audited on the decision; the letter stays in the portal.
        send_templated(
            template,
            facts,
            subject=subject,
            to=addresses,
            task=decision_letter_build.name,
            obj=decision,
            attachments=[(f"{kind}-{application.reference}.pdf", content, "application/pdf")],
        )
    return letter.pk


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=3, retry_backoff=60, soft_time_limit=300)
def meeting_minutes_build(meeting_id):
    """Write the møtebok of a closed meeting (once)."""

    with translation.override(settings.LANGUAGE_CODE):
        meeting = BoardMeeting.objects.select_related("programme").get(pk=meeting_id)
        letter = Letter.objects.filter(meeting=meeting, kind=Letter.Kind.MINUTES).first()
        if letter is None:
            letter = letter_issue(Letter.Kind.MINUTES, minutes_pdf(meeting), meeting=meeting)
    return letter.pk


# Retention -----------------------------------------------------------------------------------------


@shared_task(**EMAIL_TASK_OPTIONS)
def draft_retention_warning_notify(application_id):
    """Tell the person who started a draft that it will be deleted, and how to keep it (submit it)."""
    from .selectors import deletion_day

    application = (
        Application.objects.select_related("call", "programme", "created_by")
        .filter(pk=application_id, state=Application.State.DRAFT, created_by__isnull=False)
        .first()
    )
    if application is None:
        return
    facts = {
        "reference": application.reference,
        "title": application.title,
        "programme": application.programme.name,
        "call": application.call.title,
        "day": long_date(deletion_day(application)),
        "days": settings.RETENTION_DRAFT_DAYS,
    }
    send_templated(
        "draft_retention_warning",
        facts,
        subject=_("Utkastet %(reference)s slettes %(day)s") % facts,
        to=[application.created_by.email],
        task=draft_retention_warning_notify.name,
        obj=application,
    )


# Written exchanges on a case -------------------------------------------------------------------------


def _applicant_addresses(application):
    """The people who act for the applicant, and the application's contact."""
    addresses = set(
        OrganisationMembership.objects.filter(
            organisation=application.organisation_id, user__is_active=True
        ).values_list("user__email", flat=True)
    )
    if application.contact_email:
        addresses.add(application.contact_email)
    return sorted(addresses)


@shared_task(**EMAIL_TASK_OPTIONS)
def case_message_notify(message_id):
    """A message on a case goes by e-mail to the other side: staff → applicant, applicant → staff."""
    from .models import CaseMessage

    message = CaseMessage.objects.select_related("application__programme", "author").get(pk=message_id)
    application = message.application
    to = _applicant_addresses(application) if message.from_staff else _staff_addresses(application)
    if not to:
        return
    facts = {
        "reference": application.reference,
        "title": application.title,
        "programme": application.programme.name,
        "author": message.author.get_full_name(),
        "body": message.body,
    }
    send_templated(
        "case_message",
        facts,
        subject=_("Ny melding i sak %(reference)s: %(title)s") % facts,
        to=to,
        task=case_message_notify.name,
        obj=application,
    )


@shared_task(**EMAIL_TASK_OPTIONS)
def supplement_notify(request_id, event):
    """A request for more information goes to the applicant; her answer goes to the programme."""
    from .models import SupplementRequest

    supplement = SupplementRequest.objects.select_related("application__programme").get(pk=request_id)
    application = supplement.application
    facts = {
        "reference": application.reference,
        "title": application.title,
        "programme": application.programme.name,
        "message": supplement.message,
        "deadline": long_date(supplement.reply_deadline),
        "answer": supplement.answer,
        "files": supplement.attachments.count(),
    }
    if event == "requested":
        to = _applicant_addresses(application)
        subject = _("Programmet ber om mer informasjon i sak %(reference)s (svarfrist %(deadline)s)") % facts
        name = "supplement_requested"
    else:
        to = _staff_addresses(application)
        subject = _("Søkeren har ettersendt informasjon i sak %(reference)s") % facts
        name = "supplement_answered"
    if to:
        send_templated(name, facts, subject=subject, to=to, task=supplement_notify.name, obj=application)


@shared_task(acks_late=True, soft_time_limit=120, time_limit=150)
def build_application_copy(copy_id):
    """Build the applicant's PDF of her application as submitted (from the frozen copy).

    A failure is recorded on the row with its reason (not retried here: the applicant orders it again);
    a second delivery finds the row done and builds nothing. Returns the copy's state."""
    with translation.override(settings.LANGUAGE_CODE):
        copy = ApplicationCopy.objects.filter(pk=copy_id).select_related("snapshot__application").first()
        if copy is None:
            return None
        return application_copy_build(copy).state


# Appeals (klage) -------------------------------------------------------------------------------------


@shared_task(**EMAIL_TASK_OPTIONS)
def appeal_notify(appeal_id, event):
    """A lodged appeal: the applicant's acknowledgement (forvaltningsloven § 11 a: what happens next)
    and the programme staff's notice."""
    from .models import Appeal

    appeal = Appeal.objects.select_related("application__programme", "decision").get(pk=appeal_id)
    application = appeal.application
    facts = {
        "reference": application.reference,
        "title": application.title,
        "programme": application.programme.name,
        "lodged": long_date(appeal.lodged_at),
        "decided": long_date(original_decision(appeal.decision).decided_at),
        "deadline": long_date(appeal.deadline),
        "late": appeal.is_late,
        "appeal_body": application.programme.appeal_body,
        "files": appeal.attachments.count(),
        "reasons": appeal.reasons,
    }
    applicant = _applicant_addresses(application)
    if applicant:
        send_templated(
            "appeal_received",
            facts,
            subject=_("Klagen på vedtaket i sak %(reference)s er mottatt") % facts,
            to=applicant,
            task=appeal_notify.name,
            obj=appeal,
        )
    staff = _staff_addresses(application)
    if staff:
        send_templated(
            "appeal_staff_notice",
            facts,
            subject=(
                _("For sen klage i sak %(reference)s") if appeal.is_late else _("Klage i sak %(reference)s")
            )
            % facts,
            to=staff,
            task=appeal_notify.name,
            obj=appeal,
        )


@shared_task(acks_late=True, autoretry_for=(OSError,), max_retries=3, retry_backoff=60, soft_time_limit=300)
def appeal_forwarded_letter_build(appeal_id):
    """The letter telling the applicant that the board upheld its decision and sent the appeal on to
    the appeal body, e-mailed with the PDF. Safe to run again: an issued letter is reused."""
    from .models import Appeal

    with translation.override(settings.LANGUAGE_CODE):
        appeal = Appeal.objects.select_related(
            "application__organisation", "application__programme", "decision"
        ).get(pk=appeal_id)
        kind = Letter.Kind.APPEAL_FORWARDED
        letter = Letter.objects.filter(decision=appeal.decision, kind=kind).first()
        if letter is None:
            letter = letter_issue(kind, appeal_forwarded_letter_pdf(appeal), decision=appeal.decision)
        with letter.file.open("rb") as stored:
            content = stored.read()
        application = appeal.application
        addresses = receipt_addresses(application)
        if addresses:
            facts = {
                "reference": application.reference,
                "title": application.title,
                "programme": application.programme.name,
                "appeal_body": appeal.forwarded_to,
                "date": long_date(appeal.resolved_at),
            }
            send_templated(
                "appeal_forwarded",
                facts,
                subject=_("Klagen i sak %(reference)s er sendt til klageinstansen") % facts,
                to=addresses,
                task=appeal_forwarded_letter_build.name,
                obj=appeal,
                attachments=[(f"klage-{application.reference}.pdf", content, "application/pdf")],
            )
    return letter.pk
