"""Who leads a case (møteleder) and so has the casting vote, when the chair cannot: through the
admin's case page, as the leader, the board members and the deputies use it.

The rule (kommuneloven, aksjeloven § 6-25): on a tie the møteleder's vote decides. The chair leads
when present and not recused; otherwise the board chooses who leads the case. A deputy standing in
for the chair, for the whole meeting or for one case, takes the chair's vote, not the chair's office.
"""

import pytest
from django.urls import reverse

from applications.board.services import case_deputy_step_in, case_presiding_set, conflict_declare, vote_cast
from applications.models import BoardCase, Decision, Vote
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry
from tests.board.conftest import free_deputy, make_board, meeting_with_cases
from tests.board.pages import browser_login, case_url, post_case, post_case_refused
from tests.browser import assert_accessible

pytestmark = pytest.mark.django_db

FOR, AGAINST, ABSTAIN = Vote.Choice.FOR, Vote.Choice.AGAINST, Vote.Choice.ABSTAIN


def _page(client, user, case, view="vote"):
    client.force_login(user)
    return client.get(case_url(case, view), follow=True).content.decode()


def _votes(client, case, seats_and_choices):
    for seat, choice in seats_and_choices:
        page = post_case(client, seat.user, case, {"action": "vote", "choice": choice})
        assert "Stemmen din er registrert." in page, page


def _close(client, user, case):
    return post_case(client, user, case, {"confirm": "yes"}, view="close")


def _close_refused(client, user, case):
    """``user`` may not close ``case``: the permission-denied page, with the reason."""
    return post_case_refused(client, user, case, {"confirm": "yes"}, view="close")


@pytest.fixture
def chair_recused(client, board):
    """The whole board present and Frida, a deputy without a seat; Siri, the chair, has declared
    herself recused on the case page."""
    frida = free_deputy(board)
    (case,) = meeting_with_cases(board, board.seats, deputies=[frida])
    page = post_case(client, board.chair.user, case, {"action": "conflict", "reason": "Søkeren er min bror."})
    assert "Du er registrert som inhabil i saken." in page
    return case, frida


def test_deputy_in_the_recused_chairs_seat_votes_but_the_chosen_moteleder_decides_the_tie(
    client, board, chair_recused
):
    case, frida = chair_recused
    siri, anders, berit, carl, dina = board.seats
    page = post_case(
        client, board.leader, case, {"action": "step_in", "deputy": frida.pk, "stands_in_for": siri.pk}
    )
    assert "Frida Fri trer inn for Siri Styreleder i denne saken." in page
    assert "Styreleder er inhabil i saken og leder den ikke." in page

    page = post_case(client, board.leader, case, {"action": "presiding", "member": berit.pk})

    assert "Berit Bakken leder saken som møteleder." in page
    _votes(client, case, [(frida, FOR), (anders, FOR), (berit, AGAINST), (carl, AGAINST), (dina, ABSTAIN)])
    # Frida sits in the chair's seat, but she does not lead the case: she cannot close it.
    assert (
        "Bare styreleder, eller den styret har valgt til møteleder i saken, kan avslutte saken."
        in _close_refused(client, frida.user, case)
    )
    assert not Decision.objects.exists()
    confirm = _page(client, berit.user, case, view="close")
    assert "Stemmelikhet: stemmen til møteleder Berit Bakken avgjør (dobbeltstemme)" in confirm
    assert "innstillingen falt – søknaden avslås" in confirm

    page = _close(client, berit.user, case)

    assert "Saken er avgjort: avslått." in page
    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.votes_for, decision.votes_against) == (Decision.Outcome.REJECTED, 2, 2)
    assert (decision.casting_vote_used, decision.presided_by) == (True, "Berit Bakken")
    frida_vote = next(voter for voter in decision.voters if voter["name"] == "Frida Fri")
    assert (frida_vote["choice"], frida_vote["stands_in_for"]) == (FOR, "Siri Styreleder")
    assert "dobbeltstemmen til møteleder Berit Bakken" in _page(client, board.leader, case)
    client.force_login(board.leader)
    decision_page = client.get(reverse("admin:applications_decision_change", args=[decision.pk])).content
    assert "Stemmelikhet: dobbeltstemmen til møteleder Berit Bakken avgjorde." in decision_page.decode()


