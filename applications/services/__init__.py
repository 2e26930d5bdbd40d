"""Writes for applications: the applicant's submit and withdraw, and case handling's state changes.

Each service locks the application row, decides on the fresh locked copy and returns it; the
caller's instance is left as it was. Services that edit a draft (later) must lock the row the same
way, so that nothing is changed while it is being submitted.
"""

import json
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from applications.models import Application, ApplicationSnapshot, Decision, FinancingLine
from omstilling.audit import full_clean_or_refuse, locked, transition
from omstilling.exceptions import ServiceError

OSLO = ZoneInfo("Europe/Oslo")
SUMMARY_MAX_LENGTH = 500


class ApplicationIncompleteError(ServiceError):
    """Submit refused because parts are missing; ``problems`` lists them one by one."""

    def __init__(self, problems):
        self.problems = list(problems)
        lines = "\n".join(f"– {problem}" for problem in self.problems)
        super().__init__(_("Søknaden kan ikke sendes inn før dette er på plass:") + "\n" + lines)


def _kr(amount):
    return number_format(amount, decimal_pos=0, force_grouping=True)


def _oslo_moment(moment):
    local = timezone.localtime(moment, OSLO)
    return _("%(date)s kl. %(time)s") % {"date": date_format(local, "j. F Y"), "time": f"{local:%H:%M}"}


def _require_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Du må oppgi en begrunnelse."), field="reason")
    return reason


def _check_call_is_open(application, now):
    call = application.call
    if call is None:
        raise ServiceError(_("Søknaden er ikke knyttet til en utlysning og kan ikke sendes inn."))
    if now < call.opens_at:
        raise ServiceError(
            _("Utlysningen er ikke åpnet ennå. Den åpner %(opens)s.") % {"opens": _oslo_moment(call.opens_at)}
        )
    if now > call.deadline:
        raise ServiceError(
            _("Søknadsfristen er ute. Fristen var %(deadline)s.") % {"deadline": _oslo_moment(call.deadline)}
        )


def _totals(cost_lines, financing_lines):
    """(cost total, financing total, amount applied from the programme)."""
    return (
        sum((line.amount for line in cost_lines), Decimal(0)),
        sum((line.amount for line in financing_lines), Decimal(0)),
        sum(
            (line.amount for line in financing_lines if line.kind == FinancingLine.Kind.PROGRAMME), Decimal(0)
        ),
    )


def _missing_parts(application, cost_lines, financing_lines):
    """What stands between this draft and a complete application, in the order of the form."""
    call = application.call
    problems = []
    if not application.title.strip():
        problems.append(_("Prosjekttittel mangler."))
    if not application.summary.strip():
        problems.append(_("Sammendrag mangler."))
    elif len(application.summary) > SUMMARY_MAX_LENGTH:
        problems.append(
            _("Sammendraget er på %(length)d tegn; høyst %(max)d er tillatt.")
            % {"length": len(application.summary), "max": SUMMARY_MAX_LENGTH}
        )
    if not application.description.strip():
        problems.append(_("Prosjektbeskrivelse mangler."))
    if application.start_date is None:
        problems.append(_("Startdato mangler."))
    if application.end_date is None:
        problems.append(_("Sluttdato mangler."))
    if application.category not in call.admitted_categories:
        problems.append(
            _("Utlysningen tar ikke imot søknader om %(category)s.")
            % {"category": application.get_category_display().lower()}
        )
    admitted_areas = set(call.focus_areas.values_list("pk", flat=True))
    if admitted_areas and application.focus_area_id not in admitted_areas:
        problems.append(
            _("Innsatsområdet «%(area)s» er ikke med i utlysningen.") % {"area": application.focus_area.name}
        )

    costs, financing, applied = _totals(cost_lines, financing_lines)
    if not cost_lines:
        problems.append(_("Kostnadsplanen har ingen linjer."))
    if financing != costs:
        problems.append(
            _("Finansieringsplanen (%(financing)s kr) går ikke i balanse med kostnadsplanen (%(costs)s kr).")
            % {"financing": _kr(financing), "costs": _kr(costs)}
        )
    if applied <= 0:
        problems.append(_("Finansieringsplanen viser ikke hvor mye som søkes fra omstillingsprogrammet."))
    if call.max_amount is not None and applied > call.max_amount:
        problems.append(
            _("Søkt beløp (%(applied)s kr) er høyere enn utlysningens maksimum på %(max)s kr.")
            % {"applied": _kr(applied), "max": _kr(call.max_amount)}
        )
    if call.max_share_percent is not None and applied * 100 > costs * call.max_share_percent:
        problems.append(
            _("Søkt beløp (%(applied)s kr) er mer enn %(percent)d %% av kostnadene (%(costs)s kr).")
            % {"applied": _kr(applied), "percent": call.max_share_percent, "costs": _kr(costs)}
        )
    return problems


def _row(obj, exclude=()):
    return {
        field.attname: field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if field.attname not in exclude
    }


