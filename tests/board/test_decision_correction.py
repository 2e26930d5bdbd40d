"""The programme leader corrects a board decision in the admin: a clerical correction of the wording
of its conditions, with a reason, as a new decision that refers to the old one and carries no tally of
the board; the grant offer not yet accepted is replaced by one for the same amount. The amount and the
outcome are the board's: they change only in a new board case."""

import threading
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection, transaction
from django.urls import reverse

from applications.board.decisions import case_close, decision_correct
from applications.board.services import vote_cast
from applications.models import Decision, Letter, Vote
from omstilling import roles
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry
from projects.models import Grant
from projects.services import grant_accept
from tests.board.conftest import _person, application_to_board, make_board, open_case
from tests.factories import OrganisationMembershipFactory

FOR = Vote.Choice.FOR


def _decide(board, **application_fields):
    """A case the whole board voted for, closed by the chair: the decision (350 000 kr unless told)."""
    case = open_case(board, application_to_board(board, **application_fields))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)
    return case_close(case, actor=board.chair.user)


def _grant_holder(decision):
    """Sara Søker, who acts for the organisation that was granted the money."""
    user = _person("soker@raufoss-velferd.no", "Sara Søker", roles.APPLICANT)
    OrganisationMembershipFactory(organisation=decision.application.organisation, user=user)
    return user


def _correct_url(decision):
    return reverse("admin:applications_decision_correct", args=[decision.pk])


def _decision_url(decision):
    return reverse("admin:applications_decision_change", args=[decision.pk])


def _case_url(decision):
    return reverse("admin:applications_boardcase_vote", args=[decision.case_id])


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


OLD_CONDITIONS = "Sluttrapport innen 1. mars 2027."
NEW_CONDITIONS = "Sluttrapport innen 1. april 2027."


def _valid(**overrides):
    data = {
        "conditions": NEW_CONDITIONS,
        "reason": "Skrivefeil i fristen: styret vedtok 1. april.",
        "confirm": "on",
    }
    data.update(overrides)
    return data


@pytest.fixture
def elverum(db):
    return make_board("elverumregionen", "Omstillingsprogrammet for Elverumregionen", "elverum.demo")


@pytest.fixture
def decision(board):
    return _decide(board)


@pytest.mark.django_db
def test_leader_corrects_the_conditions_and_the_applicant_gets_a_new_offer_of_the_same_amount(
    client, board, decision, django_capture_on_commit_callbacks
):
    old_grant = Grant.objects.get(decision=decision)
    client.force_login(board.leader)

    page = client.get(_correct_url(decision))
    assert page.status_code == 200
    html = page.content.decode()
    assert "350\u00a0000 kr" in html  # the amount, which stands
    assert "de endres bare av styret, i en ny styresak" in html
    assert "amount" not in page.context["form"].fields
    assert page.context["form"]["conditions"].value() == OLD_CONDITIONS
    assert "Vedtaket kan ikke endres etterpå." in html
    assert old_grant.reference in html

    refused = client.post(_correct_url(decision), _valid(reason=""))
    assert refused.status_code == 200
    assert "Skriv hvorfor vedtaket rettes." in refused.content.decode()
    assert refused.context["form"]["conditions"].value() == NEW_CONDITIONS
    assert Decision.objects.count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_correct_url(decision), _valid(amount="300000"))

    correction = Decision.objects.get(corrects=decision)
    assert response.status_code == 302
    assert response["Location"] == _decision_url(correction)
    assert _messages(response) == [
        "Vedtaket er rettet. Søkeren får et nytt tilbud om tilsagn på 350\u00a0000 kr "
        "og det nye tilsagnsbrevet på e-post."
    ]
    assert (correction.outcome, correction.amount) == (Decision.Outcome.APPROVED, Decimal(350000))
    assert correction.conditions == NEW_CONDITIONS
    assert correction.reason == "Skrivefeil i fristen: styret vedtok 1. april."
    assert correction.recorded_by == board.leader
    # The board did not vote the correction: it carries none of the board's tally.
    assert (correction.votes_for, correction.votes_against, correction.votes_abstain) == (0, 0, 0)
    assert (correction.voters, correction.recused) == ([], [])
    assert (correction.casting_vote_used, correction.presided_by) == (False, "")
    old = Decision.objects.get(pk=decision.pk)
    assert (old.amount, old.conditions) == (Decimal(350000), OLD_CONDITIONS)
    entry = AuditEntry.objects.get(action="decision:corrected")
    assert (entry.actor, entry.reason) == (board.leader, correction.reason)
    assert (entry.data["corrects"], entry.data["amount"]) == (decision.pk, "350000")

    old_grant.refresh_from_db()
    assert old_grant.state == Grant.State.CANCELLED
    new_grant = Grant.objects.get(decision=correction)
    assert (new_grant.state, new_grant.amount, new_grant.conditions) == (
        Grant.State.OFFERED,
        Decimal(350000),
        NEW_CONDITIONS,
    )
    assert Letter.objects.filter(decision=correction, kind=Letter.Kind.GRANT_LETTER).exists()
    [letter_mail] = [message for message in mail.outbox if message.subject.startswith("Rettet tilsagn")]
    assert letter_mail.to == ["post@raufoss-velferd.no"]
    assert "har rettet ordlyden i styrets vedtak" in letter_mail.body
    assert "Tilsagnet er på 350\u00a0000 kr, som før." in letter_mail.body
    assert f"{old_grant.reference} er annullert og erstattet av tilsagnet {new_grant.reference}" in (
        letter_mail.body
    )
    assert "Begrunnelse: Skrivefeil i fristen" in letter_mail.body
    assert letter_mail.attachments[0][2] == "application/pdf"


