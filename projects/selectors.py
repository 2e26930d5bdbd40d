"""Reads for the grant holder's pages in the portal and for the public list of granted projects.

Every lookup by id goes through the user's own organisations, so a grant that is not hers is simply
not found (404), whoever she is — applicant of another organisation, staff of a programme or board.
"""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, DecimalField, Exists, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _gettext

from applications.board.models import ConflictDeclaration, Vote
from applications.models import (
    Appeal,
    Application,
    CostLine,
    Letter,
    OrganisationJoinRequest,
    OrganisationMembership,
)
from omstilling.models import AuditEntry, BoardMembership, Funding, Programme, StaffMembership

from .models import (
    Attestation,
    DeadlineExtension,
    Grant,
    Payout,
    PayoutAttachment,
    ResultFunding,
    ResultReport,
)

OSLO = ZoneInfo("Europe/Oslo")
ZERO = Decimal(0)


def public_grants(limit=None):
    """Granted projects as the public may see them: who, what, how much, which year and focus area."""
    grants = (
        # A cancelled grant was withdrawn and a lapsed offer was never taken up: neither is support given.
        Grant.objects.exclude(state__in=["cancelled", "lapsed"])
        # A zero grant (recorded but nothing granted) is no support to show the public.
        .exclude(amount=0)
        .select_related("application__organisation", "application__focus_area", "application__programme")
        .only(
            "year",
            "amount",
            "state",
            "application__title",
            "application__organisation__name",
            "application__focus_area__name",
            "application__programme__name",
            "application__programme__short_name",
        )
        .order_by("-year", "application__organisation__name", "pk")
    )
    return grants[:limit] if limit else grants


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


@dataclass(frozen=True)
class GrantLetter:
    letter: object
    current: bool  # the letter of this grant's own decision
    earlier: bool  # not current: about a decision older than the grant's (replaced by a correction)


def grant_letters(grants):
    """{grant pk: [GrantLetter]} for ``grants``, newest first, in one query: every tilsagnsbrev about
    the grant's application — its own, and those of decisions a correction replaced or that replaced
    it (a corrected decision offers a new grant and a new letter; the old one stays on record)."""
    grants = list(grants)
    letters = (
        Letter.objects.filter(
            kind=Letter.Kind.GRANT_LETTER,
            decision__application__in={grant.application_id for grant in grants},
        )
        .select_related("decision")
        .order_by("-created_at", "-pk")
    )
    by_application = {}
    for letter in letters:
        by_application.setdefault(letter.decision.application_id, []).append(letter)
    result = {}
    for grant in grants:
        found = by_application.get(grant.application_id, [])
        # Decision pks grow with time, as decided_at does; a correction is always newer than what it corrects.
        result[grant.pk] = [
            GrantLetter(
                letter=letter,
                current=letter.decision_id == grant.decision_id,
                earlier=letter.decision_id < grant.decision_id,
            )
            for letter in found
        ]
    return result


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


def held_back(grant):
    """The share of the grant payable only with the final payout, rounded up to whole kroner."""
    return (grant.effective_amount * grant.holdback_percent / Decimal(100)).quantize(
        Decimal(1), rounding=ROUND_CEILING
    )


def payout_request_limit(grant, kind, *, committed, requested):
    """The most a new payout request of ``kind`` may ask for: a partial request leaves the share held
    back for the final payout, the final one may take what remains; requests not decided yet count.
    The payout page states this figure and ``payout_request`` refuses anything above it."""
    limit = grant.effective_amount - committed - requested
    if kind == Payout.Kind.PARTIAL:
        limit -= held_back(grant)
    return max(limit, ZERO)


@dataclass(frozen=True)
class AccountsRule:
    """Who must attest the project accounts of a grant's final payout, and the programme's limits
    that decide it (the payout page states them; ``payout_request`` and ``payout_approve`` refuse a
    weaker attestation)."""

    required: str  # an Attestation value
    grant_amount: Decimal
    leader_limit: Decimal
    accountant_limit: Decimal

    @property
    def required_label(self):
        return Attestation(self.required).label

    def met_by(self, attestation):
        return Attestation.rank(attestation) >= Attestation.rank(self.required)


