"""The programme leader's worklist on the admin's front page: per programme she leads, what waits for
her, each count linking to the admin list that shows exactly those rows, for a constant number of
queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import Appeal, Application, Decision
from omstilling.models import FocusArea, StaffMembership
from projects.models import Grant
from projects.worklist import leader_worklist
from tests.factories import (
    ApplicationFactory,
    FocusAreaFactory,
    ProgrammeFactory,
    StaffMembershipFactory,
    UserFactory,
)

from .conftest import grant_in, requested

pytestmark = pytest.mark.django_db


def _deadline(grant, days):
    deadline = timezone.localdate() + dt.timedelta(days=days)
    Grant.objects.filter(pk=grant.pk).update(
        project_end=deadline - dt.timedelta(days=90), final_report_deadline=deadline
    )


def _fill(programme):
    """One of each thing the worklist counts, and one of each that it must not count."""
    focus_area = FocusArea.objects.filter(plan_period__programme=programme).first() or FocusAreaFactory(
        plan_period__programme=programme
    )
    for state in (Application.State.SUBMITTED, Application.State.IN_REVIEW, Application.State.DRAFT):
        ApplicationFactory(programme=programme, focus_area=focus_area, state=state)
    ApplicationFactory(programme=programme, focus_area=focus_area, state=Application.State.TO_BOARD)
    ApplicationFactory(
        programme=programme,
        focus_area=focus_area,
        state=Application.State.SUBMITTED,
        receipt_undeliverable_at=timezone.now(),
    )
    for state in (Appeal.State.RECEIVED, Appeal.State.FORWARDED):
        rejected = ApplicationFactory(
            programme=programme, focus_area=focus_area, state=Application.State.REJECTED
        )
        decision = Decision.objects.create(
            application=rejected, outcome=Decision.Outcome.REJECTED, decided_at=timezone.now()
        )
        forwarded = state == Appeal.State.FORWARDED
        Appeal.objects.create(
            application=rejected,
            decision=decision,
            reasons="Vi er uenige.",
            lodged_by=UserFactory(),
            lodged_at=timezone.now(),
            deadline=timezone.localdate(),
            state=state,
            resolved_at=timezone.now() if forwarded else None,
            forwarded_to="kommunens klagenemnd" if forwarded else "",
        )
    due, overdue, later = (grant_in(programme, title=title) for title in ("Snart", "Forsinket", "Senere"))
    _deadline(due, 30)
    _deadline(overdue, -3)
    _deadline(later, 200)
    requested(due, 5000)
    for days in (3, 30):
        offer = grant_in(programme, state=Grant.State.OFFERED, title=f"Tilbud med {days} dagers frist")
        Grant.objects.filter(pk=offer.pk).update(
            acceptance_deadline=timezone.localdate() + dt.timedelta(days=days)
        )


EXPECTED = {
    "Søknader til vurdering": 3,  # submitted, in review, and the one whose receipt bounced
    "Saker klare for styret": 1,
    "Klager som venter på styret": 1,
    "Utbetalingsanmodninger til godkjenning": 1,
    "Søknader om lengre frist": 0,
    "Sluttrapporter med frist innen 60 dager": 1,
    "Tilsagn på overtid (fristen for sluttrapport er ute)": 1,
    "Tilbud som bortfaller innen 14 dager": 1,
    "Kvitteringer som ikke kom fram (e-post avvist)": 1,
}


def test_each_count_links_to_the_admin_list_of_exactly_those_rows(client, board, elverum):
    _fill(board.programme)
    _fill(elverum.programme)  # another programme's rows are neither counted nor listed
    client.force_login(board.leader)

    page = client.get(reverse("admin:index"))

    assert page.status_code == 200
    text = page.content.decode()
    assert "Arbeidsliste" in text and board.programme.name in text
    assert elverum.programme.name not in text
    (worklist,) = leader_worklist(board.leader)
    assert {str(item.label): item.count for item in worklist.items} == EXPECTED
    for item in worklist.items:
        assert item.url.replace("&", "&amp;") in text
        listed = client.get(item.url)
        assert listed.status_code == 200, item.url
        assert listed.context["cl"].result_count == item.count, item.label


def test_the_worklist_costs_the_same_queries_for_three_programmes_as_for_one(board):
    _fill(board.programme)
    with CaptureQueriesContext(connection) as one:
        assert len(leader_worklist(board.leader)) == 1

    for name in ("Elverum", "Åmot"):
        programme = ProgrammeFactory(name=f"Omstillingsprogrammet {name}")
        StaffMembershipFactory(programme=programme, user=board.leader, role=StaffMembership.Role.LEADER)
        _fill(programme)
    with CaptureQueriesContext(connection) as three:
        worklists = leader_worklist(board.leader)

    assert len(worklists) == 3
    assert all({str(item.label): item.count for item in worklist.items} == EXPECTED for worklist in worklists)
    assert len(three.captured_queries) == len(one.captured_queries) == 6


def test_a_case_handler_or_board_member_sees_no_worklist(client, board):
    _fill(board.programme)
    member = board.members[0].user
    client.force_login(member)
    assert leader_worklist(member) == []
    page = client.get(reverse("admin:index"))
    assert "Arbeidsliste" not in page.content.decode()
