"""What the applicant and the admin see after the programme leader corrects the wording of a board
decision's conditions: one e-mail, a letter that dates the decision from the board's meeting and says
when and why its wording was corrected (the amount is the board's), the decision in force on
"Mine søknader" with the corrected ones as history, and who voted as a readable list."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from applications.board.decisions import case_close, decision_correct
from applications.board.services import conflict_declare, vote_cast
from applications.models import Decision, Letter, OrganisationMembership, Vote
from omstilling.formatting import long_date
from projects.models import Grant
from tests.board.conftest import application_to_board, open_case
from tests.factories import OrganisationMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

FOR, AGAINST = Vote.Choice.FOR, Vote.Choice.AGAINST
APPLICANT_ADDRESS = "post@raufoss-velferd.no"
BOARDS_CONDITIONS = "Sluttrapport innen 1. mars 2027."
FIRST_WORDING = "Sluttrapport innen 1. april 2027."
SECOND_WORDING = "Sluttrapport innen 1. april 2027. Regnskapet skal attesteres av revisor."


@pytest.fixture
def decided(board, django_capture_on_commit_callbacks):
    """The board grants 350 000 kr; the letter and its e-mail have gone out."""
    case = open_case(board, application_to_board(board))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=board.chair.user)
    return decision


@pytest.fixture
def correct(board, monkeypatch, django_capture_on_commit_callbacks):
    """Correct the conditions of a decision ``days`` after today, running what follows the commit
    (letter, e-mail)."""

    real_now = timezone.now

    def correct(decision, *, days, conditions, reason):
        with monkeypatch.context() as patch:
            patch.setattr(timezone, "now", lambda: real_now() + dt.timedelta(days=days))
            with django_capture_on_commit_callbacks(execute=True):
                correction = decision_correct(
                    decision, actor=board.leader, conditions=conditions, reason=reason
                )
        return correction

    return correct


def _text(letter):
    with letter.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    # Line breaks fall where the layout puts them, and amounts are grouped with no-break spaces.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ").split())


def _grant_letter(decision):
    return Letter.objects.get(decision=decision, kind=Letter.Kind.GRANT_LETTER)


def test_correction_sends_the_applicant_one_email_not_a_cancellation_as_well(decided, correct):
    mail.outbox.clear()

    correct(decided, days=7, conditions=FIRST_WORDING, reason="Skrivefeil i fristen.")

    to_applicant = [message for message in mail.outbox if APPLICANT_ADDRESS in message.to]
    assert [message.subject for message in to_applicant] == [
        f"Rettet tilsagn: søknad {decided.application.reference}"
    ]
    assert Grant.objects.get(decision=decided).state == Grant.State.CANCELLED


def test_corrected_grant_letter_dates_the_boards_decision_and_the_correction(decided, correct):
    old_grant = Grant.objects.get(decision=decided)

    correction = correct(decided, days=7, conditions=FIRST_WORDING, reason="Skrivefeil i fristen.")

    text = _text(_grant_letter(correction))
    board_date, correction_date = long_date(decided.decided_at), long_date(correction.decided_at)
    assert board_date != correction_date
    assert f"har i vedtak av {board_date} innvilget søknaden deres." in text
    assert (
        f"Programleder rettet ordlyden i vilkårene {correction_date}; beløpet er det styret vedtok. "
        "Begrunnelse for rettingen: Skrivefeil i fristen." in text
    )
    assert (
        f"Dette brevet erstatter tilsagnsbrevet for tilsagn {old_grant.reference}, som er annullert." in text
    )
    assert f"vedtak av {correction_date}" not in text
    assert "350 000 kr" in text
    assert FIRST_WORDING in text and BOARDS_CONDITIONS not in text

    first_letter = _text(_grant_letter(decided))
    assert "rettet" not in first_letter and f"har i vedtak av {board_date} innvilget" in first_letter


def test_letter_after_a_second_correction_names_the_boards_original_decision(decided, correct):
    first = correct(decided, days=7, conditions=FIRST_WORDING, reason="Skrivefeil i fristen.")
    first_grant = Grant.objects.get(decision=first)

    second = correct(first, days=14, conditions=SECOND_WORDING, reason="Revisorkravet falt ut av teksten.")

    text = _text(_grant_letter(second))
    assert f"har i vedtak av {long_date(decided.decided_at)} innvilget" in text
    assert f"Programleder rettet ordlyden i vilkårene {long_date(second.decided_at)};" in text
    assert "Begrunnelse for rettingen: Revisorkravet falt ut av teksten." in text
    assert SECOND_WORDING in text and "350 000 kr" in text
    assert f"tilsagnsbrevet for tilsagn {first_grant.reference}, som er annullert" in text
    assert long_date(first.decided_at) not in text


@pytest.fixture
def applicant(decided):
    user = UserFactory(full_name="Søker Sørensen")
    OrganisationMembershipFactory(
        organisation=decided.application.organisation, user=user, role=OrganisationMembership.Role.ADMIN
    )
    return user


def _decision_section(client, application):
    response = client.get(reverse("application_detail", args=[application.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('id="decision-heading"')
    return html[start : html.index("</section>", start)]


def _download(letter):
    return reverse("letter_download", args=[letter.pk])


def test_applicant_sees_the_decision_in_force_and_the_corrected_one_as_history(
    client, decided, applicant, correct
):
    first = correct(decided, days=7, conditions=FIRST_WORDING, reason="Skrivefeil i fristen.")
    second = correct(first, days=14, conditions=SECOND_WORDING, reason="Revisorkravet falt ut av teksten.")
    client.force_login(applicant)

    section = _decision_section(client, decided.application)

    in_force, history = section.split("<details", 1)
    assert in_force.count('class="card mb-3 decision-in-force"') == 1
    assert (
        f"Styrets vedtak av {long_date(decided.decided_at)} ble rettet {long_date(second.decided_at)}."
        in in_force
    )
    assert "350\u00a0000 kr" in in_force
    assert SECOND_WORDING in in_force
    assert "Revisorkravet falt ut av teksten." in in_force
    assert _download(_grant_letter(second)) in in_force
    for old in (decided, first):
        assert _download(_grant_letter(old)) not in in_force
        assert _download(_grant_letter(old)) in history
    assert "Tidligere vedtak som er rettet" in history
    history = re.sub(r"\s+", " ", history)  # the amounts' no-break spaces become plain ones
    assert (
        f"Vedtak av {long_date(first.decided_at)}: innvilget 350 000 kr. "
        f"Rettet ved vedtak av {long_date(second.decided_at)}." in history
    )
    assert (
        f"Vedtak av {long_date(decided.decided_at)}: innvilget 350 000 kr. "
        f"Rettet ved vedtak av {long_date(first.decided_at)}." in history
    )
    assert history.index(long_date(first.decided_at)) < history.index(long_date(decided.decided_at))


def test_decision_never_corrected_is_shown_without_history(client, decided, applicant):
    client.force_login(applicant)

    section = _decision_section(client, decided.application)

    assert "<details" not in section and "Rettet" not in section
    assert "350\u00a0000 kr" in section
    assert _download(_grant_letter(decided)) in section


def test_decision_page_in_admin_lists_who_voted_and_who_was_recused(client, board):
    case = open_case(board, application_to_board(board))
    conflict_declare(case, actor=board.members[3].user, reason="Eier aksjer i søkeren.")
    vote_cast(case, actor=board.chair.user, choice=FOR)
    vote_cast(case, actor=board.members[0].user, choice=FOR)
    vote_cast(case, actor=board.members[1].user, choice=AGAINST)
    vote_cast(case, actor=board.members[2].user, choice=AGAINST)
    decision = case_close(case, actor=board.chair.user)
    assert decision.casting_vote_used
    client.force_login(board.leader)

    response = client.get(reverse("admin:applications_decision_change", args=[decision.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "&quot;name&quot;" not in html and '"choice":' not in html and "[{" not in html
    assert "<tr><td>Siri Styreleder</td><td>Styreleder</td><td>For</td></tr>" in html
    assert "<tr><td>Berit Bakken</td><td>Styremedlem</td><td>Mot</td></tr>" in html
    assert "Stemmelikhet: dobbeltstemmen til møteleder Siri Styreleder avgjorde." in html
    assert "<tr><td>Dina Dahl</td><td>Eier aksjer i søkeren.</td></tr>" in html


def test_names_in_the_voter_list_are_escaped(client, board):
    case = open_case(board, application_to_board(board))
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=FOR)
    decision = case_close(case, actor=board.chair.user)
    voters = [{**decision.voters[0], "name": "<script>alert(1)</script>"}]
    # A decision is never saved twice; the test plants a hostile name directly in the stored row.
    Decision.objects.filter(pk=decision.pk).update(voters=voters)
    client.force_login(board.leader)

    html = client.get(reverse("admin:applications_decision_change", args=[decision.pk])).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_applicant_opens_the_corrected_decisions_in_the_browser(
    browser_page, live_server, screenshot_dir, client, decided, applicant, correct
):
    from axe_playwright_python.sync_playwright import Axe

    correction = correct(decided, days=7, conditions=FIRST_WORDING, reason="Skrivefeil i fristen.")
    client.force_login(applicant)
    page = browser_page
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(live_server.url + reverse("application_detail", args=[decided.application.pk]))

    history = page.get_by_text(f"Rettet ved vedtak av {long_date(correction.decided_at)}.")
    assert not history.is_visible()
    page.get_by_text("Tidligere vedtak som er rettet").click()
    assert history.is_visible()
    page.screenshot(path=screenshot_dir / "correction-portal.png", full_page=True)
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leader_reads_who_voted_on_the_decision_page_in_the_browser(
    browser_page, live_server, screenshot_dir, client, board
):
    case = open_case(board, application_to_board(board))
    conflict_declare(case, actor=board.members[3].user, reason="Eier aksjer i søkeren.")
    for seat, choice in zip(board.seats[:4], (FOR, FOR, AGAINST, AGAINST), strict=True):
        vote_cast(case, actor=seat.user, choice=choice)
    decision = case_close(case, actor=board.chair.user)
    client.force_login(board.leader)
    page = browser_page
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto(live_server.url + reverse("admin:applications_decision_change", args=[decision.pk]))

    voters = page.locator("table.decision-voters")
    assert voters.get_by_role("row", name="Carl Christensen Styremedlem Mot").is_visible()
    assert (
        page.locator("table.decision-recused").get_by_role("row", name="Dina Dahl Eier aksjer").is_visible()
    )
    page.screenshot(path=screenshot_dir / "decision-admin-voters.png", full_page=True)


def test_only_the_grant_in_force_is_offered_as_the_next_step(client, decided, applicant, correct):
    first = correct(decided, days=7, conditions=FIRST_WORDING, reason="Skrivefeil i fristen.")
    client.force_login(applicant)

    page = client.get(reverse("application_detail", args=[decided.application.pk])).content.decode()

    old_grant, new_grant = decided.grant, first.grant
    assert f"Se tilsagn {new_grant.reference} i Mine tilsagn" in page
    assert f"Se tilsagn {old_grant.reference}" not in page
    # The cancelled offer stays reachable, named for what it is.
    assert f"Tilsagn {old_grant.reference} (annullert)" in page
