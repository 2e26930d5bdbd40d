"""The submission's receipt to the applicant and the notice to the programme's staff: sent once,
owed until sent, and sent again by the programme leader when the mail server refused it."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from applications.models import Application
from applications.policies import can_resend_receipt, receipt_resend_refusal
from applications.selectors import RECEIPT_RESEND_AFTER, receipt_addresses, receipt_owed, receipts_unsent
from omstilling.audit import audit_log, locked
from omstilling.celery import enqueue
from omstilling.exceptions import ServiceError
from omstilling.policies import guarded, system_service

logger = logging.getLogger(__name__)


# The submission's receipt to the applicant and notice to the programme's staff ----------------------
#
# The application row is the state of record: ``receipt_sent_at`` is set by the task that sends both
# e-mails (applications.tasks.application_submitted_notify), after sending. A submitted application
# without it is owed them, whatever happened to the task: the broker was down at the submit (the
# on-commit enqueue below fails and is only logged), Redis lost the queued message, or the task gave
# up after its retries. ``receipts_resend_unsent`` (Celery beat every five minutes, and the
# ``resend_receipts`` command) enqueues the task again for those; the task locks the row and sends
# only if it is still unmarked, so an extra or duplicate task sends nothing twice.

# At most this many applications are enqueued per run, oldest first; the next run takes the rest.
RECEIPT_RESEND_BATCH = 200


@system_service
def receipts_resend_unsent(
    *,
    older_than: timedelta = RECEIPT_RESEND_AFTER,
    now: datetime | None = None,
    limit: int = RECEIPT_RESEND_BATCH,
) -> list[int]:
    """Enqueue the notify task again for up to ``limit`` applications still owed their receipt;
    return their ids, oldest submission first.

    Safe to run again or twice at once: an application enqueued twice gets two tasks, and the second
    one finds the row marked and sends nothing. Raises whatever the broker raises if it is still down
    (the rows stay unmarked, so the next run tries again)."""
    ids = list(receipts_unsent(older_than, now).values_list("pk", flat=True)[:limit])
    for application_id in ids:
        enqueue("applications.tasks.application_submitted_notify", application_id)
    return ids


@system_service
def receipt_send_once(application_id: int, *, send: Callable[[Application], str | None]) -> bool:
    """Call ``send(application)`` — which sends the receipt and the staff notice — if they are still
    owed, then record that they went out; return whether it sent.

    ``send`` returns None, or the mail server's reply if it refused the applicant's receipt for good
    (logged and audited by the task): the row then records that instead (``receipt_undeliverable_at``),
    and the receipt is not sent again.

    The row is locked from the check to the mark, so a duplicate task (an enqueue by the resend while
    the first was still queued, a message Redis hands out again) waits, finds it marked and sends
    nothing. If ``send`` raises, nothing is marked and the task's retry (or the resend) tries again.
    At least once, not exactly once: a process that dies after ``send`` and before the commit (or an
    error in the second e-mail after the first went out) leaves the row unmarked, and the e-mail that
    did go out is sent a second time. The window is the few milliseconds of the commit, or a failed
    SMTP call; a receipt never sent would be worse."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("programme", "organisation", "call")
            .get(pk=application_id)
        )
        if not receipt_owed(application):
            return False
        refused = send(application)
        if refused:
            application.receipt_undeliverable_at = timezone.now()
            application.receipt_undeliverable_reason = refused
            application.save(update_fields=["receipt_undeliverable_at", "receipt_undeliverable_reason"])
            return False
        application.receipt_sent_at = timezone.now()
        application.save(update_fields=["receipt_sent_at"])
    return True


@guarded(can_resend_receipt)
def receipt_resend(application: Application, *, actor: User) -> Application:
    """Send the receipt again after the mail server refused it for good and the programme's staff
    have seen to the applicant's address: clear the mark and enqueue the notify task after the commit.

    The task's once-only bookkeeping applies as for the first receipt: it sends (the receipt and,
    with it, the staff notice) only if the row is still unmarked, and a second refusal for good is
    recorded on the row again."""
    with transaction.atomic():
        application = locked(application)
        refusal = receipt_resend_refusal(application)
        if refusal:
            raise ServiceError(refusal)
        refused_at = application.receipt_undeliverable_at
        reply = application.receipt_undeliverable_reason
        application.receipt_undeliverable_at = None
        application.receipt_undeliverable_reason = ""
        application.save(update_fields=["receipt_undeliverable_at", "receipt_undeliverable_reason"])
        audit_log(
            actor=actor,
            obj=application,
            action="receipt_resend",
            reason=reply,
            data={
                "refused_at": refused_at.isoformat(),
                "reply": reply,
                "recipients": receipt_addresses(application),
            },
        )
        application_id = application.pk
        # Named, not a partial: see application_submit.
        transaction.on_commit(lambda: _notify_submitted(application_id), robust=True)
    return application


def _notify_submitted(application_id):
    try:
        enqueue("applications.tasks.application_submitted_notify", application_id)
    except Exception:
        # The submission is committed; the receipt is not lost: the row stays unmarked and
        # receipts_resend_unsent enqueues it once the broker is back.
        logger.warning(
            "The receipt for application %s was not queued (or, run in-process, not sent); "
            "receipts_resend_unsent will send it",
            application_id,
            exc_info=True,
        )
