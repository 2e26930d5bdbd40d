"""Letters and minutes are built by the Celery tasks (eager in tests) as readable PDFs."""

import hashlib
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from applications.board.decisions import case_close
from applications.board.letters import letters_for_application
from applications.board.services import case_presiding_set, conflict_declare, meeting_close, vote_cast
from applications.models import Letter, Vote
from projects.models import Grant
from tests.board.conftest import application_to_board, open_case

pytestmark = pytest.mark.django_db

FOR, AGAINST, ABSTAIN = Vote.Choice.FOR, Vote.Choice.AGAINST, Vote.Choice.ABSTAIN


def _text(letter):
    with letter.file.open("rb") as fh:
        content = fh.read()
    assert hashlib.sha256(content).hexdigest() == letter.sha256
    reader = PdfReader(io.BytesIO(content))
    # Amounts are grouped with no-break spaces; compare them as plain spaces.
    return " ".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")


def test_grant_letter_is_built_after_the_decision_and_mailed_to_the_applicant(
    board, django_capture_on_commit_callbacks
):
    application = application_to_board(board, de_minimis_declared=True, de_minimis_received=Decimal(125000))
    case = open_case(board, application)
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)

    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=board.chair.user)

    letter = Letter.objects.get(decision=decision)
    assert letter.kind == Letter.Kind.GRANT_LETTER
    text = _text(letter)
    grant = Grant.objects.get(decision=decision)
    assert "Raufoss Velferd AS" in text
    assert "350 000 kr" in text
    assert "175 000 kr" in text  # 50 % on acceptance, 50 % on the final report
    assert "Sluttrapport innen 1. mars 2027." in text
    assert grant.reference in text
    assert f"{grant.acceptance_deadline.day}. " in text
    assert "bagatellstøtte" in text.lower()
    assert "125 000 kr" in text
    assert list(letters_for_application(application)) == [letter]

    [message] = mail.outbox
    assert message.to == ["post@raufoss-velferd.no"]
    assert "innvilget" in message.body
    assert "350\u00a0000 kr" in message.body
    assert message.attachments[0][2] == "application/pdf"


def test_rejection_letter_gives_the_reason(board, django_capture_on_commit_callbacks):
    case = open_case(board, application_to_board(board, amount=Decimal(0)))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)

    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=board.chair.user)

    letter = Letter.objects.get(decision=decision)
    assert letter.kind == Letter.Kind.REJECTION_LETTER
    text = _text(letter)
    assert "avslått" in text
    assert "Prosjektet ligger utenfor planen." in text
    assert "Svar på søknad" in mail.outbox[0].subject


def test_minutes_list_every_case_decision_tally_and_recusal(board, django_capture_on_commit_callbacks):
    first = open_case(board, application_to_board(board, title="Velferdsteknologi på Raufoss"))
    meeting = first.meeting
    conflict_declare(first, actor=board.members[3].user, reason="Eier aksjer i søkeren.")
    vote_cast(first, actor=board.chair.user, choice=FOR)
    vote_cast(first, actor=board.members[0].user, choice=FOR)
    vote_cast(first, actor=board.members[1].user, choice=AGAINST)
    vote_cast(first, actor=board.members[2].user, choice=AGAINST)
    case_close(first, actor=board.chair.user)

    with django_capture_on_commit_callbacks(execute=True):
        meeting_close(meeting, actor=board.leader)

    minutes = Letter.objects.get(kind=Letter.Kind.MINUTES, meeting=meeting)
    text = _text(minutes)
    assert "Møtebok" in text
    held = timezone.localtime(meeting.starts_at, ZoneInfo("Europe/Oslo"))
    assert f"kl. {held:%H}.{held:%M}" in text  # the Norwegian clock, as in the portal and the e-mails
    assert "Sak 1: Velferdsteknologi på Raufoss" in text
    assert "Innvilget tilsagn på 350 000 kr" in text
    assert "2 for, 2 mot, 0 avstår" in text
    assert "Vedtatt med dobbeltstemmen til møteleder Siri Styreleder." in " ".join(text.split())
    assert "Dina Dahl (Eier aksjer i søkeren.)" in text
    for name in ("Siri Styreleder", "Anders Andersen", "Berit Bakken", "Carl Christensen"):
        assert name in text


def test_the_letter_task_run_twice_issues_one_letter(board, django_capture_on_commit_callbacks):
    from applications.tasks import decision_letter_build

    case = open_case(board, application_to_board(board))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=board.chair.user)

    decision_letter_build.delay(decision.pk)

    assert Letter.objects.filter(decision=decision).count() == 1


def test_minutes_name_the_chosen_moteleder_whose_vote_decided_the_tie(
    board, django_capture_on_commit_callbacks
):
    case = open_case(board, application_to_board(board, title="Sykkelturisme i Toten"))
    chair, anders, berit, carl, dina = board.seats
    conflict_declare(case, actor=chair.user, reason="Søkeren er min bror.")
    conflict_declare(case, actor=dina.user, reason="Eier aksjer i søkeren.")
    case = case_presiding_set(case, actor=board.leader, member=berit)
    vote_cast(case, actor=anders.user, choice=ABSTAIN)
    vote_cast(case, actor=berit.user, choice=FOR)
    vote_cast(case, actor=carl.user, choice=AGAINST)
    with django_capture_on_commit_callbacks(execute=True):
        case_close(case, actor=berit.user)
        meeting_close(case.meeting, actor=board.leader)

    text = " ".join(_text(Letter.objects.get(kind=Letter.Kind.MINUTES, meeting=case.meeting)).split())
    assert "Vedtatt med dobbeltstemmen til møteleder Berit Bakken." in text
    assert "styreleders dobbeltstemme" not in text
