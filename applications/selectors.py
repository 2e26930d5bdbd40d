"""Reads for the applicant portal and the public pages.

Every lookup by id goes through the user's own organisations, so a row that is not hers is simply
not found (404), whoever she is.
"""

from decimal import Decimal

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from omstilling.models import Call, FocusArea, Programme
from omstilling.roles import programmes_for_board, programmes_for_staff
from projects.models import Grant

from .models import (
    Application,
    Attachment,
    FinancingLine,
    Letter,
    Organisation,
    OrganisationJoinRequest,
    OrganisationMembership,
)


def open_calls_qs(now=None):
    now = now or timezone.now()
    return Call.objects.filter(is_historical=False, opens_at__lte=now, deadline__gte=now)


def programmes_with_open_calls():
    """Every programme, each with its open calls (and their focus areas) prefetched."""
    calls = (
        open_calls_qs()
        .order_by("deadline")
        .prefetch_related(Prefetch("focus_areas", queryset=FocusArea.objects.order_by("number", "name")))
    )
    return Programme.objects.order_by("name").prefetch_related(
        Prefetch("calls", queryset=calls, to_attr="open_calls")
    )


def open_call(pk):
    return get_object_or_404(
        open_calls_qs().select_related("programme").prefetch_related("focus_areas"), pk=pk
    )


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


def organisations_for_user(user):
    return Organisation.objects.filter(memberships__user=user).order_by("name")


def memberships_for_user(user):
    return (
        OrganisationMembership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def join_requests_to_decide(user):
    """Open requests for access to organisations where ``user`` is an administrator."""
    return (
        OrganisationJoinRequest.objects.filter(
            decided_at__isnull=True,
            organisation__memberships__user=user,
            organisation__memberships__role=OrganisationMembership.Role.ADMIN,
        )
        .select_related("organisation", "user")
        .order_by("created_at")
    )


def join_requests_of(user):
    return (
        OrganisationJoinRequest.objects.filter(user=user)
        .select_related("organisation")
        .order_by("-created_at")
    )


def join_request_to_decide(user, pk):
    return get_object_or_404(join_requests_to_decide(user), pk=pk)


APPLICATION_RELATED = ("call", "programme", "organisation", "focus_area")


def applications_for_user(user, related=APPLICATION_RELATED):
    return (
        Application.objects.filter(organisation__memberships__user=user)
        .select_related(*related)
        .order_by("-created_at", "-pk")
    )


def application_for_member(user, pk, related=APPLICATION_RELATED):
    """The application if ``user`` acts for its organisation, else 404.

    ``related`` names what to join in; the form steps, which show neither the programme nor the focus
    area, ask for less (each joined table costs planning and building time on every page).
    """
    return get_object_or_404(applications_for_user(user, related), pk=pk)


def letter_for_member(user, pk):
    """A tilsagnsbrev or avslagsbrev about one of the user's own organisations' applications."""
    return get_object_or_404(
        Letter.objects.filter(
            decision__application__in=applications_for_user(user),
            kind__in=[Letter.Kind.GRANT_LETTER, Letter.Kind.REJECTION_LETTER],
        ),
        pk=pk,
    )


def decisions_for_application(application):
    """The decisions in force on ``application``, newest first, each with its letters.

    A decision replaced by a correction is not in force; it is listed in the ``history`` of the
    decision that replaced it (the whole chain back to the board's own decision, newest first),
    with ``replaced_by`` naming the decision that corrected it.
    """
    decisions = list(
        application.decisions.prefetch_related(
            Prefetch("letters", queryset=Letter.objects.order_by("-created_at", "-pk"))
        ).order_by("-decided_at", "-pk")
    )
    by_pk = {decision.pk: decision for decision in decisions}
    corrected = {decision.corrects_id for decision in decisions if decision.corrects_id}
    in_force = []
    for decision in decisions:
        if decision.pk in corrected:
            continue
        decision.history = []
        newer, older = decision, by_pk.get(decision.corrects_id)
        while older is not None:
            older.replaced_by = newer
            decision.history.append(older)
            newer, older = older, by_pk.get(older.corrects_id)
        in_force.append(decision)
    return in_force


def attachment_for_reader(user, pk):
    """An attachment the user may read: her organisation's, or her programme's as staff or board."""
    if not user.is_authenticated:
        return get_object_or_404(Attachment.objects.none(), pk=pk)
    readable = Q(application__organisation__memberships__user=user)
    if user.is_superuser:
        readable = Q()
    else:
        readable |= Q(application__programme__in=programmes_for_staff(user))
        readable |= Q(application__programme__in=programmes_for_board(user))
    return get_object_or_404(
        Attachment.objects.filter(readable).distinct().select_related("application"), pk=pk
    )


def budget_totals(cost_lines, financing_lines):
    """{"costs", "financing", "applied"} of a cost and financing plan."""
    costs = sum((line.amount for line in cost_lines), Decimal(0))
    financing = sum((line.amount for line in financing_lines), Decimal(0))
    applied = sum(
        (line.amount for line in financing_lines if line.kind == FinancingLine.Kind.PROGRAMME), Decimal(0)
    )
    return {"costs": costs, "financing": financing, "applied": applied, "balanced": costs == financing}


def receipt_addresses(application):
    """Where a submission receipt goes: the first address given of the application's contact, the
    organisation's contact and the person who submitted it (from the frozen copy); [] if none."""
    snapshot = getattr(application, "snapshot", None)
    submitter = snapshot.submitted_by if snapshot else None
    for address in (
        application.contact_email,
        application.organisation.contact_email,
        submitter.email if submitter else "",
    ):
        if address:
            return [address]
    return []