def accounts_rule(grant):
    """The attestation the final payout of ``grant`` needs, by what the grant is worth now: under the
    programme's first limit the organisation's leader signs, up to and including the second an
    authorised accountant attests, above it a state-authorised or registered auditor."""
    programme = grant.application.programme
    amount = grant.effective_amount
    leader, accountant = programme.accounts_leader_limit, programme.accounts_accountant_limit
    if amount < leader:
        required = Attestation.LEADER
    elif amount <= accountant:
        required = Attestation.ACCOUNTANT
    else:
        required = Attestation.AUDITOR
    return AccountsRule(
        required=required, grant_amount=amount, leader_limit=leader, accountant_limit=accountant
    )


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
    kept = held_back(grant)
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
        in_between=max(effective - kept - on_acceptance, ZERO),
        holdback_percent=grant.holdback_percent,
        held_back=kept,
        paid=paid,
        approved=approved,
        requested=requested,
        remaining=payout_request_limit(grant, Payout.Kind.FINAL, committed=committed, requested=requested),
        partial_available=payout_request_limit(
            grant, Payout.Kind.PARTIAL, committed=committed, requested=requested
        ),
        not_paid=max(effective - paid, ZERO),
    )


# Deadlines ---------------------------------------------------------------------------------------

# How many days before the final report deadline the holder is reminded.
REMINDER_DAYS = (60, 14)


def add_months(day, months):
    """``day`` plus ``months`` calendar months; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Deadlines:
    project_start: dt.date | None
    project_end: dt.date | None
    final_report_deadline: dt.date | None
    months: int  # after the project's end


def report_months(application, programme=None):
    """Months from the project's end to the final report deadline: the call's rule, else the programme's."""
    call = application.call
    if call is not None and call.final_report_months is not None:
        return call.final_report_months
    return (programme or application.programme).final_report_months


def default_deadlines(application, *, programme=None):
    """The project period the application gives, and the final report deadline that follows from it.

    Without an end date in the application there is no period to count from: the deadline is then
    set by the programme in the admin (None here)."""
    months = report_months(application, programme)
    end = application.end_date
    return Deadlines(
        project_start=application.start_date,
        project_end=end,
        final_report_deadline=add_months(end, months) if end else None,
        months=months,
    )


def deadline_overdue(grant):
    """The final report deadline has passed and the grant is still open for payouts."""
    deadline = grant.final_report_deadline
    return money_moves(grant) and deadline is not None and _today() > deadline


def days_to_deadline(grant):
    deadline = grant.final_report_deadline
    return (deadline - _today()).days if deadline else None


def deadline_extensions_of(grant):
    """The grant's requests for a later deadline, newest first, with who asked and who decided."""
    return grant.deadline_extensions.select_related("requested_by", "decided_by").order_by(
        "-requested_at", "-pk"
    )


def has_open_deadline_extension(grant):
    """The holder has asked for a later deadline and the programme has not yet decided."""
    return grant.deadline_extensions.filter(state=DeadlineExtension.State.REQUESTED).exists()


def deadline_extension_refusal(grant):
    """Why the holder cannot ask for a later deadline now (None: she can). The service asks again
    under the grant's lock."""
    if not money_moves(grant):
        return _gettext("Du kan bare søke om lengre frist for et akseptert eller aktivt tilsagn.")
    if grant.final_report_deadline is None:
        return _gettext("Tilsagnet har ingen frist for sluttrapport ennå. Kontakt programmet.")
    if has_open_deadline_extension(grant):
        return _gettext("Du har allerede søkt om lengre frist. Programmet behandler søknaden.")
    return None


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
    return grant.state in Grant.MONEY_MOVING_STATES


def report_years(grant):
    """The years a result report may be given for, as the service allows them: from the grant year
    to this year. A grant from next year's call (offered in December) may report this year too."""
    today = _today().year
    return list(range(min(grant.year, today), today + 1))


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


