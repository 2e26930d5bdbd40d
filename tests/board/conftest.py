"""A programme's board with five voting seats, a deputy and an observer, and a case before it."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from applications.board.services import attendance_register, case_add, case_open, meeting_create
from applications.models import Application, AssessmentCriterion, CostLine, FinancingLine
from applications.services.assessment import assessment_submit
from omstilling import roles
from omstilling.models import BoardMembership, FocusArea, StaffMembership
from tests.factories import (
    ApplicationFactory,
    BoardMembershipFactory,
    CallFactory,
    FocusAreaFactory,
    OrganisationFactory,
    ProgrammeFactory,
    StaffMembershipFactory,
    UserFactory,
)

Role = BoardMembership.Role
CRITERIA = ["Relevans for omstillingsplanen", "Arbeidsplasspotensial", "Gjennomførbarhet", "Addisjonalitet"]


@dataclass
class Board:
    programme: object
    leader: object
    chair: object
    members: list
    deputy: object
    observer: object

    @property
    def seats(self):
        return [self.chair, *self.members]


def _person(email, name, group, **extra):
    user = UserFactory(email=email, full_name=name, is_staff=group != roles.APPLICANT, **extra)
    roles.role_groups_sync()
    user.groups.add(Group.objects.get(name=group))
    return user


def make_board(slug, name, domain):
    programme = ProgrammeFactory(slug=slug, name=name, short_name=name.split()[-1])
    for order, criterion in enumerate(CRITERIA, start=1):
        AssessmentCriterion.objects.create(programme=programme, name=criterion, order=order)
    leader = _person(f"leder@{domain}", "Lise Leder", roles.PROGRAMME_LEADER)
    StaffMembershipFactory(programme=programme, user=leader, role=StaffMembership.Role.LEADER)

    def seat(local, full_name, role, group=roles.BOARD_MEMBER, **kwargs):
        user = _person(f"{local}@{domain}", full_name, group)
        return BoardMembershipFactory(programme=programme, user=user, role=role, **kwargs)

    chair = seat("styreleder", "Siri Styreleder", Role.CHAIR)
    members = [
        seat("styremedlem1", "Anders Andersen", Role.MEMBER),
        seat("styremedlem2", "Berit Bakken", Role.MEMBER),
        seat("styremedlem3", "Carl Christensen", Role.MEMBER),
        seat("styremedlem4", "Dina Dahl", Role.MEMBER),
    ]
    deputy = seat("vara", "Eva Vara", Role.DEPUTY, deputy_for=members[3])
    observer = seat(
        "observator", "Ola Observatør", Role.OBSERVER, group=roles.OBSERVER, represents="Innovasjon Norge"
    )
    return Board(programme, leader, chair, members, deputy, observer)


@pytest.fixture
def board(db):
    return make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")


def application_to_board(board, *, amount=Decimal(350000), title="Velferdsteknologi på Raufoss", **fields):
    """A submitted application, assessed with a proposal to grant ``amount`` (0 proposes rejection)."""
    programme = board.programme
    call = CallFactory(programme=programme)
    values = {
        "programme": programme,
        "call": call,
        "focus_area": FocusArea.objects.filter(plan_period__programme=programme).first()
        or FocusAreaFactory(plan_period__programme=programme, name="Nyskaping i næringslivet"),
        "organisation": OrganisationFactory(
            name="Raufoss Velferd AS", contact_email="post@raufoss-velferd.no"
        ),
        "title": title,
        "state": Application.State.SUBMITTED,
        "submitted_at": timezone.now(),
        "start_date": dt.date(2026, 1, 1),
        "end_date": dt.date(2026, 12, 31),
    }
    values.update(fields)
    application = ApplicationFactory(**values)
    CostLine.objects.create(application=application, order=1, description="Utvikling", amount=Decimal(700000))
    FinancingLine.objects.create(
        application=application, order=1, kind=FinancingLine.Kind.OWN_FUNDS, amount=Decimal(700000) - amount
    )
    FinancingLine.objects.create(
        application=application, order=2, kind=FinancingLine.Kind.PROGRAMME, amount=amount or Decimal(350000)
    )
    criteria = AssessmentCriterion.objects.filter(programme=programme)
    assessment_submit(
        application,
        actor=board.leader,
        scores={criterion.pk: 5 for criterion in criteria},
        recommendation="approve" if amount else "reject",
        proposed_amount=amount,
        conditions="Sluttrapport innen 1. mars 2027." if amount else "",
        reasoning="Prosjektet treffer innsatsområdet godt."
        if amount
        else "Prosjektet ligger utenfor planen.",
    )
    application.refresh_from_db()
    return application


def open_case(board, application, *, present=None, quorum_share=None):
    """A meeting with ``present`` (default: every voting seat) registered and the case open."""
    meeting = meeting_create(
        board.programme,
        actor=board.leader,
        starts_at=timezone.now(),
        place="Rådhuset, Raufoss",
        quorum_share=quorum_share,
    )
    for member in board.seats if present is None else present:
        attendance_register(meeting, actor=board.leader, member=member)
    case = case_add(meeting, actor=board.leader, application=application)
    return case_open(case, actor=board.leader)


@pytest.fixture
def case(board):
    return open_case(board, application_to_board(board))


def meeting_with_cases(
    board, present, *, titles=("Velferdsteknologi på Raufoss",), deputies=(), standing_in=None
):
    """An open meeting with ``present`` in their own seats, ``deputies`` present without a seat of
    their own, ``standing_in`` ({deputy: member}) deputies sitting in an absent member's seat for
    the whole meeting, and one open case per title."""
    meeting = meeting_create(
        board.programme, actor=board.leader, starts_at=timezone.now(), place="Rådhuset, Raufoss"
    )
    for member in [*present, *deputies]:
        attendance_register(meeting, actor=board.leader, member=member)
    for deputy, member in (standing_in or {}).items():
        attendance_register(meeting, actor=board.leader, member=deputy, stands_in_for=member)
    cases = [
        case_add(meeting, actor=board.leader, application=application_to_board(board, title=title))
        for title in titles
    ]
    return [case_open(case, actor=board.leader) for case in cases]


def free_deputy(board, name="Frida Fri", deputy_for=None):
    """A deputy of the board; with no ``deputy_for`` she is nobody's personal deputy and may stand in
    for any member."""
    user = _person(f"{name.split()[0].lower()}@vestre-toten.demo", name, roles.BOARD_MEMBER)
    return BoardMembershipFactory(
        programme=board.programme, user=user, role=Role.DEPUTY, deputy_for=deputy_for
    )
