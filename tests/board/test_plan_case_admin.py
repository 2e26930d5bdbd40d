"""The programme leader puts the year's omstillingsplan on a board meeting's agenda in the admin; the
board votes on it on the case page and closing the case adopts the plan."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from applications.board.services import attendance_register, meeting_create
from applications.models import BoardCase, Vote
from omstilling.models import AnnualPlan, AuditEntry
from tests.board.conftest import make_board
from tests.board.pages import case_url

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def elverum():
    return make_board("elverumregionen", "Omstillingsprogrammet for Elverumregionen", "elverum.demo")


def _meeting(board):
    meeting = meeting_create(board.programme, actor=board.leader, starts_at=timezone.now(), place="Rådhuset")
    for member in board.seats:
        attendance_register(meeting, actor=board.leader, member=member)
    return meeting


def _agenda(meeting):
    return reverse("admin:applications_boardmeeting_agenda", args=[meeting.pk])


def _add_plan(client, meeting, plan):
    return client.post(_agenda(meeting), {"action": "add_plan", "plan": plan.pk}, follow=True)


def test_leader_puts_the_plan_on_the_agenda_and_the_board_adopts_it(client, board, elverum):
    plan = AnnualPlan.objects.create(programme=board.programme, year=2012)
    meeting = _meeting(board)
    client.force_login(board.leader)

    page = client.get(_agenda(meeting))
    assert page.status_code == 200
    assert "Omstillingsplan Toten 2012" in page.content.decode()

    response = _add_plan(client, meeting, plan)

    assert response.status_code == 200
    assert "Omstillingsplanen er ført opp på sakslisten." in _messages(response)
    case = BoardCase.objects.get(meeting=meeting, annual_plan=plan)
    assert case.application_id is None
    assert AuditEntry.objects.filter(action="case:added", object_id=str(case.pk)).exists()
    # The plan is on the agenda now: it is no longer offered, and the page says why.
    assert (
        "Alle omstillingsplanene er vedtatt eller står allerede på en saksliste" in response.content.decode()
    )

    case_page = client.get(case_url(case))
    assert case_page.status_code == 200
    assert "Vedta omstillingsplanen" in case_page.content.decode()
    assert client.get(reverse("admin:applications_boardcase_change", args=[case.pk])).status_code == 200
    assert client.get(reverse("admin:applications_boardcase_changelist")).status_code == 200
    meeting_page = client.get(reverse("admin:applications_boardmeeting_change", args=[meeting.pk]))
    assert "Omstillingsplan Toten 2012" in meeting_page.content.decode()

    client.force_login(elverum.members[0].user)
    assert client.get(case_url(case)).status_code in (403, 404)
    assert client.post(_agenda(meeting), {"action": "add_plan", "plan": plan.pk}).status_code in (403, 404)

    client.force_login(board.leader)
    client.post(case_url(case), {"action": "open"})
    for seat in board.seats:
        client.force_login(seat.user)
        voted = client.post(case_url(case), {"action": "vote", "choice": Vote.Choice.FOR}, follow=True)
        assert "Stemmen din er registrert." in _messages(voted)

    client.force_login(board.chair.user)
    close_url = reverse("admin:applications_boardcase_close", args=[case.pk])
    confirm = client.get(close_url)
    assert confirm.status_code == 200
    assert "omstillingsplanen er vedtatt" in confirm.content.decode()
    closed = client.post(close_url, {"confirm": "yes"}, follow=True)

    assert "Styret har vedtatt omstillingsplanen." in _messages(closed)
    plan.refresh_from_db()
    case.refresh_from_db()
    assert case.state == BoardCase.State.CLOSED
    assert plan.adopted_on == timezone.localdate(case.closed_at)
    assert client.get(case_url(case)).status_code == 200


def test_the_plan_cannot_go_on_the_agenda_twice(client, board):
    plan = AnnualPlan.objects.create(programme=board.programme, year=2012)
    meeting = _meeting(board)
    other = _meeting(board)
    client.force_login(board.leader)
    _add_plan(client, meeting, plan)

    response = _add_plan(client, other, plan)

    assert "Omstillingsplanen står allerede på en saksliste." in _messages(response)
    assert BoardCase.objects.filter(annual_plan=plan).count() == 1


def test_without_a_plan_the_agenda_says_where_to_write_it(client, board):
    meeting = _meeting(board)
    client.force_login(board.leader)

    page = client.get(_agenda(meeting)).content.decode()

    assert "Skriv tekstene for året først under Årsrapport/omstillingsplan." in page
    assert 'name="plan"' not in page


def test_a_board_member_cannot_put_the_plan_on_the_agenda(client, board):
    plan = AnnualPlan.objects.create(programme=board.programme, year=2012)
    meeting = _meeting(board)
    client.force_login(board.members[0].user)

    response = client.post(_agenda(meeting), {"action": "add_plan", "plan": plan.pk})

    assert response.status_code == 403
    assert not BoardCase.objects.filter(annual_plan=plan).exists()
