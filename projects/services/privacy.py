"""A person's rights over her own data: see everything held about her, close her account.

- ``personal_data_export_order``: anyone signed in orders a ZIP of everything the portal holds about
  her (``data.json`` plus the files she uploaded); Celery builds it (``personal_data_export_build``),
  she downloads it from "Personvern" on her account page, and it is deleted after
  ``settings.PERSONAL_DATA_EXPORT_DAYS``.
- ``account_close``: a person who never submitted an application and holds no role in a programme
  (staff or board) closes her account: her drafts and their files are deleted, her organisation
  memberships and join requests go, and the account row keeps no name, e-mail or telephone (it stays,
  deactivated, because decisions and the audit trail refer to it — the Archives Act keeps those).
- ``retention_apply``: the retention rules of :mod:`applications.services.retention`, and expired
  exports, in one run (Celery beat and the ``apply_retention`` command).
"""

import io
import json
import zipfile
from datetime import date, timedelta
from functools import partial

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, OrganisationJoinRequest, OrganisationMembership
from applications.selectors import RetentionItem
from applications.services.retention import applications_retention_apply
from omstilling.audit import audit_log
from omstilling.celery import enqueue
from omstilling.exceptions import ServiceError
from omstilling.policies import guarded, refuse, system_service

from ..models import PersonalDataExport
from ..policies import account_close_refusal, can_close_account, can_order_personal_data
from ..selectors import personal_data_of

User = get_user_model()


@guarded(can_order_personal_data)
def personal_data_export_order(_subject=None, *, actor: User) -> PersonalDataExport:
    """Order a ZIP of everything held about ``actor``; the task starts once the order is committed."""
    try:
        with transaction.atomic():
            export = PersonalDataExport.objects.create(user=actor)
            audit_log(actor=actor, obj=export, action="personal_data_export_ordered")
    except IntegrityError as exc:
        raise ServiceError(_("Et uttrekk av dine opplysninger er allerede under arbeid.")) from exc
    transaction.on_commit(partial(enqueue, "projects.tasks.personal_data_export_build", export.pk))
    return export


def _zip_of(user) -> bytes:
    data, files = personal_data_of(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, sort_keys=True)
        )
        for path, field_file in files:
            with field_file.storage.open(field_file.name, "rb") as fh:
                archive.writestr(path, fh.read())
    return buffer.getvalue()


@system_service
def personal_data_export_build(export_id: int) -> PersonalDataExport:
    """Build the ZIP for a pending export; a failure is recorded on the row (she may order again)."""
    with transaction.atomic():
        export = PersonalDataExport.objects.select_for_update().select_related("user").get(pk=export_id)
        if export.state != PersonalDataExport.State.PENDING:
            return export
        try:
            content = _zip_of(export.user)
        except Exception as exc:  # noqa: BLE001 - recorded for the person, who may order again
            export.state = PersonalDataExport.State.FAILED
            export.error = f"{type(exc).__name__}: {exc}"[:2000]
        else:
            export.file.save(
                f"opplysninger-{export.user_id}-{export.pk}.zip", ContentFile(content), save=False
            )
            export.state = PersonalDataExport.State.DONE
        export.finished_at = timezone.now()
        export.save(update_fields=["state", "file", "error", "finished_at"])
        audit_log(actor=None, obj=export, action="personal_data_export_built", to_state=export.state)
    return export


@system_service
def personal_data_exports_expire() -> int:
    """Delete exports older than PERSONAL_DATA_EXPORT_DAYS; their files go with them once the deletion is
    committed (omstilling.files). Return how many."""
    cutoff = timezone.now() - timedelta(days=settings.PERSONAL_DATA_EXPORT_DAYS)
    expired = 0
    for export in PersonalDataExport.objects.filter(created_at__lt=cutoff).exclude(
        state=PersonalDataExport.State.PENDING
    ):
        with transaction.atomic():
            audit_log(actor=None, obj=export, action="personal_data_export_deleted")
            export.delete()
        expired += 1
    return expired


@guarded(can_close_account)
def account_close(_subject=None, *, actor: User) -> None:
    """Close ``actor``'s own account: delete her drafts, memberships and exports; erase her name,
    e-mail and telephone from the account row, which stays, deactivated, for the records that name it."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        refuse(account_close_refusal(user))
        # Rows only: their stored files go once the deletion is committed (omstilling.files).
        drafts = list(
            Application.objects.filter(created_by=user, state=Application.State.DRAFT).select_for_update()
        )
        for draft in drafts:
            audit_log(actor=user, obj=draft, action="account_close_draft_deleted", from_state=draft.state)
            draft.delete()
        PersonalDataExport.objects.filter(user=user).delete()
        memberships = OrganisationMembership.objects.filter(user=user)
        organisations = sorted(memberships.values_list("organisation__name", flat=True))
        memberships.delete()
        OrganisationJoinRequest.objects.filter(user=user).delete()
        audit_log(
            actor=user,
            obj=user,
            action="account_closed",
            reason=_("Kontoen ble slettet av brukeren selv."),
            data={"organisations": organisations, "drafts_deleted": len(drafts)},
        )
        user.email = f"slettet-{user.pk}@konto.invalid"
        user.full_name = ""
        user.phone = ""
        user.is_active = False
        user.email_verified_at = None
        user.set_unusable_password()
        user.save(update_fields=["email", "full_name", "phone", "is_active", "email_verified_at", "password"])


@system_service
def retention_apply(*, today: date | None = None) -> list[RetentionItem]:
    """Every retention rule for ``today``: drafts warned and deleted, old rejected and withdrawn
    applications anonymised (see :mod:`applications.services.retention`), expired exports deleted."""
    today = today or timezone.localdate()
    done = applications_retention_apply(today=today)
    personal_data_exports_expire()
    login_logs_expire()
    return done


@system_service
def login_logs_expire() -> int:
    """Delete django-axes' log-in records older than RETENTION_LOGIN_LOG_DAYS; return how many."""
    days = settings.RETENTION_LOGIN_LOG_DAYS
    return AxesProxyHandler.reset_logs(age_days=days) + AxesProxyHandler.reset_failure_logs(age_days=days)