# The budget ledger -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFunding:
    source: str
    kind: str
    amount: Decimal


@dataclass(frozen=True)
class BudgetLedger:
    """A programme's money in one year, every figure summed from the records.

    The year's grants are followed to the end of their life: ``released``, ``paid`` and
    ``approved_unpaid`` are what happened *to the grants awarded in this year*, whenever it
    happened. What a year leaves unused is carried forward to the next (``brought_forward``), so
    the available figure of the latest year is what the programme can still grant.

        available   = brought_forward + funding_in − granted + released
        outstanding = granted − released − paid      (approved but unpaid is part of outstanding)
    """

    programme: object
    year: int
    years: list[int]  # every year with funding or grants, for the year picker
    has_funding: bool  # False: the programme keeps no budget in the portal (no funding rows at all)
    brought_forward: Decimal
    funding: list[LedgerFunding]
    funding_in: Decimal
    granted_count: int
    granted: Decimal
    released_cancelled: Decimal
    released_lapsed: Decimal
    released_other: Decimal  # reductions, and money left unused when a grant was completed
    paid: Decimal
    paid_historical: Decimal  # part of ``paid``: imported completed grants, counted as paid in full
    approved_unpaid: Decimal

    @property
    def released(self):
        return self.released_cancelled + self.released_lapsed + self.released_other

    @property
    def available(self):
        return self.brought_forward + self.funding_in - self.granted + self.released

    @property
    def outstanding(self):
        return self.granted - self.released - self.paid


def _zero_if_none(value):
    return value if value is not None else Decimal("0")


def budget_ledger(programme, year):
    """The budget ledger of ``programme`` for ``year`` (see :class:`BudgetLedger`).

    Historical grants imported from a file (``projects.importers``) carry no payout records: the
    money was paid outside the portal. An imported grant that is *completed* and has no approved
    or paid payout here counts as paid in full (its amount less anything released); an imported
    grant still *active* counts as not paid yet, i.e. outstanding, until payouts are registered or
    it is completed. Cancelled imported grants were released in full by the import.
    """

    zero = Decimal("0")
    fundings = Funding.objects.filter(source__programme=programme)
    funding_rows = list(
        fundings.filter(year=year).select_related("source").order_by("source__order", "source__name")
    )
    earlier_funding = _zero_if_none(fundings.filter(year__lt=year).aggregate(total=Sum("amount"))["total"])

    grants = Grant.objects.filter(application__programme=programme)
    this_year, before = Q(year=year), Q(year__lt=year)
    State = Grant.State  # noqa: N806 - the model's enum
    sums = grants.aggregate(
        granted_count=Count("pk", filter=this_year),
        granted=Sum("amount", filter=this_year),
        released_cancelled=Sum("released_amount", filter=this_year & Q(state=State.CANCELLED)),
        released_lapsed=Sum("released_amount", filter=this_year & Q(state=State.LAPSED)),
        released_other=Sum(
            "released_amount", filter=this_year & ~Q(state__in=[State.CANCELLED, State.LAPSED])
        ),
        granted_before=Sum("amount", filter=before),
        released_before=Sum("released_amount", filter=before),
    )
    payouts = Payout.objects.filter(grant__application__programme=programme, grant__year=year)
    payout_sums = payouts.aggregate(
        paid=Sum("amount", filter=Q(state=Payout.State.PAID)),
        approved_unpaid=Sum("amount", filter=Q(state=Payout.State.APPROVED)),
    )
    paid_historical = (
        grants.filter(this_year, state=State.COMPLETED, application__is_historical=True)
        .exclude(payouts__state__in=Payout.COMMITTED_STATES)
        .effective_total()
    )
    years = sorted(
        {
            *fundings.values_list("year", flat=True).distinct(),
            *grants.values_list("year", flat=True).distinct(),
        }
    )
    return BudgetLedger(
        programme=programme,
        year=year,
        years=years,
        has_funding=fundings.exists(),
        brought_forward=earlier_funding
        - _zero_if_none(sums["granted_before"])
        + _zero_if_none(sums["released_before"]),
        funding=[
            LedgerFunding(source=row.source.name, kind=row.source.get_kind_display(), amount=row.amount)
            for row in funding_rows
        ],
        funding_in=sum((row.amount for row in funding_rows), zero),
        granted_count=sums["granted_count"],
        granted=_zero_if_none(sums["granted"]),
        released_cancelled=_zero_if_none(sums["released_cancelled"]),
        released_lapsed=_zero_if_none(sums["released_lapsed"]),
        released_other=_zero_if_none(sums["released_other"]),
        paid=_zero_if_none(payout_sums["paid"]) + paid_historical,
        paid_historical=paid_historical,
        approved_unpaid=_zero_if_none(payout_sums["approved_unpaid"]),
    )


