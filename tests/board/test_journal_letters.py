"""Every letter the board's decision sends is an outgoing entry of the public journal."""

import pytest

from applications.board.decisions import case_close
from applications.board.services import vote_cast
from applications.models import JournalEntry, Letter, Vote
from tests.board.conftest import application_to_board, open_case

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("choice", "kind", "title"),
    [
        (Vote.Choice.FOR, Letter.Kind.GRANT_LETTER, "Tilsagnsbrev: Velferdsteknologi på Raufoss"),
        (Vote.Choice.AGAINST, Letter.Kind.REJECTION_LETTER, "Avslagsbrev: Velferdsteknologi på Raufoss"),
    ],
)
def test_the_decision_letter_is_journalled_as_outgoing_to_the_applicant(
    board, django_capture_on_commit_callbacks, choice, kind, title
):
    application = application_to_board(board)
    case = open_case(board, application)
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=choice)
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=board.chair.user)

    letter = Letter.objects.get(decision=decision)
    assert letter.kind == kind
    entry = JournalEntry.objects.get(letter=letter)
    assert (entry.direction, entry.kind, entry.title) == ("U", "letter", title)
    assert entry.party == application.organisation.name
    assert entry.case_reference == application.reference
    assert entry.programme == board.programme


def test_minutes_are_not_journalled_as_letters(board, django_capture_on_commit_callbacks):
    from applications.board.services import meeting_close

    application = application_to_board(board)
    case = open_case(board, application)
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    with django_capture_on_commit_callbacks(execute=True):
        case_close(case, actor=board.chair.user)
        meeting_close(case.meeting, actor=board.leader)
    assert Letter.objects.filter(kind=Letter.Kind.MINUTES).exists()
    assert not JournalEntry.objects.filter(letter__kind=Letter.Kind.MINUTES).exists()
