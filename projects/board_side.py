"""What the board's case file and decision need from the money side: the applicant's grant history,
the warnings before a grant is decided, and the offer that carries an approving decision out.

Registered with the board as its grant side (:mod:`applications.board.money`) in
``ProjectsConfig.ready``: the board calls it, inside its own transaction, without importing projects.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from omstilling.formatting import format_kr, format_nok

from .models import Grant
from .policies import offer_replace_refusal
from .selectors import budget_ledger
from .services import grant_offer, grant_offer_reopen, grant_replace


@dataclass(frozen=True)
class GrantHistory:
    grants: list  # the organisation's earlier grants in this programme
    de_minimis_years: tuple  # (first, last) fiscal year
    de_minimis_in_portal: Decimal  # de minimis grants registered here, in any programme
    de_minimis_declared: Decimal  # what the applicant declared from other aid givers

    @property
    def de_minimis_total(self):
        return self.de_minimis_in_portal + self.de_minimis_declared


def organisation_grant_history(application):
    """The applicant's earlier grants and its de minimis aid in the last three fiscal years.

    The grants listed are those of the application's own programme; the de minimis sum counts
    every programme, as a single figure, because the EEA ceiling applies to all aid together.
    """
    year = timezone.localdate().year
    grants = (
        Grant.objects.filter(application__organisation=application.organisation_id)
        .exclude(application=application)
        .filter(application__programme=application.programme_id)
        .select_related("application")
        .order_by("-year", "reference")
    )
    counted = Grant.objects.filter(
        application__organisation=application.organisation_id,
        is_de_minimis=True,
        year__gte=year - 2,
    ).exclude(state__in=[Grant.State.CANCELLED, Grant.State.LAPSED])
    in_portal = counted.effective_total()
    return GrantHistory(
        grants=list(grants),
        de_minimis_years=(year - 2, year),
        de_minimis_in_portal=in_portal,
        de_minimis_declared=application.de_minimis_received,
    )


def de_minimis_ceiling_nok():
    """The de minimis ceiling (EUR, settings.DE_MINIMIS_CEILING_EUR) in whole kroner at the
    configured rate (settings.DE_MINIMIS_EUR_RATE)."""
    rate = Decimal(str(settings.DE_MINIMIS_EUR_RATE))
    return (Decimal(settings.DE_MINIMIS_CEILING_EUR) * rate).quantize(Decimal(1))


def grant_warnings(application, amount, history=None):
    """What the board should know before granting ``amount`` to ``application``: a call budget
    that would be exceeded, more than the programme has available this year, and de minimis aid
    that would pass the EEA ceiling. Warnings only: the programme's budget is enforced when the
    grant is offered (``projects.services.grant_offer``)."""
    amount = Decimal(amount or 0)
    if amount <= 0:
        return []
    warnings = []
    call = application.call
    if call is not None and not call.is_historical:
        granted = (
            Grant.objects.filter(application__call=call).exclude(application=application).effective_total()
        )
        if granted + amount > call.budget:
            warnings.append(
                _(
                    "Utlysningens ramme overskrides: «%(call)s» har en ramme på %(budget)s, det er gitt "
                    "%(granted)s i tilsagn, og dette tilsagnet på %(amount)s gir %(total)s."
                )
                % {
                    "call": call.title,
                    "budget": format_kr(call.budget),
                    "granted": format_kr(granted),
                    "amount": format_kr(amount),
                    "total": format_kr(granted + amount),
                }
            )
    year = timezone.localdate().year
    ledger = budget_ledger(application.programme, year)
    if ledger.has_funding and amount > ledger.available:
        warnings.append(
            _(
                "Programmet har %(available)s tilgjengelig for %(year)s; et tilsagn på %(amount)s kan ikke "
                "gis før budsjettet dekker det."
            )
            % {
                "available": format_kr(max(ledger.available, 0)),
                "year": str(year),
                "amount": format_kr(amount),
            }
        )
    if application.de_minimis_declared:
        history = history or organisation_grant_history(application)
        ceiling = de_minimis_ceiling_nok()
        total = history.de_minimis_total + amount
        if total > ceiling:
            warnings.append(
                _(
                    "Bagatellstøtte: søkeren har fått %(received)s i %(first)s–%(last)s. Med dette tilsagnet "
                    "blir det %(total)s, over taket på %(eur)s euro (%(ceiling)s)."
                )
                % {
                    "received": format_kr(history.de_minimis_total),
                    "first": str(history.de_minimis_years[0]),
                    "last": str(history.de_minimis_years[1]),
                    "total": format_kr(total),
                    "eur": format_nok(settings.DE_MINIMIS_CEILING_EUR),
                    "ceiling": format_kr(ceiling),
                }
            )
    return warnings


class ProjectsGrantSide:
    def offer(self, decision, *, actor):
        grant_offer(decision, actor=actor)

    def replace(self, old_decision, new_decision, *, actor, reason):
        grant_replace(old_decision, actor=actor, new_decision=new_decision, reason=reason)

    def reopen(self, decision, *, actor, reason):
        grant_offer_reopen(decision, actor=actor, reason=reason)

    def replace_refusal(self, decision):
        return offer_replace_refusal(Grant.objects.filter(decision=decision).first())

    def warnings(self, application, amount, history=None):
        return grant_warnings(application, amount, history=history)

    def history(self, application):
        return organisation_grant_history(application)
