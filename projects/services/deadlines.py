"""The final report deadline: the holder's request for more time, the programme's answer, and the
reminders before and after the deadline (Celery beat).

A reminder is recorded (:class:`~projects.models.GrantReminder`) in the transaction that enqueues its
e-mail; the row's unique constraint makes two runs at the same time send each reminder once.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from omstilling.audit import audit_log, full_clean_or_refuse, locked, transition
from omstilling.exceptions import ServiceError
from omstilling.formatting import long_date
from omstilling.policies import guarded, system_service

from ..models import DeadlineExtension, Grant, GrantReminder, Payout
from ..policies import can_act_for_grant, can_manage_grant
from ..selectors import REMINDER_DAYS, deadline_extension_refusal
from . import MONEY_MOVING_STATES, _notify, _require_reason, _today


@guarded(can_act_for_grant)
def deadline_extension_request(
    grant: Grant, *, actor: User, new_deadline: dt.date, reason: str
) -> DeadlineExtension:
    """The grant holder asks for a later deadline for the final report and final payout."""
    reason = _require_reason(reason)
    with transaction.atomic():
        grant = locked(grant)
        refusal = deadline_extension_refusal(grant)
        if refusal:
            raise ServiceError(refusal)
        if new_deadline <= grant.final_report_deadline:
            raise ServiceError(
                _("Den nye fristen må være senere enn dagens frist, %(deadline)s.")
                % {"deadline": long_date(grant.final_report_deadline)},
                field="new_deadline",
            )
        extension = DeadlineExtension(
            grant=grant,
            current_deadline=grant.final_report_deadline,
            requested_deadline=new_deadline,
            reason=reason,
            requested_by=actor,
        )
        full_clean_or_refuse(extension)
        extension.save()
        audit_log(
            actor=actor,
            obj=extension,
            action="state:requested",
            to_state=DeadlineExtension.State.REQUESTED,
            reason=reason,
            data={"from": extension.current_deadline.isoformat(), "to": new_deadline.isoformat()},
        )
    return extension


@guarded(can_manage_grant)
def deadline_extension_decide(
    extension: DeadlineExtension, *, actor: User, granted: bool, note: str = ""
) -> DeadlineExtension:
    """Grant or refuse a request for a later deadline; a refusal needs a reason. Granted, the
    grant's deadline becomes the date asked for, and its reminders start again for that date."""
    note = (note or "").strip()
    if not granted:
        note = _require_reason(note)
    with transaction.atomic():
        grant = Grant.objects.select_for_update().get(pk=extension.grant_id)
        extension = locked(extension)
        if extension.state != DeadlineExtension.State.REQUESTED:
            raise ServiceError(
                _("Søknaden om lengre frist er allerede avgjort («%(state)s»).")
                % {"state": extension.get_state_display()}
            )
        if granted and grant.state not in MONEY_MOVING_STATES:
            raise ServiceError(
                _("Tilsagnet har status «%(state)s»; fristen kan ikke forlenges.")
                % {"state": grant.get_state_display()}
            )
        extension.decided_at = timezone.now()
        extension.decided_by = actor
        extension.decision_note = note
        to_state = DeadlineExtension.State.GRANTED if granted else DeadlineExtension.State.REFUSED
        transition(
            extension,
            to_state,
            actor=actor,
            reason=note,
            extra_fields=["decided_at", "decided_by", "decision_note"],
        )
        if granted:
            before = grant.final_report_deadline
            grant.final_report_deadline = extension.requested_deadline
            full_clean_or_refuse(grant)
            grant.save(update_fields=["final_report_deadline"])
            audit_log(
                actor=actor,
                obj=grant,
                action="grant:deadline_extended",
                from_state=grant.state,
                to_state=grant.state,
                reason=note,
                data={
                    "from": before.isoformat() if before else None,
                    "to": grant.final_report_deadline.isoformat(),
                    "extension_id": extension.pk,
                },
            )
        _notify("grant_notify", grant.pk, f"extension_{to_state}")
    return extension


def _reminder_due(deadline, today):
    """The reminder ``today`` calls for: the latest stage reached, so a late run sends one e-mail."""
    if today > deadline:
        return GrantReminder.Kind.PASSED
    days_left = (deadline - today).days
    late, early = sorted(REMINDER_DAYS)
    if days_left <= late:
        return GrantReminder.Kind.DAYS_14
    if days_left <= early:
        return GrantReminder.Kind.DAYS_60
    return None


@system_service
def grant_deadline_reminders_send(*, actor: User | None = None) -> list[GrantReminder]:
    """Remind the holders of open grants of their final report deadline: 60 and 14 days before it
    and once it has passed, each once per deadline. Returns the reminders recorded in this run.

    A grant whose final payout is requested or approved has done what the deadline asks."""
    today = _today()
    final_payout = Payout.objects.filter(grant=OuterRef("pk"), kind=Payout.Kind.FINAL).exclude(
        state=Payout.State.REJECTED
    )
    grants = (
        Grant.objects.filter(
            state__in=MONEY_MOVING_STATES,
            final_report_deadline__isnull=False,
            final_report_deadline__lte=today + dt.timedelta(days=max(REMINDER_DAYS)),
        )
        .exclude(Exists(final_payout))
        .order_by("pk")
    )
    sent = []
    for grant in grants:
        kind = _reminder_due(grant.final_report_deadline, today)
        if kind is None:
            continue
        with transaction.atomic():
            # A concurrent run that recorded the same reminder first makes this insert fail inside
            # get_or_create's savepoint; it then reads the other run's row and sends nothing.
            reminder, created = GrantReminder.objects.get_or_create(
                grant=grant, kind=kind, deadline=grant.final_report_deadline
            )
            if not created:
                continue
            audit_log(
                actor=actor,
                obj=grant,
                action=f"reminder:{kind}",
                data={"deadline": grant.final_report_deadline.isoformat()},
            )
            _notify("grant_notify", grant.pk, f"reminder_{kind}")
        sent.append(reminder)
    return sent
