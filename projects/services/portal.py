"""A payout request as the grant holder makes it in the portal: the request and its attachments in one.

Accepting the grant and reporting results need nothing beyond their services (``grant_accept``,
``result_report_submit``), which the portal calls directly; each is guarded by the grant holder's
policy (:func:`projects.policies.can_act_for_grant`).
"""

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from omstilling.exceptions import ServiceError
from omstilling.policies import guarded

from ..models import Grant, Payout, PayoutAttachment
from ..policies import can_act_for_grant
from . import Money, payout_attachment_add, payout_request


@guarded(can_act_for_grant)
def payout_request_from_portal(
    grant: Grant,
    *,
    actor: User,
    amount: Money,
    kind: str = Payout.Kind.PARTIAL,
    accumulated_costs: Money = 0,
    progress_note: str = "",
    files: tuple[UploadedFile, ...] | list = (),
    accounts_file: UploadedFile | None = None,
    accounts_attestation: str = "",
) -> Payout:
    """Request a payout with its attachments: all of it is stored, or — if a file is refused — none of it.

    The final payout needs the project accounts (``accounts_file``) and who attested them
    (``accounts_attestation``, checked against the programme's rule by ``payout_request``)."""
    if kind == Payout.Kind.FINAL and accounts_file is None:
        raise ServiceError(
            _("Sluttutbetalingen krever prosjektregnskapet. Legg det ved anmodningen."), field="accounts_file"
        )
    stored = []
    try:
        with transaction.atomic():
            payout = payout_request(
                grant,
                actor=actor,
                amount=amount,
                kind=kind,
                accumulated_costs=accumulated_costs,
                progress_note=progress_note,
                accounts_attestation=accounts_attestation,
            )
            if accounts_file is not None:
                stored.append(
                    payout_attachment_add(
                        payout, actor=actor, uploaded_file=accounts_file, kind=PayoutAttachment.Kind.ACCOUNTS
                    )
                )
            for uploaded_file in files:
                stored.append(payout_attachment_add(payout, actor=actor, uploaded_file=uploaded_file))
    except Exception:
        # The rows were rolled back; the files already written for them must not linger.
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return payout
