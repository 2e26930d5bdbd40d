"""The board's rules hold at the door a user used (issue 15).

Each test is one of the eight defects found by trying the portal as a programme leader, a board member
and an observer would: through the admin's pages and the portal's URLs, with the test client. A refused
action answers with a refusal (the permission-denied page with a Norwegian sentence saying why, a 404
where the object must stay unknown, or the page again with the reason), changes nothing and writes
nothing to the audit log but, at most, a refusal entry.
"""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import (
    Application,
    Assessment,
    AssessmentCriterion,
    BoardCase,
    BoardMeeting,
    ConflictDeclaration,
    Decision,
    Vote,
)
from omstilling.exceptions import ServiceError
from projects.models import Grant
from tests.board.conftest import application_to_board, open_case
from tests.board.integrity_helpers import (
    AGAINST,
    FOR,
    agenda_url,
    application_url,
    assert_forbidden,
    attach_pdf,
    attachment_url,
    audit_mark,
    close,
    decide_in_the_admin,
    decision_url,
    done_report_job,
    draft_application,
    is_hidden,
    meeting_day,
    oslo_evening,
    patch_everywhere,
    planned_meeting,
    prepare_case_on_agenda,
    refusal_text,
    report_download_url,
    vote,
    vote_all,
    written_since,
)
from tests.board.pages import case_url
from tests.portal.files import PDF

pytestmark = pytest.mark.django_db


# 1. A decision of the board is changed only by the board ------------------------------------------


@pytest.fixture
def tied_decision(client, board, case):
    """The board's decision as in the issue: Dina Dahl recused, two for and two against, approved
    (350 000 kr) on the chair's casting vote, all of it done on the case page."""
    dina = board.members[3]
    client.force_login(dina.user)
    client.post(case_url(case), {"action": "conflict", "reason": "Eier aksjer i søkeren."})
    vote_all(client, [board.chair, board.members[0]], case, FOR)
    vote_all(client, board.members[1:3], case, AGAINST)
    close(client, board.chair.user, case)
    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.amount) == (Decision.Outcome.APPROVED, Decimal(350000))
    assert decision.casting_vote_used, "setup: the chair's casting vote did not decide"
    assert (decision.votes_for, decision.votes_against) == (2, 2)
    client.logout()
    return decision


def _correction(**overrides):
    data = {
        "amount": "350000",
        "conditions": "Sluttrapport innen 1. mars 2027.",
        "reason": "Søkeren ba om mer.",
        "confirm": "on",
    }
    data.update(overrides)
    return data


def _leader_tries_to_change_the_amount(client, board, decision, amount):
    grant = Grant.objects.get(decision=decision)
    assert (grant.amount, grant.state) == (Decimal(350000), Grant.State.OFFERED)
    grants, mark = Grant.objects.count(), audit_mark()
    client.force_login(board.leader)

    response = client.post(decision_url(decision, "correct"), _correction(amount=amount))

    assert not Decision.objects.filter(corrects=decision).exists(), (
        "the programme leader alone changed the amount of the board's decision"
    )
    assert Decision.objects.count() == 1
    grant.refresh_from_db()
    assert (grant.amount, grant.state) == (Decimal(350000), Grant.State.OFFERED)
    assert Grant.objects.count() == grants
    assert written_since(mark) == []
    # The correction page has no amount to change, and says that a new amount is a new board case
    # (omgjøring); a 403 must say so too.
    assert response.status_code in (200, 403), response.status_code
    assert "ny styresak" in response.content.decode()


def test_programme_leader_cannot_raise_the_amount_of_a_board_decision(client, board, tied_decision):
    _leader_tries_to_change_the_amount(client, board, tied_decision, "400000")


def test_programme_leader_cannot_lower_the_amount_of_a_board_decision(client, board, tied_decision):
    _leader_tries_to_change_the_amount(client, board, tied_decision, "300000")


