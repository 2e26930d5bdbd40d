"""The grant letter, the rejection letter and the minutes are tagged PDF/UA-1 documents."""

from decimal import Decimal

import pytest

from applications.board.decisions import case_close
from applications.board.services import meeting_close, vote_cast
from applications.models import Letter, Vote
from tests.board.conftest import application_to_board, open_case
from tests.pdf_ua import pdf_ua_facts

pytestmark = pytest.mark.django_db


def _facts(letter):
    with letter.file.open("rb") as fh:
        return pdf_ua_facts(fh.read())


def _decide(board, django_capture_on_commit_callbacks, **application):
    case = open_case(board, application_to_board(board, **application))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=board.chair.user)
    return case, decision


def test_the_grant_letter_is_pdf_ua_with_its_title_language_and_table_headers(
    board, django_capture_on_commit_callbacks
):
    _case, decision = _decide(board, django_capture_on_commit_callbacks)

    facts = _facts(Letter.objects.get(decision=decision))

    assert facts["pdfua_part"] == "1"
    assert facts["has_structure_tree"] and facts["marked"] and facts["display_doc_title"]
    assert facts["lang"] == "nb"
    assert facts["title"] == f"Tilsagnsbrev {decision.grant.reference}"
    assert facts["tags"]["H1"] == 1 and facts["tags"]["H2"] >= 3
    # The facts table (row headers) and the payout plan (column and row headers).
    assert facts["tags"]["TH"] >= 6
    assert facts["cells_pointing_at_headers"] == facts["tags"]["TD"]


def test_the_rejection_letter_is_pdf_ua(board, django_capture_on_commit_callbacks):
    _case, decision = _decide(board, django_capture_on_commit_callbacks, amount=Decimal(0))

    facts = _facts(Letter.objects.get(decision=decision))

    assert (facts["pdfua_part"], facts["lang"]) == ("1", "nb")
    assert facts["title"].startswith("Avslag ")
    assert facts["tags"]["H1"] == 1


def test_the_minutes_are_pdf_ua_with_the_votes_as_a_table_with_headers(
    board, django_capture_on_commit_callbacks
):
    case, _decision = _decide(board, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_close(case.meeting, actor=board.leader)

    facts = _facts(Letter.objects.get(kind=Letter.Kind.MINUTES, meeting=case.meeting))

    assert (facts["pdfua_part"], facts["lang"]) == ("1", "nb")
    assert facts["title"].startswith("Møtebok ")
    assert facts["tags"]["H1"] == 1 and facts["tags"]["H2"] == 1
    assert facts["tags"]["TH"] >= 3 + 2 + len(board.seats)
    assert facts["cells_pointing_at_headers"] == facts["tags"]["TD"]