def test_board_may_choose_the_deputy_in_the_recused_chairs_seat_to_lead_and_then_her_vote_decides(
    client, board, chair_recused
):
    case, frida = chair_recused
    siri, anders, berit, carl, dina = board.seats
    post_case(client, board.leader, case, {"action": "step_in", "deputy": frida.pk, "stands_in_for": siri.pk})
    post_case(client, board.leader, case, {"action": "presiding", "member": frida.pk})
    _votes(client, case, [(frida, FOR), (anders, FOR), (berit, AGAINST), (carl, AGAINST), (dina, ABSTAIN)])
    assert 'href="{}"'.format(case_url(case, "close")) in _page(client, frida.user, case)

    assert "Saken er avgjort: innvilget." in _close(client, frida.user, case)

    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.casting_vote_used, decision.presided_by) == (
        Decision.Outcome.APPROVED,
        True,
        "Frida Fri",
    )


def test_recused_chair_neither_leads_nor_closes_nor_chooses_who_leads(client, board, chair_recused):
    case, _frida = chair_recused
    siri, anders = board.chair, board.members[0]

    page = _page(client, siri.user, case)
    assert "Avslutt sak" not in page
    assert "Styret velger en møteleder blant dem som stemmer i saken." in page
    assert "Du er inhabil i saken og kan verken åpne den, velge møteleder" in post_case_refused(
        client, siri.user, case, {"action": "presiding", "member": anders.pk}
    )
    assert "Styreleder kan ikke lede saken (fraværende eller inhabil)." in _close_refused(
        client, siri.user, case
    )

    case.refresh_from_db()
    assert (case.presiding, case.state) == (None, BoardCase.State.OPEN)
    assert not Decision.objects.exists()


def test_nobody_votes_before_the_board_has_chosen_who_leads_the_case(client, board, chair_recused):
    case, _frida = chair_recused
    anders = board.members[0]

    refused = post_case_refused(client, anders.user, case, {"action": "vote", "choice": FOR})

    assert "Saken har ingen møteleder ennå: styreleder er fraværende eller inhabil." in refused
    assert 'name="choice"' not in _page(client, anders.user, case)
    assert not Vote.objects.exists()
    post_case(client, board.leader, case, {"action": "presiding", "member": anders.pk})
    assert 'name="choice"' in _page(client, anders.user, case)


@pytest.mark.parametrize(
    ("leader", "outcome"),
    [("deputy", Decision.Outcome.APPROVED), ("member", Decision.Outcome.REJECTED)],
)
def test_whole_meeting_deputy_for_the_absent_chair_has_the_casting_vote_only_if_chosen_to_lead(
    client, board, leader, outcome
):
    siri, anders, berit, carl, dina = board.seats
    frida = free_deputy(board)
    (case,) = meeting_with_cases(board, board.members, standing_in={frida: siri})
    page = _page(client, board.leader, case)
    assert "Styreleder er ikke til stede." in page
    assert 'name="action" value="presiding"' in page
    moteleder = frida if leader == "deputy" else anders

    post_case(client, board.leader, case, {"action": "presiding", "member": moteleder.pk})
    _votes(client, case, [(frida, FOR), (anders, AGAINST), (berit, AGAINST), (carl, FOR), (dina, ABSTAIN)])
    other = anders if moteleder == frida else frida
    assert "Bare styreleder, eller den styret har valgt" in _close_refused(client, other.user, case)
    _close(client, moteleder.user, case)

    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.casting_vote_used) == (outcome, True)
    assert decision.presided_by == str(moteleder.user)


def test_moteleder_cannot_be_switched_once_voting_has_begun(client, board, chair_recused):
    case, _frida = chair_recused
    anders, berit = board.members[0], board.members[1]
    post_case(client, board.leader, case, {"action": "presiding", "member": anders.pk})
    _votes(client, case, [(anders, FOR)])
    assert 'value="presiding"' not in _page(client, board.leader, case)

    page = post_case(client, board.leader, case, {"action": "presiding", "member": berit.pk})

    assert "Voteringen har begynt; møteleder kan ikke byttes nå." in page
    case.refresh_from_db()
    assert case.presiding == anders
    entries = AuditEntry.objects.filter(action="case:presiding_set")
    assert [(entry.actor, entry.data["name"]) for entry in entries] == [(board.leader, "Anders Andersen")]