def test_programme_leader_corrects_the_wording_of_the_conditions_without_the_boards_tally(
    client, board, tied_decision
):
    client.force_login(board.leader)

    response = client.post(
        decision_url(tied_decision, "correct"),
        _correction(
            conditions="Sluttrapport innen 1. april 2027.",
            reason="Skrivefeil i datoen for sluttrapporten: styret vedtok 1. april.",
        ),
    )

    assert response.status_code == 302, refusal_text(response)
    correction = Decision.objects.get(corrects=tied_decision)
    assert (correction.outcome, correction.amount) == (Decision.Outcome.APPROVED, Decimal(350000))
    assert correction.conditions == "Sluttrapport innen 1. april 2027."
    assert correction.reason == "Skrivefeil i datoen for sluttrapporten: styret vedtok 1. april."
    assert correction.recorded_by == board.leader
    # The board did not vote on the correction: it carries no tally of its own.
    assert (correction.votes_for, correction.votes_against, correction.votes_abstain) == (0, 0, 0)
    assert correction.voters == []
    assert correction.casting_vote_used is False
    assert board.leader.full_name in client.get(decision_url(correction)).content.decode()


# 2. Board members, deputies and observers see only the applications on their agenda ---------------


def _readers(board):
    return {
        "member": board.members[0].user,
        "deputy": board.deputy.user,
        "observer": board.observer.user,
    }


def _listed(client, application):
    changelist = client.get(reverse("admin:applications_application_changelist"))
    assert changelist.status_code == 200
    return changelist.context["cl"].queryset.filter(pk=application.pk).exists()


def test_board_member_and_observer_do_not_see_an_unsubmitted_draft(client, board):
    draft, attachment = draft_application(board)
    client.force_login(board.leader)  # programme staff may see their programme's drafts
    assert client.get(application_url(draft)).status_code == 200
    assert _listed(client, draft)

    seen = {}
    for role, user in _readers(board).items():
        client.force_login(user)
        download = client.get(attachment_url(attachment))
        body = b"".join(download.streaming_content) if download.streaming else download.content
        seen[role] = {
            "change page hidden": is_hidden(client.get(application_url(draft))),
            "listed": _listed(client, draft),
            "attachment": download.status_code,
            "file served": PDF in body,
        }

    expected = {"change page hidden": True, "listed": False, "attachment": 404, "file served": False}
    assert seen == {role: expected for role in seen}


def test_board_member_and_observer_do_not_see_a_submitted_application_that_is_not_on_their_agenda(
    client, board
):
    application = application_to_board(board, title="Ikke på sakslisten")
    attachment = attach_pdf(application)
    assert application.state == Application.State.IN_REVIEW

    seen = {}
    for role, user in _readers(board).items():
        client.force_login(user)
        seen[role] = {
            "change page hidden": is_hidden(client.get(application_url(application))),
            "listed": _listed(client, application),
            "attachment": client.get(attachment_url(attachment)).status_code,
        }

    expected = {"change page hidden": True, "listed": False, "attachment": 404}
    assert seen == {role: expected for role in seen}


def test_board_member_and_observer_see_the_application_on_the_agenda_of_their_meeting(client, board, case):
    for user in (board.members[0].user, board.observer.user):
        client.force_login(user)
        assert client.get(application_url(case.application)).status_code == 200
        assert _listed(client, case.application)


# 3. The observer never declares a conflict of interest ---------------------------------------------


def test_observer_cannot_declare_a_conflict_of_interest(client, board, case):
    client.force_login(board.observer.user)
    assert client.get(case_url(case)).status_code == 200
    mark = audit_mark()

    response = client.post(case_url(case), {"action": "conflict", "reason": "Jeg kjenner søkeren."})

    assert not ConflictDeclaration.objects.exists(), "the observer was registered as inhabil"
    assert written_since(mark) == []
    assert_forbidden(response, "observatør")


# 4. Only the programme's staff send an application to the board -----------------------------------


