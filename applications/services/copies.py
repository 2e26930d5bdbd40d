"""The applicant's PDF of her application as submitted: ordered on the first request, built by Celery
from the frozen copy (``applications.copies``), and ordered again after a failure.

The row is the state of record (:class:`~applications.models.ApplicationCopy`): queued until the task
has built it (done) or recorded why it could not (failed, which the applicant may try again). A task
delivered twice finds the row done and builds nothing.
"""

import hashlib
import logging

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.copies import application_copy_pdf
from applications.models import Application, ApplicationCopy, ApplicationSnapshot
from applications.policies import can_get_application_copy
from omstilling.audit import audit_log, full_clean_or_refuse, locked, transition
from omstilling.celery import enqueue
from omstilling.exceptions import ServiceError
from omstilling.policies import guarded, system_service

logger = logging.getLogger(__name__)


@guarded(can_get_application_copy)
def application_copy_request(application: Application, *, actor: User) -> ApplicationCopy:
    """Order the PDF of ``application`` as submitted, or order it again after a failure; a copy that is
    queued or done is returned as it is. The task starts once the order is committed."""
    with transaction.atomic():
        snapshot = ApplicationSnapshot.objects.select_for_update().filter(application=application).first()
        if snapshot is None:
            raise ServiceError(
                _("Søknaden er ikke sendt inn; det finnes ingen innsendt versjon å lage PDF av.")
            )
        copy = ApplicationCopy.objects.select_for_update().filter(snapshot=snapshot).first()
        if copy is None:
            copy = ApplicationCopy(snapshot=snapshot)
            full_clean_or_refuse(copy)
            copy.save()
            audit_log(actor=actor, obj=copy, action="state:queued", to_state=ApplicationCopy.State.QUEUED)
        elif copy.state == ApplicationCopy.State.FAILED:
            copy.error = ""
            transition(copy, ApplicationCopy.State.QUEUED, actor=actor, extra_fields=["error"])
        else:
            return copy
        copy_id = copy.pk
        transaction.on_commit(lambda: _enqueue_build(copy_id))
    return copy


def _enqueue_build(copy_id):
    try:
        enqueue("applications.tasks.build_application_copy", copy_id)
    except Exception as exc:
        # A copy nobody will build must not say "being prepared" for ever: failed, it can be ordered again.
        logger.exception("The PDF of application copy %s could not be queued", copy_id)
        _fail(
            ApplicationCopy.objects.get(pk=copy_id),
            _("PDF-en kunne ikke settes i arbeid (%(error)s). Prøv igjen om litt.")
            % {"error": type(exc).__name__},
        )


def _fail(copy, error):
    with transaction.atomic():
        copy = locked(copy, WITH_APPLICATION)
        if copy.state != ApplicationCopy.State.QUEUED:
            return copy
        copy.error = error
        return transition(
            copy, ApplicationCopy.State.FAILED, actor=None, reason=error, extra_fields=["error"]
        )


# The snapshot and its application are read by the build; the lock keeps them joined.
WITH_APPLICATION = ApplicationCopy.objects.select_related("snapshot__application")


@system_service
def application_copy_build(copy: ApplicationCopy) -> ApplicationCopy:
    """Build the PDF of a queued copy from its frozen copy and store it with its checksum; if it cannot
    be built, record why (failed). A copy that is not queued is left as it is."""
    with transaction.atomic():
        copy = locked(copy, WITH_APPLICATION)
        if copy.state != ApplicationCopy.State.QUEUED:
            return copy
        copy.attempts += 1
        copy.save(update_fields=["attempts"])
    try:
        content = application_copy_pdf(copy.snapshot)
    except Exception as exc:
        logger.exception("The PDF of application copy %s could not be built", copy.pk)
        return _fail(
            copy,
            _("PDF-en kunne ikke lages (%(error)s). Prøv igjen; hjelper ikke det, kontakt programmet.")
            % {"error": type(exc).__name__},
        )
    with transaction.atomic():
        copy = locked(copy)
        if copy.state != ApplicationCopy.State.QUEUED:
            return copy
        reference = copy.snapshot.application.reference
        copy.file.save(f"soknad-{reference}.pdf", ContentFile(content), save=False)
        copy.sha256 = hashlib.sha256(content).hexdigest()
        copy.built_at = timezone.now()
        try:
            return transition(
                copy,
                ApplicationCopy.State.DONE,
                actor=None,
                extra_fields=["file", "sha256", "built_at"],
                data={"sha256": copy.sha256},
            )
        except Exception:
            copy.file.delete(save=False)
            raise