@pytest.mark.django_db
def test_correction_keeps_what_was_typed_when_the_service_refuses(client, board, decision):
    client.force_login(board.leader)

    response = client.post(
        _correct_url(decision), _valid(conditions=f"{OLD_CONDITIONS}\r\n", reason="Kontroll.")
    )

    assert response.status_code == 200
    assert "Vilkårene er de samme som i vedtaket; det er ingenting å rette." in response.content.decode()
    assert response.context["form"]["reason"].value() == "Kontroll."
    assert Decision.objects.count() == 1


@pytest.mark.django_db
def test_correction_needs_the_confirmation(client, board, decision):
    client.force_login(board.leader)

    response = client.post(_correct_url(decision), _valid(confirm=""))

    assert "Bekreft at du har kontrollert det rettede vedtaket." in response.content.decode()
    assert response.context["form"]["reason"].value().startswith("Skrivefeil")
    assert Decision.objects.count() == 1


@pytest.mark.django_db
def test_only_the_programmes_leader_sees_the_button_and_the_page(client, board, elverum, decision):
    expected = {
        board.leader: 200,
        board.chair.user: 403,
        board.members[0].user: 403,
        board.observer.user: 403,
        elverum.leader: 404,
    }
    seen_get, seen_post = {}, {}
    for user in expected:
        client.force_login(user)
        seen_get[user] = client.get(_correct_url(decision)).status_code
        if user != board.leader:
            seen_post[user] = client.post(_correct_url(decision), _valid()).status_code
    assert seen_get == expected
    client.force_login(board.leader)
    malformed = _correct_url(decision).replace(f"/{decision.pk}/", f"/{decision.pk}/widgets.css/")
    assert client.get(malformed).status_code == 404
    assert seen_post == {user: status for user, status in expected.items() if user != board.leader}
    assert Decision.objects.count() == 1

    for user, shown in [(board.leader, True), (board.chair.user, False), (board.observer.user, False)]:
        client.force_login(user)
        for url in (_decision_url(decision), _case_url(decision)):
            html = client.get(url).content.decode()
            assert (_correct_url(decision) in html) is shown, (user, url)


@pytest.mark.django_db
def test_corrected_decision_shows_the_link_both_ways_and_cannot_be_corrected_again(client, board, decision):
    correction = decision_correct(
        decision, actor=board.leader, conditions=NEW_CONDITIONS, reason="Feil frist."
    )
    client.force_login(board.leader)

    old_page = client.get(_decision_url(decision)).content.decode()
    assert "Rettet ved vedtak av" in old_page
    assert _decision_url(correction) in old_page
    assert _correct_url(decision) not in old_page

    new_page = client.get(_decision_url(correction)).content.decode()
    assert "Retter vedtak av" in new_page
    assert _decision_url(decision) in new_page
    assert _correct_url(correction) in new_page  # the decision in force can be corrected in its turn

    case_page = client.get(_case_url(decision)).content.decode()
    assert _decision_url(correction) in case_page
    assert _correct_url(decision) not in case_page

    client.force_login(board.members[0].user)
    assert _decision_url(correction) in client.get(_case_url(decision)).content.decode()

    client.force_login(board.leader)
    again = client.get(_correct_url(decision))
    assert "Vedtaket er allerede rettet." in again.content.decode()
    assert 'name="conditions"' not in again.content.decode()
    refused = client.post(_correct_url(decision), _valid(conditions="Sluttrapport innen 1. mai 2027."))
    assert refused.status_code == 403
    assert "Vedtaket er allerede rettet; rett det nyeste vedtaket." in refused.content.decode()
    assert Decision.objects.count() == 2


