"""Disqualification (forvaltningsloven § 6) holds without waiting for a declaration: a person who acts
for the applicant neither votes on nor assesses its application, and a chair recused in a case does
not run it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.board.services import attendance_register, case_add, conflict_declare, meeting_create
from applications.models import Assessment, BoardCase, CaseStandIn, Vote
from tests.board.conftest import application_to_board, free_deputy, open_case
from tests.board.pages import post_case, post_case_refused
from tests.factories import ApplicationFactory, OrganisationMembershipFactory

pytestmark = pytest.mark.django_db


def test_a_chair_who_acts_for_the_applicant_votes_only_after_the_seat_is_handed_on(client, board):
    case = open_case(board, application_to_board(board))
    OrganisationMembershipFactory(organisation=case.application.organisation, user=board.chair.user)

    page = post_case_refused(client, board.chair.user, case, {"action": "vote", "choice": Vote.Choice.FOR})

    assert "Du handler for søkeren (Raufoss Velferd AS) og er inhabil" in page
    assert not Vote.objects.filter(case=case).exists()
    post_case(
        client, board.chair.user, case, {"action": "conflict", "reason": "Styreleder i søkerbedriften."}
    )
    assert case.conflicts.filter(member=board.chair).exists()


def test_a_leader_who_acts_for_the_applicant_cannot_assess_it(client, board):
    application = application_to_board(board)
    Assessment.objects.filter(application=application).delete()
    other = ApplicationFactory(
        programme=board.programme,
        call=application.call,
        focus_area=application.focus_area,
        organisation=application.organisation,
        state=application.State.SUBMITTED,
    )
    OrganisationMembershipFactory(organisation=other.organisation, user=board.leader)
    client.force_login(board.leader)

    response = client.post(
        reverse("admin:applications_application_assess", args=[other.pk]),
        {"recommendation": "approve", "proposed_amount": "100000", "reasoning": "Bra."},
    )

    assert response.status_code == 403
    assert "Du handler for søkeren og er inhabil" in response.content.decode()
    assert not Assessment.objects.filter(application=other).exists()


def test_a_chair_recused_in_a_case_neither_opens_it_nor_seats_a_deputy_in_it(client, board):
    deputy = free_deputy(board)
    meeting = meeting_create(board.programme, actor=board.leader, starts_at=timezone.now(), place="Rådhuset")
    for seat in [*board.seats, deputy]:
        attendance_register(meeting, actor=board.leader, member=seat)
    case = case_add(meeting, actor=board.leader, application=application_to_board(board))
    conflict_declare(case, actor=board.chair.user, reason="Søsteren min er daglig leder.")

    opened = post_case_refused(client, board.chair.user, case, {"action": "open"})
    seated = post_case_refused(
        client,
        board.chair.user,
        case,
        {"action": "step_in", "deputy": deputy.pk, "stands_in_for": board.chair.pk},
    )

    for page in (opened, seated):
        assert "Du er inhabil i saken og kan verken åpne den" in page
    assert BoardCase.objects.get(pk=case.pk).state == BoardCase.State.PENDING
    assert not CaseStandIn.objects.filter(case=case).exists()
    # The programme leader runs it instead.
    post_case(client, board.leader, case, {"action": "open"})
    assert BoardCase.objects.get(pk=case.pk).state == BoardCase.State.OPEN