def _snapshot_data(application, cost_lines, financing_lines):
    """Everything the applicant submitted, as plain JSON (money and dates as strings)."""
    organisation = application.organisation
    data = {
        "application": _row(application),
        "call": {"id": application.call_id, "title": application.call.title},
        "focus_area": {"id": application.focus_area_id, "name": application.focus_area.name},
        "organisation": {
            "id": organisation.pk,
            "orgnr": organisation.orgnr,
            "name": organisation.name,
            "address": organisation.address,
            "postal_code": organisation.postal_code,
            "city": organisation.city,
        },
        "cost_lines": [_row(line, exclude=("application_id",)) for line in cost_lines],
        "financing_lines": [_row(line, exclude=("application_id",)) for line in financing_lines],
        "attachments": [
            {
                "id": attachment.pk,
                "kind": attachment.kind,
                "file": attachment.file.name,
                "original_name": attachment.original_name,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "uploaded_at": attachment.uploaded_at,
            }
            for attachment in application.attachments.order_by("uploaded_at", "pk")
        ],
        "totals": dict(
            zip(("costs", "financing", "applied"), _totals(cost_lines, financing_lines), strict=True)
        ),
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _notify_submitted(application_id):
    from applications.tasks import application_submitted_notify

    application_submitted_notify.delay(application_id)


def application_submit(application, actor):
    """Submit a draft before the call's deadline, keep a frozen copy and send the receipt."""
    with transaction.atomic():
        application = locked(application)
        if application.state != Application.State.DRAFT:
            if application.state == Application.State.SUBMITTED:
                raise ServiceError(_("Søknaden er allerede sendt inn."))
            raise ServiceError(
                _("Bare et utkast kan sendes inn. Søknaden har status «%(state)s».")
                % {"state": application.get_state_display()}
            )
        now = timezone.now()
        _check_call_is_open(application, now)
        cost_lines = list(application.cost_lines.all())
        financing_lines = list(application.financing_lines.all())
        problems = _missing_parts(application, cost_lines, financing_lines)
        if problems:
            raise ApplicationIncompleteError(problems)

        application.submitted_at = now
        transition(
            application,
            Application.State.SUBMITTED,
            actor=actor,
            extra_fields=["submitted_at", "updated_at"],
        )
        snapshot = ApplicationSnapshot(
            application=application,
            submitted_at=now,
            submitted_by=actor,
            data=_snapshot_data(application, cost_lines, financing_lines),
        )
        full_clean_or_refuse(snapshot)
        snapshot.save()
        transaction.on_commit(partial(_notify_submitted, application.pk), robust=True)
    return application


def application_withdraw(application, actor, reason=""):
    """The applicant takes the application back (from draft or submitted)."""
    with transaction.atomic():
        application = locked(application)
        application.withdrawn_at = timezone.now()
        return transition(
            application,
            Application.State.WITHDRAWN,
            actor=actor,
            reason=(reason or "").strip(),
            extra_fields=["withdrawn_at", "updated_at"],
        )


def application_review_start(application, actor):
    """Case handling starts on a submitted application."""
    with transaction.atomic():
        application = locked(application)
        return transition(
            application,
            Application.State.IN_REVIEW,
            actor=actor,
            extra_fields=["updated_at"],
            from_states=[Application.State.SUBMITTED],
        )


def application_send_to_board(application, actor):
    """Put the application before the board; it needs a finished assessment first."""
    with transaction.atomic():
        application = locked(application)
        if application.state == Application.State.IN_REVIEW:
            assessment = getattr(application, "assessment", None)
            if assessment is None or assessment.submitted_at is None:
                raise ServiceError(_("Søknaden må ha en ferdig vurdering før den kan sendes til styret."))
        return transition(application, Application.State.TO_BOARD, actor=actor, extra_fields=["updated_at"])


def application_return_to_review(application, actor, reason=""):
    """The board sends the case back to the programme leader."""
    with transaction.atomic():
        application = locked(application)
        return transition(
            application,
            Application.State.IN_REVIEW,
            actor=actor,
            reason=(reason or "").strip(),
            extra_fields=["updated_at"],
            from_states=[Application.State.TO_BOARD],
        )


def application_reject(application, actor, reason):
    """Reject in case handling or after the board's decision; a rejection is always reasoned."""
    reason = _require_reason(reason)
    with transaction.atomic():
        application = locked(application)
        application.decided_at = timezone.now()
        return transition(
            application,
            Application.State.REJECTED,
            actor=actor,
            reason=reason,
            extra_fields=["decided_at", "updated_at"],
        )


def application_approve(application, actor, decision):
    """Mark the application approved because ``decision`` (the board's vedtak) approved it."""
    if decision.application_id != application.pk or decision.outcome != Decision.Outcome.APPROVED:
        raise ServiceError(_("Søknaden kan bare innvilges på grunnlag av et vedtak om å innvilge den."))
    with transaction.atomic():
        application = locked(application)
        application.decided_at = decision.decided_at
        return transition(
            application,
            Application.State.APPROVED,
            actor=actor,
            extra_fields=["decided_at", "updated_at"],
            data={"decision_id": decision.pk, "amount": str(decision.amount)},
        )