def test_board_member_and_observer_cannot_send_an_application_to_the_board(client, board):
    application = application_to_board(board)
    assert application.state == Application.State.IN_REVIEW
    mark = audit_mark()

    answers = {}
    for role, user in _readers(board).items():
        client.force_login(user)
        response = client.post(application_url(application, "send_to_board"))
        answers[role] = response.status_code == 403 or is_hidden(response)
        application.refresh_from_db()
        assert application.state == Application.State.IN_REVIEW, f"the {role} sent it to the board"

    assert written_since(mark) == []
    assert answers == {role: True for role in answers}


def test_board_member_and_observer_cannot_send_back_to_the_board_an_application_on_their_agenda(
    client, board
):
    # The board voted down a proposal to reject: the application went back to the programme leader,
    # and stays on the agenda of the meeting the member sat in.
    case = open_case(board, application_to_board(board, amount=Decimal(0)))
    decide_in_the_admin(client, board, case, AGAINST)
    application = Application.objects.get(pk=case.application_id)
    assert application.state == Application.State.IN_REVIEW, "setup: the case did not go back to review"
    mark = audit_mark()

    for user in (board.members[0].user, board.observer.user):
        client.force_login(user)
        assert client.get(application_url(application)).status_code == 200
        response = client.post(application_url(application, "send_to_board"))
        application.refresh_from_db()
        assert application.state == Application.State.IN_REVIEW, f"{user} sent it to the board"
        assert_forbidden(response, "programleder", "administrasjon", "saksbehandler")

        # The changelist's bulk action is the same action through another door.
        client.post(
            reverse("admin:applications_application_changelist"),
            {"action": "send_to_board", "_selected_action": [application.pk]},
        )
        application.refresh_from_db()
        assert application.state == Application.State.IN_REVIEW

    assert written_since(mark) == []


# 5. A case closes only when every present, non-recused voting member has voted ---------------------


def test_case_cannot_be_closed_while_a_present_member_has_not_voted(client, board, case):
    vote_all(client, [board.chair, *board.members[:3]], case, FOR)  # Dina Dahl has not voted
    assert Vote.objects.filter(case=case).count() == 4
    mark = audit_mark()

    response = close(client, board.chair.user, case)

    case.refresh_from_db()
    assert case.state == BoardCase.State.OPEN, "the case was closed while Dina Dahl had not voted"
    assert not Decision.objects.exists()
    assert written_since(mark) == []
    assert "Dina Dahl" in refusal_text(response)
    confirm = client.get(case_url(case, "close"), follow=True).content.decode()
    assert 'name="confirm"' not in confirm, "the close page still offers to close the case"


NOT_VOTING = ("stemte ikke", "ikke stemt", "deltok ikke")


def test_case_closes_once_the_moteleder_records_that_a_member_did_not_vote(client, board, case):
    dina = board.members[3]
    vote_all(client, [board.chair, *board.members[:3]], case, FOR)
    client.force_login(board.chair.user)

    recorded = client.post(
        case_url(case), {"action": "record_not_voting", "not_voting": dina.pk}, follow=True
    )
    assert refusal_text(recorded) == "", "the møteleder could not record that Dina Dahl did not vote"
    close(client, board.chair.user, case)

    decision = Decision.objects.get(case=case)
    assert decision.votes_for == 4
    record = client.get(decision_url(decision)).content.decode()
    assert "Dina Dahl" in record, "the decision record does not name the member who did not vote"
    assert any(words in record.lower() for words in NOT_VOTING)


# 6. Voting opens no earlier than the meeting's date ------------------------------------------------


