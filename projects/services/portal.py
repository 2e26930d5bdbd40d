"""The grant holder's own doors to the grant services, used by the applicant portal.

Each checks that the person acts for the grant holder's organisation (the views already find only
her own grants; this is the service's own guard) and then calls the service that does the work.
"""

from django.db import transaction

from applications.services import require_member
from omstilling.audit import locked

from ..models import Payout
from . import grant_accept, payout_attachment_add, payout_request, result_report_submit


def _require_member(grant, actor):
    require_member(grant.application.organisation_id, actor)


def grant_accept_from_portal(grant, actor):
    """Accept the grant and its conditions; who and when is recorded by :func:`grant_accept`."""
    with transaction.atomic():
        _require_member(locked(grant), actor)
        return grant_accept(grant, actor)


def payout_request_from_portal(
    grant, actor, *, amount, kind=Payout.Kind.PARTIAL, accumulated_costs=0, progress_note="", files=()
):
    """Request a payout with its attachments: all of it is stored, or — if a file is refused — none of it."""
    stored = []
    try:
        with transaction.atomic():
            _require_member(grant, actor)
            payout = payout_request(
                grant,
                actor,
                amount,
                kind=kind,
                accumulated_costs=accumulated_costs,
                progress_note=progress_note,
            )
            for uploaded_file in files:
                stored.append(payout_attachment_add(payout, actor, uploaded_file))
    except Exception:
        # The rows were rolled back; the files already written for them must not linger.
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return payout


def result_report_submit_from_portal(grant, actor, year, **fields):
    """A year's results, or (``is_final=True``) the final report that closes the project."""
    with transaction.atomic():
        _require_member(grant, actor)
        return result_report_submit(grant, actor, year, **fields)
