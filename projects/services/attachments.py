"""Documentation the project attaches to a payout request (receipts, cost statements, reports)."""

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from applications.uploads import describe_upload, store_upload
from omstilling.audit import audit_log, full_clean_or_refuse, locked
from omstilling.exceptions import ServiceError
from omstilling.policies import guarded

from ..models import Payout, PayoutAttachment
from ..policies import can_act_for_grant


@guarded(can_act_for_grant)
def payout_attachment_add(
    payout: Payout,
    *,
    actor: User,
    uploaded_file: UploadedFile,
    kind: str = PayoutAttachment.Kind.DOCUMENTATION,
) -> PayoutAttachment:
    """Attach a checked file to a payout request while it awaits the programme leader.

    Only a person acting for the grant holder's organisation may attach (the policy), and only while
    the request is still ``requested``: what the programme leader approved on must not change after.
    The file's kind is decided from its bytes (``applications.uploads.check_upload``) and it is
    stored under a random name outside the web root.
    """
    with transaction.atomic():
        payout = locked(payout)
        if payout.state != Payout.State.REQUESTED:
            raise ServiceError(
                _("Utbetaling nr. %(number)d har status «%(state)s»; vedlegg kan ikke legges til nå.")
                % {"number": payout.number, "state": payout.get_state_display()},
                field="file",
            )
        attachment = PayoutAttachment(payout=payout, kind=kind, **describe_upload(uploaded_file))

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
                    "kind": attachment.kind,
                },
            )

        store_upload(attachment, uploaded_file, write)
    return attachment
