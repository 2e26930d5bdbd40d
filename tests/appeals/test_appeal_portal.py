"""The applicant's side of an appeal (klage) in the portal: the form, the application's page as the
appeal goes through the board, and «Mine søknader»."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.board.decisions import case_close
from applications.board.services import case_add_appeal, case_open, vote_cast
from applications.models import Appeal, Attachment, Letter, Vote
from applications.models_case import APPEAL_MAX_CHARS
from applications.services.appeals import appeal_lodge
from tests.appeals.conftest import applicant_of, next_meeting
from tests.board.conftest import application_to_board
from tests.factories import OrganisationFactory, OrganisationMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASONS = "Styret la til grunn at prosjektet ligger utenfor planen, men det hører til innsatsområde 2."


@pytest.fixture
def applicant_client(client, applicant):
    client.force_login(applicant)
    return client


def appeal_url(application):
    return reverse("appeal_lodge", args=[application.pk])


def detail_url(application):
    return reverse("application_detail", args=[application.pk])


def page_of(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def board_decides_on(appeal, board, *, amount, choice):
    """The programme leader puts the appeal before the next meeting proposing ``amount``; the board votes."""
    case = case_add_appeal(
        next_meeting(board),
        actor=board.leader,
        appeal=appeal,
        proposed_amount=amount,
        recommendation="Innstilling.",
    )
    case = case_open(case, actor=board.leader)
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=choice)
    return case_close(case, actor=board.chair.user)


def test_the_applicant_appeals_with_a_document_and_sees_it_received(rejection, applicant_client):
    application = rejection.application
    page = page_of(applicant_client, detail_url(application))
    assert 'id="klage"' in page and appeal_url(application) in page
    deadline = (timezone.localdate() + dt.timedelta(weeks=3)).day
    form = page_of(applicant_client, appeal_url(application))
    assert "Klage på vedtak" in form and f"{deadline}." in form and "Klagefristen har gått ut" not in form
    assert "kommunens klagenemnd" in form and "Send klagen" in form

    response = applicant_client.post(
        appeal_url(application),
        {"reasons": REASONS, "files": [SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")]},
    )

    assert response.status_code == 302
    assert response["Location"] == detail_url(application) + "#klage"
    appeal = Appeal.objects.get(application=application)
    assert (appeal.decision, appeal.reasons, appeal.is_late) == (rejection, REASONS, False)
    [document] = Attachment.objects.filter(appeal=appeal)
    assert document.original_name == "plan.pdf"
    page = applicant_client.get(response["Location"]).content.decode()
    assert "Klagen er sendt" in page and "Mottatt" in page and REASONS in page
    download = reverse("attachment_download", args=[document.pk])
    assert download in page
    assert appeal_url(application) not in page  # one open appeal at a time
    # The appeal's document is not one of the documents the application was sent with.
    assert page.count("plan.pdf") == 1
    assert b"".join(applicant_client.get(download).streaming_content) == PDF


def test_an_appeal_without_reasons_is_refused_at_the_field_and_nothing_is_saved(rejection, applicant_client):
    response = applicant_client.post(appeal_url(rejection.application), {"reasons": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "error-summary" in page and "Skriv hvorfor dere klager" in page
    assert 'href="#id_reasons"' in page and "is-invalid" in page
    assert not Appeal.objects.exists() and not Attachment.objects.filter(appeal__isnull=False).exists()


def test_an_overlong_appeal_keeps_everything_typed(rejection, applicant_client):
    reasons = "Vi mener styret tok feil. " + "x" * APPEAL_MAX_CHARS
    response = applicant_client.post(appeal_url(rejection.application), {"reasons": reasons})
    assert response.status_code == 400
    page = response.content.decode()
    assert reasons in page and "høyst 10000 er tillatt" in page
    assert not Appeal.objects.exists()


def test_a_late_appeal_is_warned_about_received_and_marked_late(rejection, applicant_client):
    # The letter came 22 days ago: the three weeks ended yesterday.
    Letter.objects.filter(decision=rejection).update(created_at=timezone.now() - dt.timedelta(days=30))
    application = rejection.application
    page = page_of(applicant_client, detail_url(application))
    assert "Klagefristen gikk ut" in page and appeal_url(application) in page
    form = page_of(applicant_client, appeal_url(application))
    assert "Klagefristen har gått ut" in form and "forvaltningsloven § 31" in form

    response = applicant_client.post(appeal_url(application), {"reasons": REASONS})

    assert response.status_code == 302
    appeal = Appeal.objects.get(application=application)
    assert appeal.is_late and appeal.deadline < timezone.localdate()
    assert "Klagen kom etter fristen" in page_of(applicant_client, detail_url(application))


def test_someone_from_another_organisation_cannot_see_or_lodge_an_appeal(rejection, client):
    stranger = UserFactory(email="ola@annen-bedrift.no")
    OrganisationMembershipFactory(organisation=OrganisationFactory(), user=stranger)
    client.force_login(stranger)
    assert client.get(appeal_url(rejection.application)).status_code == 404
    assert client.post(appeal_url(rejection.application), {"reasons": REASONS}).status_code == 404
    assert not Appeal.objects.exists()


def test_a_second_appeal_on_the_same_decision_is_turned_away_with_the_reason(
    rejection, applicant, applicant_client
):
    appeal_lodge(rejection.application, actor=applicant, reasons=REASONS)
    response = applicant_client.get(appeal_url(rejection.application), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(rejection.application)
    assert "er under behandling" in response.content.decode()
    response = applicant_client.post(appeal_url(rejection.application), {"reasons": "En gang til."})
    assert response.status_code == 302
    assert Appeal.objects.count() == 1


def test_the_page_follows_the_appeal_to_the_boards_agenda_and_to_the_appeal_body(
    board, rejection, applicant, applicant_client, django_capture_on_commit_callbacks
):
    board.programme.appeal_body = "klagenemnda i Vestre Toten kommune"
    board.programme.save()
    application = rejection.application
    appeal = appeal_lodge(application, actor=applicant, reasons=REASONS)
    meeting = next_meeting(board)
    case_add_appeal(meeting, actor=board.leader, appeal=appeal, proposed_amount="0", recommendation="Stå.")
    page = page_of(applicant_client, detail_url(application))
    assert "står på sakslisten til møtet" in page

    with django_capture_on_commit_callbacks(execute=True):
        case = appeal.board_cases.get()
        case = case_open(case, actor=board.leader)
        for seat in board.seats:
            vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
        case_close(case, actor=board.chair.user)

    page = page_of(applicant_client, detail_url(application))
    assert "Styret opprettholdt vedtaket" in page and "klagenemnda i Vestre Toten kommune" in page
    letter = Letter.objects.get(decision=rejection, kind=Letter.Kind.APPEAL_FORWARDED)
    assert reverse("letter_download", args=[letter.pk]) in page
    # The decision was appealed once; there is nothing more to appeal in the portal.
    assert appeal_url(application) not in page


def test_a_reversal_shows_the_new_decision_and_the_new_one_may_be_appealed(
    board, rejection, applicant, applicant_client, django_capture_on_commit_callbacks
):
    application = rejection.application
    appeal = appeal_lodge(application, actor=applicant, reasons=REASONS)
    with django_capture_on_commit_callbacks(execute=True):
        board_decides_on(appeal, board, amount="300000", choice=Vote.Choice.FOR)

    page = page_of(applicant_client, detail_url(application))
    assert "Styret omgjorde vedtaket" in page and "Etter klagen omgjorde styret" in page
    assert "ble rettet" not in page
    assert appeal_url(application) in page


def test_there_is_nothing_to_appeal_before_the_board_has_decided(board, client):
    application = application_to_board(board)
    client.force_login(applicant_of(application))
    page = page_of(client, detail_url(application))
    assert appeal_url(application) not in page and 'id="klage"' not in page
    response = client.get(appeal_url(application), follow=True)
    assert "ikke fått vedtak" in response.content.decode()


def test_my_applications_shows_an_appeal_under_way(rejection, applicant, applicant_client):
    assert "Klage under behandling" not in page_of(applicant_client, reverse("my_applications"))
    appeal_lodge(rejection.application, actor=applicant, reasons=REASONS)
    assert "Klage under behandling" in page_of(applicant_client, reverse("my_applications"))