@pytest.mark.django_db
def test_accepted_grant_is_reduced_or_cancelled_instead(client, board, decision):
    grant = Grant.objects.get(decision=decision)
    grant_accept(grant, actor=_grant_holder(decision))
    client.force_login(board.leader)

    assert _correct_url(decision) not in client.get(_decision_url(decision)).content.decode()
    page = client.get(_correct_url(decision)).content.decode()
    assert "Tilsagnet har status «Akseptert». Bare et tilsagn som ennå ikke er akseptert" in page
    assert reverse("admin:projects_grant_reduce", args=[grant.pk]) in page
    assert reverse("admin:projects_grant_cancel", args=[grant.pk]) in page

    client.post(_correct_url(decision), _valid())
    assert Decision.objects.count() == 1
    grant.refresh_from_db()
    assert grant.state == Grant.State.ACCEPTED


@pytest.mark.django_db
def test_a_rejection_is_not_corrected_here(client, board):
    rejection = _decide(board, amount=Decimal(0))
    client.force_login(board.leader)

    assert _correct_url(rejection) not in client.get(_case_url(rejection)).content.decode()
    assert "Bare et vedtak om tilsagn kan rettes her." in client.get(_correct_url(rejection)).content.decode()
    client.post(_correct_url(rejection), _valid())
    assert not Decision.objects.filter(corrects=rejection).exists()


def _someone_waits_for_a_lock():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_applicant_accepting_while_the_leader_corrects_keeps_the_accepted_grant():
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    decision = _decide(board)
    grant = Grant.objects.get(decision=decision)
    applicant = _grant_holder(decision)
    accepted, release, outcome = threading.Event(), threading.Event(), {}

    def accept():
        try:
            with transaction.atomic():
                grant_accept(grant, actor=applicant)
                accepted.set()
                release.wait(10)
        finally:
            connection.close()

    def correct():
        try:
            decision_correct(decision, actor=board.leader, conditions=NEW_CONDITIONS, reason="Feil frist.")
        except ServiceError as exc:
            outcome["refused"] = exc.message
        finally:
            connection.close()

    acceptor = threading.Thread(target=accept)
    acceptor.start()
    assert accepted.wait(10)
    corrector = threading.Thread(target=correct)
    corrector.start()
    for _attempt in range(100):
        if _someone_waits_for_a_lock():
            break
        corrector.join(0.05)
    release.set()
    acceptor.join(10)
    corrector.join(10)

    assert "Akseptert" in outcome.get("refused", "")
    grant.refresh_from_db()
    assert grant.state == Grant.State.ACCEPTED
    assert not Decision.objects.filter(corrects=decision).exists()


def _no_axe_violations(page):
    from tests.browser import assert_accessible

    assert_accessible(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leader_corrects_a_decision_in_the_browser(browser_page, live_server, screenshot_dir):
    page = browser_page
    page.set_viewport_size({"width": 1360, "height": 1000})
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    decision = _decide(board)

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", board.leader.email)
    page.fill("input[name=password]", "pass-word-123")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}{_case_url(decision)}")
    page.screenshot(path=screenshot_dir / "correction-1-case.png", full_page=True)

    page.get_by_role("link", name="Rett vedtaket").click()
    assert page.get_by_text("i en ny styresak").is_visible()
    page.get_by_label("Rettede vilkår").fill(NEW_CONDITIONS)
    page.get_by_label("Jeg har kontrollert beløpet og vilkårene i det rettede vedtaket.").check()
    page.screenshot(path=screenshot_dir / "correction-2-form.png", full_page=True)
    _no_axe_violations(page)
    page.get_by_role("button", name="Registrer det rettede vedtaket").click()
    page.wait_for_selector("text=Skriv hvorfor vedtaket rettes.")
    assert page.get_by_label("Rettede vilkår").input_value() == NEW_CONDITIONS
    page.screenshot(path=screenshot_dir / "correction-3-error.png", full_page=True)
    _no_axe_violations(page)

    page.get_by_label("Hvorfor vedtaket rettes").fill("Skrivefeil i fristen: styret vedtok 1. april.")
    page.get_by_label("Jeg har kontrollert beløpet og vilkårene i det rettede vedtaket.").check()
    page.get_by_role("button", name="Registrer det rettede vedtaket").click()
    page.wait_for_selector("text=Vedtaket er rettet.")
    page.screenshot(path=screenshot_dir / "correction-4-new-decision.png", full_page=True)

    page.get_by_role("link", name="Retter vedtak av").click()
    page.wait_for_selector("text=Dette vedtaket gjelder ikke lenger.")
    page.screenshot(path=screenshot_dir / "correction-5-old-decision.png", full_page=True)
    _no_axe_violations(page)
    page.goto(f"{live_server.url}{_case_url(decision)}")
    page.screenshot(path=screenshot_dir / "correction-6-case-after.png", full_page=True)
    _no_axe_violations(page)
    page.goto(f"{live_server.url}{_correct_url(decision)}")
    assert page.get_by_text("Vedtaket er allerede rettet.").is_visible()
    page.screenshot(path=screenshot_dir / "correction-7-refused.png", full_page=True)
    correction = Decision.objects.get(corrects=decision)
    assert (correction.amount, correction.conditions) == (Decimal(350000), NEW_CONDITIONS)
