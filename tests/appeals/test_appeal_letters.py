"""The letters of an appeal as the applicant receives them: the one saying the board upheld its
decision and sent the appeal on, and the new tilsagnsbrev when the board reversed it."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from applications.board.decisions import case_close
from applications.board.services import case_add_appeal, case_open, vote_cast
from applications.models import Letter, Vote
from applications.services.appeals import appeal_lodge
from tests.appeals.conftest import applicant_of, next_meeting

pytestmark = pytest.mark.django_db


def _text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def _decide_appeal(board, rejection, applicant, amount, choice, capture):
    appeal = appeal_lodge(
        rejection.application, actor=applicant, reasons="Avtalen med kommunen var på plass."
    )
    case = case_add_appeal(
        next_meeting(board),
        actor=board.leader,
        appeal=appeal,
        proposed_amount=amount,
        recommendation="Styrets vurdering: avtalen endrer ikke at prosjektet ligger utenfor planen.",
    )
    case = case_open(case, actor=board.leader)
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=choice)
    with capture(execute=True):
        return appeal, case_close(case, actor=board.chair.user)


def test_the_applicant_downloads_the_letter_that_her_appeal_went_to_the_appeal_body(
    client, board, rejection, applicant, django_capture_on_commit_callbacks
):
    board.programme.appeal_body = "klagenemnda i Vestre Toten kommune"
    board.programme.save()
    _decide_appeal(board, rejection, applicant, "0", Vote.Choice.FOR, django_capture_on_commit_callbacks)
    letter = Letter.objects.get(kind=Letter.Kind.APPEAL_FORWARDED)

    client.force_login(applicant)
    response = client.get(reverse("letter_download", args=[letter.pk]))
    assert response.status_code == 200
    text = _text(response)
    assert "Klagen er sendt til klageinstansen" in text
    assert "klagenemnda i Vestre Toten kommune" in text
    assert "avtalen endrer ikke at prosjektet ligger utenfor planen" in text

    stranger = applicant_of(rejection.application, email="ola@annen.no")
    stranger.organisation_memberships.all().delete()
    client.force_login(stranger)
    assert client.get(reverse("letter_download", args=[letter.pk])).status_code == 404


def test_the_new_grant_letter_says_it_answers_the_appeal_and_states_the_appeal_right_again(
    client, board, rejection, applicant, django_capture_on_commit_callbacks
):
    _, decision = _decide_appeal(
        board, rejection, applicant, "250000", Vote.Choice.FOR, django_capture_on_commit_callbacks
    )
    letter = Letter.objects.get(decision=decision, kind=Letter.Kind.GRANT_LETTER)
    client.force_login(applicant)
    text = _text(client.get(reverse("letter_download", args=[letter.pk])))
    assert "Styret behandlet klagen" in text and "omgjorde vedtaket (forvaltningsloven § 33)" in text
    assert "250 000" in text.replace("\xa0", " ")
    assert "Klagefristen er 3 uker" in text
    # A grant replacing a rejection replaces no earlier grant letter.
    assert "erstatter det tidligere tilsagnsbrevet" not in text
