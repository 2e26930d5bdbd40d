"""Reads for the grant holder's pages in the portal and for the public list of granted projects.

Every lookup by id goes through the user's own organisations, so a grant that is not hers is simply
not found (404), whoever she is — applicant of another organisation, staff of a programme or board.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from django.db.models import DecimalField, Exists, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from applications.models import CostLine
from applications.selectors import public_grants
from omstilling.models import Programme

from .models import Grant, Payout, PayoutAttachment, ResultFunding, ResultReport

OSLO = ZoneInfo("Europe/Oslo")
ZERO = Decimal(0)


def _today():
    return timezone.localdate(timezone.now(), OSLO)


def _payout_sum(*states):
    total = (
        Payout.objects.filter(grant=OuterRef("pk"), state__in=states)
        .order_by()
        .values("grant")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=0))


def grants_for_user(user):
    """The grants of every organisation ``user`` acts for, with what is paid, approved and requested."""
    if not user.is_authenticated:
        return Grant.objects.none()
    return (
        Grant.objects.filter(application__organisation__memberships__user=user)
        .select_related(
            "application__organisation",
            "application__programme",
            "application__focus_area",
            "accepted_by",
        )
        .annotate(
            paid_total=_payout_sum(Payout.State.PAID),
            approved_total=_payout_sum(Payout.State.APPROVED),
            requested_total=_payout_sum(Payout.State.REQUESTED),
            has_final_report=Exists(ResultReport.objects.filter(grant=OuterRef("pk"), is_final=True)),
            has_final_payout=Exists(
                Payout.objects.filter(grant=OuterRef("pk"), kind=Payout.Kind.FINAL).exclude(
                    state=Payout.State.REJECTED
                )
            ),
        )
        .order_by("-year", "-pk")
    )


def grant_for_member(user, pk):
    return get_object_or_404(grants_for_user(user), pk=pk)


def payouts_of(grant):
    return grant.payouts.select_related("requested_by").prefetch_related(
        Prefetch("attachments", queryset=PayoutAttachment.objects.order_by("uploaded_at", "pk"))
    )


def payout_for_member(grant, pk):
    return get_object_or_404(payouts_of(grant), pk=pk)


def result_reports_of(grant):
    return (
        grant.result_reports.select_related("submitted_by")
        .prefetch_related(Prefetch("funding_lines", queryset=ResultFunding.objects.order_by("pk")))
        .order_by("is_final", "year", "pk")
    )


def result_report_for_member(grant, pk):
    return get_object_or_404(result_reports_of(grant), pk=pk)


def payout_attachment_for_member(user, pk):
    """An attachment to a payout of one of the user's own organisations' grants."""
    return get_object_or_404(
        PayoutAttachment.objects.filter(payout__grant__in=grants_for_user(user).values("pk")), pk=pk
    )


def cost_plan(application):
    """The application's cost plan lines and their total, to set the accumulated costs against."""
    lines = list(CostLine.objects.filter(application=application).order_by("order", "pk"))
    return lines, sum((line.amount for line in lines), ZERO)


def last_accumulated_costs(grant):
    """The accumulated costs the latest request stated, or None before the first request."""
    return (
        grant.payouts.exclude(state=Payout.State.REJECTED)
        .order_by("-number")
        .values_list("accumulated_costs", flat=True)
        .first()
    )


def reported_years(grant):
    return set(grant.result_reports.filter(is_final=False).values_list("year", flat=True))


@dataclass(frozen=True)
class PayoutSummary:
    """A grant's money as the grant holder sees it. Amounts in whole kroner (Decimal)."""

    amount: Decimal  # what the board granted
    released: Decimal  # what went back to the programme (reduction, lapse, unused)
    effective: Decimal  # what the grant is worth now
    on_acceptance_percent: int
    on_acceptance: Decimal
    in_between: Decimal
    holdback_percent: int
    held_back: Decimal
    paid: Decimal
    approved: Decimal  # approved, not yet paid
    requested: Decimal  # awaiting the programme leader
    remaining: Decimal  # not yet paid, approved nor requested
    partial_available: Decimal  # what a partial request can still be approved for
    not_paid: Decimal  # effective − paid


