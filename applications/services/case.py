"""Written exchanges on a submitted application's case (see :mod:`applications.models_case`):
messages between the programme's staff and the applicant, and requests for more information
(ettersending) with the applicant's answer, which joins the case file as a new, frozen, dated part.

Each write is audited and e-mailed to the other side once committed; an answered supplement is an
incoming document of the public journal. While a request is open the case cannot go to the board
(``selectors.open_supplement_refusal``, asked by ``application_send_to_board``).
"""

import datetime as dt
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from omstilling.audit import audit_log, full_clean_or_refuse, locked
from omstilling.celery import enqueue
from omstilling.exceptions import ServiceError
from omstilling.models import User
from omstilling.policies import guarded, refuse

from ..models import Application, Attachment, CaseMessage, JournalEntry, SupplementRequest
from ..models_case import ANSWER_MAX_CHARS, MAX_SUPPLEMENT_FILES, MESSAGE_MAX_CHARS
from ..policies import can_answer_supplement, can_message_on_case, can_request_supplement, is_programme_staff
from ..uploads import describe_upload, store_upload
from .journal import register_for_application

# A request for more information is made while the programme handles the case, before the board.
SUPPLEMENT_STATES = (Application.State.SUBMITTED, Application.State.IN_REVIEW)


def _check_length(text, *, limit, field):
    if len(text) > limit:
        raise ServiceError(
            _("Teksten er %(length)d tegn; den kan være høyst %(limit)d tegn.")
            % {"length": len(text), "limit": limit},
            field=field,
        )


def _clean_text(text, *, limit, field, empty):
    text = (text or "").strip()
    if not text:
        raise ServiceError(empty, field=field)
    _check_length(text, limit=limit, field=field)
    return text


@guarded(can_message_on_case)
def case_message_send(application: Application, *, actor: User, body: str) -> CaseMessage:
    """Write a message on a submitted application's case; the other side gets it by e-mail."""
    body = _clean_text(body, limit=MESSAGE_MAX_CHARS, field="body", empty=_("Skriv en melding."))
    with transaction.atomic():
        application = locked(application)
        refuse(can_message_on_case(actor, application))
        if application.state == Application.State.DRAFT:
            raise ServiceError(_("Meldinger kan skrives når søknaden er sendt inn."))
        message = CaseMessage(
            application=application,
            author=actor,
            from_staff=is_programme_staff(actor, application.programme_id),
            body=body,
        )
        full_clean_or_refuse(message)
        message.save()
        audit_log(actor=actor, obj=application, action="case_message", data={"message_id": message.pk})
        transaction.on_commit(partial(enqueue, "applications.tasks.case_message_notify", message.pk))
    return message


@guarded(can_request_supplement)
def supplement_request(
    application: Application, *, actor: User, message: str, reply_deadline: dt.date
) -> SupplementRequest:
    """Ask the applicant for more information or a corrected part, with a reply deadline."""
    message = _clean_text(
        message, limit=MESSAGE_MAX_CHARS, field="message", empty=_("Skriv hva søkeren må ettersende.")
    )
    if reply_deadline <= timezone.localdate():
        raise ServiceError(_("Svarfristen må være etter i dag."), field="reply_deadline")
    with transaction.atomic():
        application = locked(application)
        refuse(can_request_supplement(actor, application))
        if application.state not in SUPPLEMENT_STATES:
            raise ServiceError(
                _(
                    "Det kan bare bes om ettersending mens søknaden er til behandling "
                    "(status nå: «%(state)s»)."
                )
                % {"state": application.get_state_display()}
            )
        request = SupplementRequest(
            application=application, message=message, reply_deadline=reply_deadline, requested_by=actor
        )
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError as exc:
            raise ServiceError(_("Søknaden har allerede en ubesvart anmodning om ettersending.")) from exc
        audit_log(
            actor=actor,
            obj=application,
            action="supplement_request",
            data={"request_id": request.pk, "reply_deadline": reply_deadline.isoformat()},
        )
        transaction.on_commit(
            partial(enqueue, "applications.tasks.supplement_notify", request.pk, "requested")
        )
    return request


@guarded(can_answer_supplement)
def supplement_answer(
    supplement: SupplementRequest, *, actor: User, answer: str, uploads: list[UploadedFile] = ()
) -> SupplementRequest:
    """Answer a request with text and documents (the same upload rules as the application's); the
    answer is frozen and dated, the first submission's frozen copy stays as it was."""
    answer = (answer or "").strip()
    uploads = list(uploads)
    if not answer and not uploads:
        raise ServiceError(_("Skriv et svar eller last opp minst ett dokument."), field="answer")
    _check_length(answer, limit=ANSWER_MAX_CHARS, field="answer")
    described = _described_uploads(uploads, limit=MAX_SUPPLEMENT_FILES)
    stored = []
    try:
        with transaction.atomic():
            supplement = locked(supplement)
            refuse(can_answer_supplement(actor, supplement))
            if not supplement.is_open:
                raise ServiceError(_("Anmodningen er allerede besvart."))
            application = locked(supplement.application)
            now = timezone.now()
            for upload, facts in described:
                attachment = Attachment(
                    application=application,
                    kind=Attachment.Kind.OTHER,
                    uploaded_by=actor,
                    supplement=supplement,
                    **facts,
                )
                store_upload(attachment, upload, partial(_save_checked, attachment))
                stored.append(attachment)
            supplement.answer = answer
            supplement.answered_by = actor
            supplement.answered_at = now
            supplement.save(update_fields=["answer", "answered_by", "answered_at"])
            register_for_application(
                application,
                direction=JournalEntry.Direction.INCOMING,
                kind=JournalEntry.Kind.SUPPLEMENT,
                title=lambda: (
                    translation.gettext("Ettersendt dokumentasjon: %(title)s") % {"title": application.title}
                ),
                registered_at=now,
            )
            audit_log(
                actor=actor,
                obj=application,
                action="supplement_answer",
                data={
                    "request_id": supplement.pk,
                    "attachments": [attachment.sha256 for attachment in stored],
                    "late": timezone.localdate() > supplement.reply_deadline,
                },
            )
            transaction.on_commit(
                partial(enqueue, "applications.tasks.supplement_notify", supplement.pk, "answered")
            )
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return supplement


def _described_uploads(uploads, *, limit):
    """``[(upload, its facts)]``, every file checked (type, size) before any is stored, so that a
    refused third file leaves no first two behind; at most ``limit`` files at a time."""
    if len(uploads) > limit:
        raise ServiceError(
            _("Du kan laste opp høyst %(count)d dokumenter om gangen.") % {"count": limit}, field="files"
        )
    return [(upload, describe_upload(upload)) for upload in uploads]


def _save_checked(attachment):
    full_clean_or_refuse(attachment)
    attachment.save()