@dataclass(frozen=True)
class LedgerGrantLine:
    grant: object
    granted: Decimal
    released: Decimal
    paid: Decimal
    approved_unpaid: Decimal
    historical: bool

    @property
    def outstanding(self):
        return self.granted - self.released - self.paid


def budget_ledger_grants(programme, year):
    """The grants behind :func:`budget_ledger`'s figures for ``year``, one line each, on the same
    rules (an imported completed grant without payouts counts as paid in full); the lines add up
    to the ledger's granted, released and paid."""

    grants = (
        Grant.objects.filter(application__programme=programme, year=year)
        .select_related("application__organisation")
        .annotate(
            paid_sum=Sum("payouts__amount", filter=Q(payouts__state=Payout.State.PAID)),
            approved_sum=Sum("payouts__amount", filter=Q(payouts__state=Payout.State.APPROVED)),
        )
        .order_by("reference")
    )
    lines = []
    for grant in grants:
        paid = _zero_if_none(grant.paid_sum)
        approved = _zero_if_none(grant.approved_sum)
        historical = grant.application.is_historical
        if historical and grant.state == Grant.State.COMPLETED and not paid and not approved:
            paid = grant.amount - grant.released_amount
        lines.append(
            LedgerGrantLine(
                grant=grant,
                granted=grant.amount,
                released=grant.released_amount,
                paid=paid,
                approved_unpaid=approved,
                historical=historical,
            )
        )
    return lines


@dataclass(frozen=True)
class GrantPosition:
    """Where a grant's money stands, for the programme leader deciding on a payout."""

    effective: Decimal  # the grant less what was released
    paid: Decimal
    approved_unpaid: Decimal
    requested: Decimal  # requests not yet decided
    held_back: Decimal  # payable only with the final payout
    has_final_report: bool

    @property
    def committed(self):
        return self.paid + self.approved_unpaid

    @property
    def remaining(self):
        return self.effective - self.committed

    @property
    def partial_limit(self):
        """What all partial payouts together may reach; the rest waits for the final report."""
        return self.effective - self.held_back


def grant_position(grant):

    sums = grant.payouts.aggregate(
        paid=Sum("amount", filter=Q(state=Payout.State.PAID)),
        approved=Sum("amount", filter=Q(state=Payout.State.APPROVED)),
        requested=Sum("amount", filter=Q(state=Payout.State.REQUESTED)),
    )
    return GrantPosition(
        effective=grant.effective_amount,
        paid=_zero_if_none(sums["paid"]),
        approved_unpaid=_zero_if_none(sums["approved"]),
        requested=_zero_if_none(sums["requested"]),
        held_back=held_back(grant),
        has_final_report=grant.result_reports.filter(is_final=True).exists(),
    )


# What the portal holds about one person (projects.services.privacy) ----------------------------------


def _plain(obj, *fields):
    return {name: getattr(obj, name) for name in fields}