def test_voting_cannot_open_before_the_meetings_date(client, board):
    meeting = planned_meeting(board, starts_at=oslo_evening(1))  # tomorrow, Europe/Oslo
    case = prepare_case_on_agenda(client, board, meeting, application_to_board(board))
    assert case.state == BoardCase.State.PENDING
    mark = audit_mark()

    client.force_login(board.leader)
    from_agenda = client.post(agenda_url(meeting), {"action": "open_case", "case": case.pk}, follow=True)
    client.force_login(board.chair.user)
    from_case_page = client.post(case_url(case), {"action": "open"}, follow=True)
    vote(client, board.members[0], case, FOR)

    case.refresh_from_db()
    meeting.refresh_from_db()
    assert case.state == BoardCase.State.PENDING, "the case was opened for voting before the meeting's date"
    assert meeting.state == BoardMeeting.State.PLANNED
    assert not Vote.objects.exists()
    assert written_since(mark) == []
    assert refusal_text(from_agenda) and refusal_text(from_case_page)


def test_a_decision_is_never_dated_before_its_meeting(client, board):
    # Today's meeting has already begun, whether "no earlier than its date" is read by date or by time.
    today = planned_meeting(board, starts_at=timezone.now())
    tomorrow = planned_meeting(board, starts_at=oslo_evening(1))
    for meeting, title in [(today, "Møtet i dag"), (tomorrow, "Møtet i morgen")]:
        case = prepare_case_on_agenda(client, board, meeting, application_to_board(board, title=title))
        client.force_login(board.leader)
        client.post(agenda_url(meeting), {"action": "open_case", "case": case.pk})
        vote_all(client, board.seats, case, FOR)
        close(client, board.chair.user, case)

    assert Decision.objects.filter(case__meeting=today).exists(), "setup: today's meeting decided nothing"
    dated = [
        (timezone.localtime(decision.decided_at).date(), meeting_day(decision.case.meeting))
        for decision in Decision.objects.select_related("case__meeting")
    ]
    assert all(decided >= held for decided, held in dated), dated


# 7. The annual report is the programme staff's to download -----------------------------------------


def test_board_members_and_observers_cannot_download_the_annual_report_by_url(client, board):
    job = done_report_job(board.programme)
    client.force_login(board.leader)
    download = client.get(report_download_url(job))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF

    answers = {}
    for user in (board.chair.user, board.members[0].user, board.deputy.user, board.observer.user):
        client.force_login(user)
        answers[str(user)] = client.get(report_download_url(job)).status_code
    assert all(status in (403, 404) for status in answers.values()), answers


# 8. Assessing and sending to the board is one transaction ------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [ServiceError("Styret tar ikke imot saker nå."), RuntimeError("database gone")],
    ids=["refused", "crashed"],
)
def test_assessment_is_not_saved_when_sending_to_the_board_fails(client, board, monkeypatch, failure):
    application = application_to_board(board)
    application.assessment.delete()
    application.state = Application.State.SUBMITTED
    application.save(update_fields=["state"])
    calls = []

    def send_to_board_fails(*args, **kwargs):
        calls.append(args)
        raise failure

    assert patch_everywhere(monkeypatch, "applications", "application_send_to_board", send_to_board_fails)
    criteria = AssessmentCriterion.objects.filter(programme=board.programme)
    data = {f"score_{criterion.pk}": "5" for criterion in criteria}
    data.update(
        recommendation="approve",
        proposed_amount="300000",
        conditions="Sluttrapport innen 1. mars 2027.",
        reasoning="Godt prosjekt.",
        send_to_board="on",
    )
    client.force_login(board.leader)
    mark = audit_mark()

    if isinstance(failure, ServiceError):
        response = client.post(application_url(application, "assess"), data)
        assert response.status_code == 200
        assert "Styret tar ikke imot saker nå." in response.content.decode()
    else:
        with pytest.raises(RuntimeError):
            client.post(application_url(application, "assess"), data)

    assert calls, "setup: the assessment page never tried to send the application to the board"
    assert not Assessment.objects.filter(application=application).exists(), (
        "the assessment was saved although sending to the board failed"
    )
    application.refresh_from_db()
    assert application.state == Application.State.SUBMITTED
    assert written_since(mark) == []
