"""Builders for the appeal scenarios: a rejected application of the board's programme, the
applicant who acts for it, and the next meeting with every voting seat present."""

import pytest
from django.utils import timezone

from applications.board.decisions import case_close
from applications.board.services import attendance_register, meeting_create, vote_cast
from applications.models import OrganisationMembership, Vote
from omstilling import roles
from tests.board.conftest import application_to_board, make_board, open_case
from tests.factories import UserFactory


def decide(board, choice=Vote.Choice.AGAINST, **fields):
    """The board's decision on an application proposed for a grant of 350 000 kr: voted down
    (AGAINST, the default) it is a rejection; FOR, a grant."""
    case = open_case(board, application_to_board(board, **fields))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=choice)
    return case_close(case, actor=board.chair.user)


def applicant_of(application, email="kari@raufoss-velferd.no"):
    user = UserFactory(email=email, full_name="Kari Søker")
    roles.role_groups_sync()
    OrganisationMembership.objects.create(
        organisation=application.organisation, user=user, role=OrganisationMembership.Role.ADMIN
    )
    return user


def next_meeting(board, place="Rådhuset, Raufoss"):
    meeting = meeting_create(board.programme, actor=board.leader, starts_at=timezone.now(), place=place)
    for seat in board.seats:
        attendance_register(meeting, actor=board.leader, member=seat)
    return meeting


@pytest.fixture
def board(db):
    return make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")


@pytest.fixture
def rejection(board, django_capture_on_commit_callbacks):
    """The board rejected «Velferdsteknologi på Raufoss»; the letter is issued."""
    with django_capture_on_commit_callbacks(execute=True):
        return decide(board)


@pytest.fixture
def applicant(rejection):
    return applicant_of(rejection.application)