def personal_data_of(user):
    """Everything held about ``user``, as plain data, and the files she uploaded.

    Returns ``(data, files)``: ``data`` is JSON-ready (dates and Decimals for DjangoJSONEncoder);
    ``files`` is a list of ``(path in the ZIP, FieldFile)``."""
    files = []
    applications = []
    for app in (
        Application.objects.filter(created_by=user)
        .select_related("programme", "organisation", "call", "focus_area")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    ):
        attachments = []
        for attachment in app.attachments.all():
            path = f"vedlegg/{app.reference}/{attachment.pk}-{attachment.original_name}"
            attachments.append({"name": attachment.original_name, "file": path, "sha256": attachment.sha256})
            files.append((path, attachment.file))
        applications.append(
            {
                **_plain(
                    app,
                    "reference",
                    "title",
                    "state",
                    "category",
                    "summary",
                    "description",
                    "start_date",
                    "end_date",
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                    "created_at",
                    "submitted_at",
                    "decided_at",
                    "withdrawn_at",
                ),
                "programme": app.programme.name,
                "organisation": app.organisation.name,
                "call": app.call.title if app.call_id else "",
                "focus_area": app.focus_area.name,
                "attachments": attachments,
            }
        )
    appeals = []
    for appeal in (
        Appeal.objects.filter(lodged_by=user)
        .select_related("application")
        .prefetch_related("attachments")
        .order_by("lodged_at", "pk")
    ):
        attachments = []
        for attachment in appeal.attachments.all():
            path = f"klager/{appeal.application.reference}/{attachment.pk}-{attachment.original_name}"
            attachments.append({"name": attachment.original_name, "file": path, "sha256": attachment.sha256})
            files.append((path, attachment.file))
        appeals.append(
            {
                **_plain(
                    appeal,
                    "reasons",
                    "lodged_at",
                    "deadline",
                    "is_late",
                    "state",
                    "resolved_at",
                    "forwarded_to",
                ),
                "application": appeal.application.reference,
                "decision_id": appeal.decision_id,
                "attachments": attachments,
            }
        )
    data = {
        "account": _plain(
            user, "email", "full_name", "phone", "date_joined", "last_login", "email_verified_at"
        ),
        "organisations": [
            {
                "organisation": m.organisation.name,
                "orgnr": m.organisation.orgnr,
                "role": m.role,
                "since": m.created_at,
            }
            for m in OrganisationMembership.objects.filter(user=user).select_related("organisation")
        ],
        "join_requests": [
            {"organisation": r.organisation.name, "asked": r.created_at, "decided": r.decided_at}
            for r in OrganisationJoinRequest.objects.filter(user=user).select_related("organisation")
        ],
        "applications_started": applications,
        "appeals_lodged": appeals,
        "payouts_requested": [
            {
                "grant": p.grant.reference,
                "amount": p.amount,
                "kind": p.kind,
                "state": p.state,
                "requested": p.requested_at,
            }
            for p in Payout.objects.filter(requested_by=user).select_related("grant").order_by("requested_at")
        ],
        "result_reports_submitted": [
            {"grant": r.grant.reference, "year": r.year, "final": r.is_final, "submitted": r.submitted_at}
            for r in ResultReport.objects.filter(submitted_by=user)
            .select_related("grant")
            .order_by("submitted_at")
        ],
        "programme_roles": [
            {"programme": m.programme.name, "role": m.role, "title": m.title, "active": m.is_active}
            for m in StaffMembership.objects.filter(user=user).select_related("programme")
        ],
        "board_seats": [
            {
                "programme": m.programme.name,
                "role": m.role,
                "represents": m.represents,
                "from": m.valid_from,
                "to": m.valid_to,
                "active": m.is_active,
            }
            for m in BoardMembership.objects.filter(user=user).select_related("programme")
        ],
        "votes": [
            {"case": str(v.case), "choice": v.choice, "cast": v.cast_at}
            for v in Vote.objects.filter(member__user=user)
            .select_related("case__application")
            .order_by("cast_at")
        ],
        "conflicts_declared": [
            {"case": str(c.case), "reason": c.reason, "declared": c.declared_at}
            for c in ConflictDeclaration.objects.filter(member__user=user)
            .select_related("case__application")
            .order_by("declared_at")
        ],
        "actions": [
            _plain(e, "created_at", "action", "object_repr", "from_state", "to_state", "reason")
            for e in AuditEntry.objects.filter(actor=user).order_by("created_at", "pk")
        ],
    }
    return data, files
