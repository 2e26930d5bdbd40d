"""The applicant's appeal (klage, forvaltningsloven §§ 28–33) on the decision on her application.

An appeal is lodged within the programme's period from the day the decision's letter was received
(three weeks by default, ``Programme.appeal_period_weeks``); one lodged later is received all the
same and marked late, for the board and the appeal body to judge (§ 31). It is an incoming document
of the public journal, acknowledged to the applicant and announced to the programme's staff by
e-mail. The board reconsiders it (``applications.board.services.case_add_appeal`` and, when the case
is closed, ``applications.board.decisions``).
"""

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

from ..models import Appeal, Application, Attachment, JournalEntry
from ..models_case import APPEAL_MAX_CHARS, APPEAL_REASONS_MISSING, MAX_APPEAL_FILES
from ..policies import can_lodge_appeal
from ..selectors import appeal_deadline, appeal_refusal, decision_in_force
from ..uploads import store_upload
from .case import _check_length, _described_uploads, _save_checked
from .journal import register_for_application


@guarded(can_lodge_appeal)
def appeal_lodge(
    application: Application, *, actor: User, reasons: str, uploads: list[UploadedFile] = ()
) -> Appeal:
    """Appeal the decision in force on ``application``, with reasons and documents (the same
    upload rules as the application's)."""
    reasons = (reasons or "").strip()
    uploads = list(uploads)
    if not reasons:
        raise ServiceError(str(APPEAL_REASONS_MISSING), field="reasons")
    _check_length(reasons, limit=APPEAL_MAX_CHARS, field="reasons")
    described = _described_uploads(uploads, limit=MAX_APPEAL_FILES)
    stored = []
    try:
        with transaction.atomic():
            application = locked(application)
            refuse(can_lodge_appeal(actor, application))
            decision = decision_in_force(application)
            if decision is not None:
                # The decision's row serialises the appeal with a correction of the same decision.
                decision = locked(decision)
            refusal = appeal_refusal(application, decision)
            if refusal:
                raise ServiceError(refusal)
            now = timezone.now()
            deadline = appeal_deadline(decision)
            appeal = Appeal(
                application=application,
                decision=decision,
                reasons=reasons,
                lodged_by=actor,
                lodged_at=now,
                deadline=deadline,
                is_late=timezone.localdate(now) > deadline,
            )
            full_clean_or_refuse(appeal, exclude=["decision"])
            try:
                with transaction.atomic():
                    appeal.save()
            except IntegrityError as exc:
                raise ServiceError(_("Vedtaket er allerede påklaget.")) from exc
            for upload, facts in described:
                attachment = Attachment(
                    application=application,
                    kind=Attachment.Kind.OTHER,
                    uploaded_by=actor,
                    appeal=appeal,
                    **facts,
                )
                store_upload(attachment, upload, partial(_save_checked, attachment))
                stored.append(attachment)
            register_for_application(
                application,
                direction=JournalEntry.Direction.INCOMING,
                kind=JournalEntry.Kind.APPEAL,
                title=lambda: (
                    translation.gettext("Klage på vedtak: %(title)s") % {"title": application.title}
                ),
                registered_at=now,
            )
            audit_log(
                actor=actor,
                obj=appeal,
                action="appeal:lodged",
                to_state=appeal.state,
                data={
                    "application_id": application.pk,
                    "decision_id": decision.pk,
                    "deadline": deadline.isoformat(),
                    "late": appeal.is_late,
                    "attachments": [attachment.sha256 for attachment in stored],
                },
            )
            transaction.on_commit(partial(enqueue, "applications.tasks.appeal_notify", appeal.pk, "lodged"))
    except Exception:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return appeal
