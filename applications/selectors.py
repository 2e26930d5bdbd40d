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
        Grant.objects.exclude(state="cancelled")
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


def applications_for_user(user):
    return (
        Application.objects.filter(organisation__memberships__user=user)
        .select_related("call", "programme", "organisation", "focus_area")
        .order_by("-created_at", "-pk")
    )


def application_for_member(user, pk):
    return get_object_or_404(applications_for_user(user), pk=pk)


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
    """The decisions on ``application`` the applicant is told about, newest first."""
    return application.decisions.order_by("-decided_at", "-pk")


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