def test_board_chooses_a_new_moteleder_when_the_one_chosen_is_recused_mid_vote(client, board, chair_recused):
    case, _frida = chair_recused
    anders, berit, carl, dina = board.members
    post_case(client, board.leader, case, {"action": "presiding", "member": anders.pk})
    _votes(client, case, [(berit, FOR), (anders, FOR)])
    post_case(
        client, anders.user, case, {"action": "conflict", "reason": "Min datter er ansatt hos søkeren."}
    )

    assert "Saken har ingen møteleder ennå" in post_case_refused(
        client, carl.user, case, {"action": "vote", "choice": FOR}
    )
    assert "Berit Bakken leder saken som møteleder." in post_case(
        client, board.leader, case, {"action": "presiding", "member": berit.pk}
    )
    _votes(client, case, [(carl, AGAINST), (dina, ABSTAIN)])
    assert "Bare styreleder, eller den styret har valgt" in _close_refused(client, anders.user, case)
    assert "Saken er avgjort: innvilget." in _close(client, berit.user, case)

    decision = Decision.objects.get(case=case)
    # Anders's vote went with his recusal: 1–1, and Berit's vote decides.
    assert (decision.votes_for, decision.votes_against, decision.presided_by) == (1, 1, "Berit Bakken")


def test_only_whoever_runs_the_meeting_chooses_the_moteleder(client, board, chair_recused):
    case, frida = chair_recused
    anders = board.members[0]
    for user in (anders.user, board.deputy.user, frida.user, board.observer.user):
        client.force_login(user)
        assert 'value="presiding"' not in client.get(case_url(case)).content.decode()
        assert client.post(case_url(case), {"action": "presiding", "member": anders.pk}).status_code == 403
    case.refresh_from_db()
    assert case.presiding is None


def test_chair_present_and_impartial_leads_herself_and_no_other_moteleder_can_be_chosen(client, board, case):
    assert "Møteleder i saken" not in _page(client, board.leader, case)
    with pytest.raises(ServiceError, match="Styreleder er til stede og habil i saken og leder den selv."):
        case_presiding_set(case, actor=board.leader, member=board.members[0])

    siri, anders, berit, carl, dina = board.seats
    _votes(client, case, [(siri, FOR), (anders, FOR), (berit, AGAINST), (carl, AGAINST), (dina, ABSTAIN)])
    _close(client, board.chair.user, case)
    decision = Decision.objects.get(case=case)
    assert (decision.outcome, decision.casting_vote_used, decision.presided_by) == (
        Decision.Outcome.APPROVED,
        True,
        "Siri Styreleder",
    )


@pytest.mark.django_db(transaction=True)
def test_leader_chooses_the_moteleder_in_the_browser_and_she_closes_the_tied_case(
    browser_page, live_server, screenshot_dir
):
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    siri, anders, berit, carl, dina = board.seats
    frida = free_deputy(board)
    (case,) = meeting_with_cases(board, board.seats, deputies=[frida])
    conflict_declare(case, actor=siri.user, reason="Søkeren er min bror.")
    case_deputy_step_in(case, actor=board.leader, deputy=frida, stands_in_for=siri)
    page = browser_page
    page.set_viewport_size({"width": 1360, "height": 1000})
    url = f"{live_server.url}{case_url(case)}"

    browser_login(page, live_server, board.leader)
    page.goto(url)
    page.screenshot(path=screenshot_dir / "presiding-01-chair-recused.png", full_page=True)
    assert_accessible(page, "case page whose chair is recused")
    page.get_by_label("Møteleder", exact=True).select_option(label="Berit Bakken")
    page.get_by_role("button", name="Velg møteleder").click()
    page.wait_for_selector("text=Berit Bakken leder saken som møteleder.")
    page.screenshot(path=screenshot_dir / "presiding-02-chosen.png", full_page=True)
    assert_accessible(page, "case page with a møteleder chosen")

    case.refresh_from_db()  # the møteleder was chosen in the browser
    for seat, choice in [(frida, FOR), (anders, FOR), (berit, AGAINST), (carl, AGAINST), (dina, ABSTAIN)]:
        vote_cast(case, actor=seat.user, choice=choice)
    browser_login(page, live_server, berit.user)
    page.goto(url)
    page.get_by_role("link", name="Avslutt sak").click()
    page.screenshot(path=screenshot_dir / "presiding-03-confirm.png", full_page=True)
    page.get_by_role("button", name="Ja, avslutt saken og registrer vedtaket").click()
    page.wait_for_selector("text=Saken er avgjort: avslått.")
    page.screenshot(path=screenshot_dir / "presiding-04-decided.png", full_page=True)

    assert Decision.objects.get(case=case).presided_by == "Berit Bakken"
