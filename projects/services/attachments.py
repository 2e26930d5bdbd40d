"""Documentation the project attaches to a payout request (receipts, cost statements, reports)."""

from django.db import transaction
from django.utils.translation import gettext as _

from applications.services import require_member
from applications.uploads import describe_upload, store_upload
from omstilling.audit import audit_log, full_clean_or_refuse, locked
from omstilling.exceptions import ServiceError

from ..models import Payout, PayoutAttachment


def payout_attachment_add(payout, actor, uploaded_file):
    """Attach a checked file to a payout request while it awaits the programme leader.

    Only a person acting for the grant holder's organisation may attach, and only while the
    request is still ``requested``: what the programme leader approved on must not change after.
    The file's kind is decided from its bytes (``applications.uploads.check_upload``) and it is
    stored under a random name outside the web root.
    """
    with transaction.atomic():
        payout = locked(payout)
        organisation_id = payout.grant.application.organisation_id
        require_member(organisation_id, actor)
        if payout.state != Payout.State.REQUESTED:
            raise ServiceError(
                _("Utbetaling nr. %(number)d har status «%(state)s»; vedlegg kan ikke legges til nå.")
                % {"number": payout.number, "state": payout.get_state_display()},
                field="file",
            )
        attachment = PayoutAttachment(payout=payout, **describe_upload(uploaded_file))

        def write():
            full_clean_or_refuse(attachment)
            attachment.save()
            audit_log(
                actor=actor,
                obj=payout,
                action="payout_attachment:added",
                data={
                    "attachment_id": attachment.pk,
                    "sha256": attachment.sha256,
                    "name": attachment.original_name,
                },
            )

        store_upload(attachment, uploaded_file, write)
    return attachment
