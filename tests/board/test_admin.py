"""The board's workplace in the admin, through the test client logged in as each role."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from applications.board.decisions import case_close
from applications.board.services import conflict_declare, vote_cast
from applications.models import (
    Application,
    AssessmentCriterion,
    BoardCase,
    BoardMeeting,
    Decision,
    Vote,
)
from omstilling import roles
from omstilling.models import AuditEntry
from tests.board.conftest import _person, application_to_board, make_board, open_case
from tests.board.pages import case_url, post_case_refused

pytestmark = pytest.mark.django_db

FOR = Vote.Choice.FOR


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def elverum():
    return make_board("elverumregionen", "Omstillingsprogrammet for Elverumregionen", "elverum.demo")


@pytest.fixture
def applicant(board):
    return _person("soker@raufoss-velferd.no", "Sara Søker", roles.APPLICANT)


def test_permissions_matrix_for_the_case_page(client, board, elverum, case, applicant):
    expected = {
        board.chair.user: 200,
        board.members[0].user: 200,
        board.observer.user: 200,
        board.deputy.user: 200,
        board.leader: 200,
        elverum.chair.user: 404,
        elverum.members[0].user: 404,
        elverum.leader: 404,
        elverum.observer.user: 404,
    }
    seen = {}
    for user in expected:
        client.force_login(user)
        seen[user] = client.get(case_url(case)).status_code
    assert seen == expected

    client.force_login(applicant)
    response = client.get(case_url(case))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_vestre_toten_board_member_sees_nothing_of_elverum(client, board, elverum):
    elverum_case = open_case(elverum, application_to_board(elverum, title="Bioøkonomi i Elverum"))
    client.force_login(board.members[0].user)

    listed = client.get(reverse("admin:applications_boardcase_changelist"))
    assert listed.status_code == 200
    assert "Bioøkonomi i Elverum" not in listed.content.decode()
    assert client.get(case_url(elverum_case)).status_code == 404
    assert client.post(case_url(elverum_case), {"action": "vote", "choice": FOR}).status_code == 404
    assert client.get(case_url(elverum_case, "status")).status_code == 404
    assert (
        client.get(
            reverse("admin:applications_boardmeeting_agenda", args=[elverum_case.meeting_id])
        ).status_code
        == 404
    )
    assert not Vote.objects.exists()


def test_member_votes_and_changes_the_vote_on_the_case_page(client, board, case):
    client.force_login(board.members[0].user)
    page = client.get(case_url(case)).content.decode()
    assert 'name="choice"' in page
    assert "Jeg er inhabil" in page
    assert "Avslutt sak" not in page

    client.post(case_url(case), {"action": "vote", "choice": Vote.Choice.AGAINST})
    response = client.post(case_url(case), {"action": "vote", "choice": FOR}, follow=True)

    assert "Stemmen din er registrert." in _messages(response)
    assert Vote.objects.get(case=case).choice == FOR
    assert AuditEntry.objects.filter(action="vote:changed", actor=board.members[0].user).count() == 1


def test_observer_sees_the_case_but_cannot_vote_through_any_door(client, board, case):
    client.force_login(board.observer.user)

    page = client.get(case_url(case))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="choice"' not in html
    assert "Du er observatør" in html

    refused = post_case_refused(client, board.observer.user, case, {"action": "vote", "choice": FOR})
    assert "Observatører har ikke stemmerett." in refused
    # The admin's own vote pages are read-only for everyone.
    assert (
        client.post(reverse("admin:applications_vote_add"), {"case": case.pk, "choice": FOR}).status_code
        == 403
    )
    assert not Vote.objects.exists()


def test_recused_member_does_not_see_the_vote_controls(client, board, case):
    conflict_declare(case, actor=board.members[1].user, reason="Daglig leder er min søster.")
    client.force_login(board.members[1].user)

    html = client.get(case_url(case)).content.decode()

    assert 'name="choice"' not in html
    assert "Du har erklært deg inhabil: Daglig leder er min søster." in html


def test_member_declares_a_conflict_on_the_case_page(client, board, case):
    client.force_login(board.members[2].user)

    response = client.post(
        case_url(case), {"action": "conflict", "reason": "Aksjonær i søkeren."}, follow=True
    )

    assert "Du er registrert som inhabil i saken." in _messages(response)
    assert case.conflicts.get().reason == "Aksjonær i søkeren."


def test_chair_without_quorum_is_told_why_and_the_case_stays_open(client, board):
    case = open_case(board, application_to_board(board), present=[board.chair, board.members[0]])
    vote_cast(case, actor=board.chair.user, choice=FOR)
    vote_cast(case, actor=board.members[0].user, choice=FOR)
    client.force_login(board.chair.user)

    page = client.get(case_url(case)).content.decode()
    assert "2 av 5 stemmeberettigede er til stede og habile; minst 3 kreves." in page

    # The close policy refuses a board without quorum: the permission-denied page says why.
    refused = post_case_refused(client, board.chair.user, case, {"confirm": "yes"}, view="close")
    assert (
        "Styret er ikke vedtaksført: 2 av 5 stemmeberettigede er til stede og habile; minst 3 kreves."
        in refused
    )
    case.refresh_from_db()
    assert case.state == BoardCase.State.OPEN
    assert not Decision.objects.exists()


def test_chair_closes_the_case_after_a_confirmation_step(client, board, case):
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)
    client.force_login(board.chair.user)

    confirm = client.get(case_url(case, "close"))
    assert confirm.status_code == 200
    assert "tilsagn på 350\u00a0000 kr" in confirm.content.decode()
    assert not Decision.objects.exists()

    response = client.post(case_url(case, "close"), {"confirm": "yes"}, follow=True)

    assert "Saken er avgjort: innvilget." in _messages(response)
    assert Decision.objects.get(case=case).votes_for == 5


def test_member_cannot_close_the_case_through_the_admin(client, board, case):
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)

    refused = post_case_refused(client, board.members[0].user, case, {"confirm": "yes"}, view="close")

    assert "Bare styreleder, eller den styret har valgt til møteleder i saken, kan avslutte saken." in refused
    assert not Decision.objects.exists()


def test_decision_cannot_be_changed_or_deleted_in_the_admin(client, admin_client, board, case):
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)
    decision = case_close(case, actor=board.chair.user)
    url = reverse("admin:applications_decision_change", args=[decision.pk])

    assert admin_client.post(url, {"amount": "1"}).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:applications_decision_delete", args=[decision.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Decision.objects.get(pk=decision.pk).amount == Decimal(350000)


def test_leader_assesses_and_sends_to_the_board_through_the_admin(client, board):
    application = application_to_board(board)
    application.state = Application.State.SUBMITTED
    application.save(update_fields=["state"])
    application.assessment.delete()
    criteria = AssessmentCriterion.objects.filter(programme=board.programme)
    client.force_login(board.leader)
    url = reverse("admin:applications_application_assess", args=[application.pk])
    data = {f"score_{criterion.pk}": "4" for criterion in criteria}
    data.update(recommendation="approve", proposed_amount="", reasoning="Godt prosjekt.", send_to_board="on")

    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Oppgi beløpet som foreslås innvilget." in refused.content.decode()
    assert refused.context["form"]["reasoning"].value() == "Godt prosjekt."

    data["proposed_amount"] = "300000"
    response = client.post(url, data)

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == Application.State.TO_BOARD
    assert application.assessment.proposed_amount == Decimal(300000)
    assert [score.score for score in application.assessment.scores.all()] == [4, 4, 4, 4]


def test_board_member_cannot_assess(client, board):
    application = application_to_board(board)
    client.force_login(board.members[0].user)
    url = reverse("admin:applications_application_assess", args=[application.pk])
    criteria = AssessmentCriterion.objects.filter(programme=board.programme)
    data = {f"score_{criterion.pk}": "1" for criterion in criteria}
    data.update(recommendation="reject", reasoning="Nei.")

    # Not on the agenda of a meeting the member sits in: the board does not see the application.
    assert client.post(url, data).status_code == 404

    open_case(board, application)
    client.force_login(board.members[0].user)
    response = client.post(url, data)

    assert response.status_code == 403
    assert "Bare programmets administrasjon kan behandle søknader." in response.content.decode()
    application.assessment.refresh_from_db()
    assert application.assessment.recommendation == "approve"


def test_leader_creates_a_meeting_in_the_admin_with_the_programmes_quorum_rule(client, board):
    board.programme.quorum_share = Decimal("0.60")
    board.programme.save()
    client.force_login(board.leader)

    response = client.post(
        reverse("admin:applications_boardmeeting_add"),
        {
            "programme": board.programme.pk,
            "starts_at_0": "15.05.2026",
            "starts_at_1": "10:00",
            "place": "Kommunestyresalen",
            "quorum_share": "",
            "cases-TOTAL_FORMS": "0",
            "cases-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting = BoardMeeting.objects.get()
    assert meeting.quorum_share == Decimal("0.60")
    assert AuditEntry.objects.filter(action="meeting:created", actor=board.leader).exists()


def test_agenda_page_registers_attendance_and_opens_a_case(client, board):
    application = application_to_board(board)
    client.force_login(board.leader)
    client.post(
        reverse("admin:applications_boardmeeting_add"),
        {
            "programme": board.programme.pk,
            "starts_at_0": timezone.localdate().strftime("%d.%m.%Y"),
            "starts_at_1": "18:00",
            "place": "Rådhuset",
            "cases-TOTAL_FORMS": "0",
            "cases-INITIAL_FORMS": "0",
        },
    )
    meeting = BoardMeeting.objects.get()
    agenda = reverse("admin:applications_boardmeeting_agenda", args=[meeting.pk])

    client.post(agenda, {"action": "add_case", "application": application.pk})
    for seat in board.seats[:4]:
        client.post(agenda, {"action": "attend", "member": seat.pk})
    client.post(agenda, {"action": "attend", "member": board.deputy.pk, "stands_in_for": board.members[3].pk})
    case = meeting.cases.get()
    client.post(agenda, {"action": "open_case", "case": case.pk})

    case.refresh_from_db()
    assert case.state == "open"
    assert meeting.attendance.count() == 5
    assert meeting.attendance.get(member=board.deputy).stands_in_for == board.members[3]


def test_worklist_filters_by_applied_amount(client, board):
    small = application_to_board(board, amount=Decimal(80000), title="Lite prosjekt")
    large = application_to_board(board, amount=Decimal(600000), title="Stort prosjekt")
    client.force_login(board.leader)

    response = client.get(reverse("admin:applications_application_changelist"), {"applied": "gte500"})

    assert [application.pk for application in response.context["cl"].result_list] == [large.pk]
    assert small.pk not in [application.pk for application in response.context["cl"].result_list]


def test_application_page_shows_the_case_file(client, board):
    application = application_to_board(board, de_minimis_declared=True, de_minimis_received=Decimal(120000))
    client.force_login(board.leader)

    html = client.get(
        reverse("admin:applications_application_change", args=[application.pk])
    ).content.decode()

    assert "Bagatellstøtte" in html
    assert "120\u00a0000 kr" in html
    assert "Send til styret" in html  # assessed, still in review


def test_leader_sends_assessed_applications_to_the_board_with_an_admin_action(client, board):
    assessed = application_to_board(board, title="Vurdert")
    client.force_login(board.leader)

    response = client.post(
        reverse("admin:applications_application_changelist"),
        {"action": "send_to_board", "_selected_action": [assessed.pk]},
        follow=True,
    )

    assert "1 søknad(er) er sendt til styret." in _messages(response)
    assessed.refresh_from_db()
    assert assessed.state == Application.State.TO_BOARD


def test_letters_are_downloaded_only_within_the_programme(
    client, board, elverum, django_capture_on_commit_callbacks
):
    case = open_case(board, application_to_board(board))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=board.chair.user)
    letter = decision.letters.get()
    url = reverse("admin:applications_letter_download", args=[letter.pk])

    client.force_login(board.members[0].user)
    own = client.get(url)
    assert own.status_code == 200
    assert b"".join(own.streaming_content).startswith(b"%PDF")

    client.force_login(elverum.members[0].user)
    assert client.get(url).status_code == 404