def payout_summary(grant):
    """The payout plan and its state; ``grant`` must come from :func:`grants_for_user` (annotated)."""
    effective = grant.amount - grant.released_amount
    held_back = (effective * grant.holdback_percent / Decimal(100)).quantize(
        Decimal(1), rounding=ROUND_CEILING
    )
    on_acceptance = (effective * grant.payout_on_acceptance_percent / Decimal(100)).quantize(
        Decimal(1), rounding=ROUND_FLOOR
    )
    paid, approved, requested = grant.paid_total, grant.approved_total, grant.requested_total
    committed = paid + approved
    return PayoutSummary(
        amount=grant.amount,
        released=grant.released_amount,
        effective=effective,
        on_acceptance_percent=grant.payout_on_acceptance_percent,
        on_acceptance=on_acceptance,
        in_between=max(effective - held_back - on_acceptance, ZERO),
        holdback_percent=grant.holdback_percent,
        held_back=held_back,
        paid=paid,
        approved=approved,
        requested=requested,
        remaining=max(effective - committed - requested, ZERO),
        partial_available=max(effective - held_back - committed - requested, ZERO),
        not_paid=max(effective - paid, ZERO),
    )


def acceptance_closed(grant):
    """True when an offer can no longer be accepted: it lapsed, or its deadline has passed."""
    if grant.state == Grant.State.LAPSED:
        return True
    return (
        grant.state == Grant.State.OFFERED
        and grant.acceptance_deadline is not None
        and _today() > grant.acceptance_deadline
    )


def money_moves(grant):
    """Payouts may be requested and results reported (accepted or active grant)."""
    return grant.state in (Grant.State.ACCEPTED, Grant.State.ACTIVE)


def report_years(grant):
    """The years a result report may be given for, as the service allows them."""
    return list(range(grant.year, _today().year + 1))


# Public open data ------------------------------------------------------------------------------

PUBLIC_SORTS = {
    "year": ("year", "application__organisation__name", "pk"),
    "organisation": ("application__organisation__name", "-year", "pk"),
    "project": ("application__title", "pk"),
    "amount": ("amount", "pk"),
    "focus_area": ("application__focus_area__name", "-year", "pk"),
    "programme": ("application__programme__name", "-year", "pk"),
}
PUBLIC_DEFAULT_SORT = "-year"


def _descending(fields):
    return tuple(field[1:] if field.startswith("-") else f"-{field}" for field in fields)


def public_grant_list(*, programme=None, year=None, sort=PUBLIC_DEFAULT_SORT):
    """The public list of granted projects (same rows as the front page), filtered and sorted.

    ``programme`` is a programme's slug, ``year`` the grant year, ``sort`` a key of
    :data:`PUBLIC_SORTS`, with a leading ``-`` for descending.
    """
    grants = public_grants()
    if programme:
        grants = grants.filter(application__programme__slug=programme)
    if year:
        grants = grants.filter(year=year)
    key = sort.removeprefix("-")
    fields = PUBLIC_SORTS.get(key, PUBLIC_SORTS["year"])
    # The tie-breaking pk stays ascending so that paging is stable whichever way the column runs.
    if sort.startswith("-") or key not in PUBLIC_SORTS:
        fields = (*_descending(fields[:-1]), fields[-1])
    return grants.order_by(*fields)


def public_grant_programmes():
    """The programmes that have at least one public grant, for the filter."""
    return (
        Programme.objects.filter(applications__grants__in=public_grants().values("pk"))
        .distinct()
        .order_by("name")
    )


def public_grant_years():
    return sorted(set(public_grants().order_by().values_list("year", flat=True).distinct()), reverse=True)


def public_grant_rows(grants):
    """The open-data rows: plain integers and stable keys, whatever the page's language."""
    return [
        {
            "year": grant.year,
            "programme": grant.application.programme.name,
            "focus_area": grant.application.focus_area.name,
            "organisation": grant.application.organisation.name,
            "project": grant.application.title,
            "amount": int(grant.amount),
        }
        for grant in grants
    ]
