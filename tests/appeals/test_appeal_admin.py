"""The programme's and the board's side of an appeal (klage), through the admin pages: the leader
finds it, puts it before the board with a proposal, the board reads it on the case page, and the
minutes say what became of it."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.board.services import case_open, vote_cast
from applications.models import Appeal, BoardCase, Letter, Vote
from applications.services.appeals import appeal_lodge
from tests.appeals.conftest import next_meeting
from tests.board.conftest import make_board
from tests.board.test_letters import _text

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASONS = "Styret la til grunn at prosjektet ligger utenfor planen, men det hører til innsatsområde 2."
RECOMMENDATION = "Klagen gir ikke nye opplysninger; vedtaket bør stå."


@pytest.fixture
def appeal(rejection, applicant):
    """A late appeal (the letter came 22 days ago) on the rejection, with a document."""
    Letter.objects.filter(decision=rejection).update(created_at=timezone.now() - dt.timedelta(days=30))
    upload = SimpleUploadedFile("innsatsomrade.pdf", PDF, content_type="application/pdf")
    return appeal_lodge(rejection.application, actor=applicant, reasons=REASONS, uploads=[upload])


def _to_board_url(appeal):
    return reverse("admin:applications_appeal_to_board", args=[appeal.pk])


def _put_before_board(client, board, appeal, meeting, amount="0"):
    client.force_login(board.leader)
    return client.post(
        _to_board_url(appeal),
        {"meeting": meeting.pk, "proposed_amount": amount, "recommendation": RECOMMENDATION},
    )


def test_the_leader_and_the_board_find_the_appeal_and_another_programmes_leader_does_not(
    client, board, appeal
):
    changelist = reverse("admin:applications_appeal_changelist")
    client.force_login(board.leader)
    found = client.get(changelist, {"q": appeal.application.reference}).content.decode()
    assert "Velferdsteknologi på Raufoss" in found and "Raufoss Velferd AS" in found
    assert "Velferdsteknologi" not in client.get(changelist, {"q": "finnes ikke"}).content.decode()
    page = client.get(reverse("admin:applications_appeal_change", args=[appeal.pk])).content.decode()
    assert REASONS in page and "innsatsomrade.pdf" in page and "Klagen kom etter klagefristen." in page

    # The board decided the application, so its members read the appeal too.
    client.force_login(board.members[0].user)
    assert "Velferdsteknologi på Raufoss" in client.get(changelist).content.decode()

    other = make_board("gjovik", "Omstillingsprogrammet i Gjøvik", "gjovik.demo")
    client.force_login(other.leader)
    assert "Velferdsteknologi" not in client.get(changelist).content.decode()
    assert client.get(reverse("admin:applications_appeal_change", args=[appeal.pk])).status_code == 302
    assert client.get(_to_board_url(appeal)).status_code == 404


def test_the_leader_puts_the_appeal_on_the_meetings_agenda(client, board, appeal):
    meeting = next_meeting(board)
    client.force_login(board.leader)
    agenda = client.get(reverse("admin:applications_boardmeeting_agenda", args=[meeting.pk])).content.decode()
    assert "Klager som venter på styret" in agenda and "for sent" in agenda
    assert f"{_to_board_url(appeal)}?meeting={meeting.pk}" in agenda
    form = client.get(_to_board_url(appeal), {"meeting": meeting.pk}).content.decode()
    assert 'name="proposed_amount" value="0"' in form

    response = _put_before_board(client, board, appeal, meeting)

    assert response.status_code == 302
    case = BoardCase.objects.get(appeal=appeal)
    assert (case.meeting, case.proposed_amount, case.recommendation) == (meeting, 0, RECOMMENDATION)
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.ON_AGENDA
    agenda = client.get(response["Location"]).content.decode()
    assert "opprettholde vedtaket" in agenda and "Klager som venter på styret" not in agenda


@pytest.mark.parametrize("amount", ["-1", "12.50"])
def test_a_proposal_in_part_kroner_is_refused_in_norwegian_and_keeps_the_text(client, board, appeal, amount):
    response = _put_before_board(client, board, appeal, next_meeting(board), amount=amount)

    assert response.status_code == 400
    page = response.content.decode()
    assert "Oppgi beløpet i hele kroner" in page and RECOMMENDATION in page
    assert not BoardCase.objects.filter(appeal=appeal).exists()
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.RECEIVED


def test_a_board_member_cannot_put_an_appeal_before_the_board(client, board, appeal):
    meeting = next_meeting(board)
    client.force_login(board.members[0].user)
    response = client.post(
        _to_board_url(appeal),
        {"meeting": meeting.pk, "proposed_amount": "300000", "recommendation": "Omgjør."},
    )
    assert response.status_code == 403
    assert not BoardCase.objects.filter(appeal=appeal).exists()


def test_a_board_member_reads_the_appeal_its_lateness_and_its_document_on_the_case_page(
    client, board, appeal
):
    _put_before_board(client, board, appeal, next_meeting(board), amount="300000")
    case = BoardCase.objects.get(appeal=appeal)
    client.force_login(board.members[0].user)

    page = client.get(reverse("admin:applications_boardcase_vote", args=[case.pk])).content.decode()

    assert "Klage på styrets vedtak av" in page and "(forvaltningsloven § 33)" in page
    assert REASONS in page and "Klagen kom etter klagefristen." in page
    assert "omgjøres vedtaket: tilsagn på 300\xa0000 kr" in page and "kommunens klagenemnd" in page
    document = appeal.attachments.get()
    link = reverse("admin:applications_application_attachment", args=[appeal.application_id, document.pk])
    assert link in page
    download = client.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_the_minutes_say_the_upheld_appeal_went_to_the_appeal_body(
    client, board, appeal, django_capture_on_commit_callbacks
):
    meeting = next_meeting(board)
    _put_before_board(client, board, appeal, meeting, amount="0")
    case = case_open(BoardCase.objects.get(appeal=appeal), actor=board.leader)
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    client.force_login(board.chair.user)
    confirm = client.get(reverse("admin:applications_boardcase_close", args=[case.pk])).content.decode()
    assert "vedtaket står, og klagen sendes til kommunens klagenemnd" in confirm

    with django_capture_on_commit_callbacks(execute=True):
        close = reverse("admin:applications_boardcase_close", args=[case.pk])
        closed = client.post(close, {"confirm": "yes"})
        assert "Klagen er sendt til kommunens klagenemnd" in client.get(closed["Location"]).content.decode()
        client.force_login(board.leader)
        client.post(
            reverse("admin:applications_boardmeeting_agenda", args=[meeting.pk]), {"action": "close_meeting"}
        )

    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.FORWARDED
    text = " ".join(_text(Letter.objects.get(kind=Letter.Kind.MINUTES, meeting=meeting)).split())
    assert "Klage på styrets vedtak av" in text and "(forvaltningsloven § 33)" in text
    assert "Innstilling: vedtaket opprettholdes." in text
    assert "Styret opprettholdt vedtaket; klagen er sendt til kommunens klagenemnd." in text
