"""Documentation the project attaches to a payout request (receipts, cost statements, reports)."""

import hashlib
from pathlib import PurePath

from django.db import transaction
from django.utils.translation import gettext as _

from applications.models import OrganisationMembership
from applications.uploads import check_upload
from omstilling.audit import audit_log, full_clean_or_refuse, locked
from omstilling.exceptions import ServiceError

from ..models import Payout, PayoutAttachment


def _require_organisation_member(organisation_id, actor):
    if actor is None or not actor.is_authenticated:
        raise ServiceError(_("Du har ikke tilgang til å handle for denne organisasjonen."))
    if not OrganisationMembership.objects.filter(organisation_id=organisation_id, user=actor).exists():
        raise ServiceError(_("Du har ikke tilgang til å handle for denne organisasjonen."))


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
        _require_organisation_member(organisation_id, actor)
        if payout.state != Payout.State.REQUESTED:
            raise ServiceError(
                _("Utbetaling nr. %(number)d har status «%(state)s»; vedlegg kan ikke legges til nå.")
                % {"number": payout.number, "state": payout.get_state_display()},
                field="file",
            )
        checked = check_upload(uploaded_file)
        digest = hashlib.sha256()
        for chunk in uploaded_file.chunks():
            digest.update(chunk)
        uploaded_file.seek(0)
        attachment = PayoutAttachment(
            payout=payout,
            original_name=PurePath(uploaded_file.name or "").name[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=digest.hexdigest(),
        )
        attachment.file.save(attachment.original_name, uploaded_file, save=False)
        try:
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
        except Exception:
            # The row was not written, so the stored file must not linger.
            attachment.file.delete(save=False)
            raise
    return attachment
