"""Every e-mail the portal sends about an application, a decision, a grant or a payout is a pair of
templates (``templates/email/<name>.txt`` and ``.html``): a plain-text body and an HTML alternative. What
a person typed — a title, an organisation's name, a reason — is escaped in the HTML and written as
typed in the text.

The flows below run the real services and the Celery tasks (eager in the test settings); every e-mail
they send must have both parts, so an e-mail whose body is built in Python fails here."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone
from django.utils.html import escape

from applications.board.decisions import case_close, decision_correct
from applications.board.services import (
    attendance_register,
    case_add_reconsideration,
    case_open,
    meeting_create,
    vote_cast,
)
from applications.models import Vote
from applications.services import organisation_join_request
from applications.tasks import application_submitted_notify
from omstilling import roles
from omstilling.mail import templated_email
from projects.models import Grant
from projects.services import (
    grant_accept,
    grant_cancel,
    grant_lapse,
    grant_reduce,
    payout_approve,
    payout_mark_paid,
    payout_reject,
    payout_request,
)
from tests.board.conftest import _person, application_to_board, make_board, open_case
from tests.factories import OrganisationFactory, OrganisationMembershipFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "email"
SCRIPT = '<script>alert("x")</script>'
TITLE = f"R&D {SCRIPT} på Raufoss"
REASON = f"Skrivefeil i fristen {SCRIPT}\nog i vilkårene"
SOURCE_PACKAGES = ("applications", "omstilling", "projects", "reports")


def _html(message):
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def _assert_both_parts(messages):
    assert messages
    for message in messages:
        assert message.body.strip(), message.subject
        html = _html(message)
        assert html.startswith("<!DOCTYPE html>")
        assert '<html lang="nb">' in html, message.subject
        assert "<script" not in html and " src=" not in html and "<link" not in html, message.subject


def _subjects():
    return [re.sub(r"\b[ST]\d*-\d+", "REF", message.subject) for message in mail.outbox]


@pytest.fixture
def board(db):
    return make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")


@pytest.fixture
def grant_holder(board):
    return _person("soker@raufoss-velferd.no", "Sara Søker", roles.APPLICANT)


def _vote_all_for(case, board):
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)


def _next_meeting(board):
    meeting = meeting_create(board.programme, actor=board.leader, starts_at=timezone.now(), place="Rådhuset")
    for seat in board.seats:
        attendance_register(meeting, actor=board.leader, member=seat)
    return meeting


def test_a_grant_from_submission_to_cancellation_sends_every_e_mail_as_text_and_html(
    board, grant_holder, django_capture_on_commit_callbacks
):
    application = application_to_board(board, title=TITLE)
    OrganisationMembershipFactory(organisation=application.organisation, user=grant_holder)
    leader = board.leader

    with django_capture_on_commit_callbacks(execute=True):
        application_submitted_notify(application.pk)

        case = open_case(board, application)
        _vote_all_for(case, board)
        decision = case_close(case, actor=board.chair.user)

        corrected = decision_correct(
            decision, actor=leader, conditions="Sluttrapport innen 1. april 2027.", reason=REASON
        )
        case = case_add_reconsideration(
            _next_meeting(board),
            actor=leader,
            decision=corrected,
            proposed_amount=Decimal(400000),
            recommendation="Prosjektet er utvidet.",
        )
        case = case_open(case, actor=leader)
        _vote_all_for(case, board)
        reconsidered = case_close(case, actor=board.chair.user)

        grant = grant_accept(Grant.objects.get(decision=reconsidered), actor=grant_holder)
        first = payout_request(grant, actor=grant_holder, amount=50000)
        payout_approve(first, actor=leader)
        payout_mark_paid(first, actor=leader, paid_on=timezone.localdate())
        second = payout_request(grant, actor=grant_holder, amount=20000)
        payout_reject(second, actor=leader, reason=REASON)
        grant = grant_reduce(grant, actor=leader, new_amount=300000, reason=REASON)
        grant_cancel(grant, actor=leader, reason=REASON)

    assert _subjects() == [
        "Kvittering: søknad REF er mottatt",
        f"Ny søknad REF: {TITLE}",
        "Tilsagn: søknad REF er innvilget",
        "Rettet tilsagn: søknad REF",
        "Endret tilsagn: søknad REF",
        "Utbetaling nr. 1 på tilsagn REF er godkjent",
        "Utbetaling nr. 1 på tilsagn REF er utbetalt",
        "Utbetaling nr. 2 på tilsagn REF er avvist",
        "Tilsagn REF er redusert",
        "Tilsagn REF er annullert",
    ]
    _assert_both_parts(mail.outbox)
    for message in mail.outbox:
        html = _html(message)
        # The title is in every one of these e-mails: as typed in the text, as text in the HTML.
        assert TITLE in message.body, message.subject
        assert escape(TITLE) in html and SCRIPT not in html, message.subject
    letters = [message for message in mail.outbox if "tilsagn: søknad" in message.subject.lower()]
    assert [len(message.attachments) for message in letters] == [1, 1, 1]
    assert all(message.attachments[0][2] == "application/pdf" for message in letters)


def test_a_reason_keeps_its_lines_in_both_parts(board, grant_holder, django_capture_on_commit_callbacks):
    application = application_to_board(board)
    OrganisationMembershipFactory(organisation=application.organisation, user=grant_holder)
    case = open_case(board, application)
    _vote_all_for(case, board)
    decision = case_close(case, actor=board.chair.user)
    grant = grant_accept(Grant.objects.get(decision=decision), actor=grant_holder)

    with django_capture_on_commit_callbacks(execute=True):
        grant_cancel(grant, actor=board.leader, reason=REASON)

    [message] = mail.outbox
    assert f"Begrunnelse: {REASON}\n\n" in message.body
    assert f"Begrunnelse: {escape('Skrivefeil i fristen ' + SCRIPT)}<br>og i vilkårene" in _html(message)


def test_a_rejection_a_lapsed_offer_and_a_join_request_are_text_and_html(
    board, django_capture_on_commit_callbacks
):
    rejected = open_case(board, application_to_board(board, amount=Decimal(0), title=TITLE))
    _vote_all_for(rejected, board)
    organisation = OrganisationFactory(name=TITLE, contact_email="post@raufoss-velferd.no")
    offered = open_case(
        board, application_to_board(board, title="Velferdsteknologi", organisation=organisation)
    )
    _vote_all_for(offered, board)
    with django_capture_on_commit_callbacks(execute=True):
        case_close(rejected, actor=board.chair.user)
        decision = case_close(offered, actor=board.chair.user)
    Grant.objects.filter(decision=decision).update(acceptance_deadline=dt.date(2020, 1, 1))
    newcomer = _person("ny@raufoss-velferd.no", "Nils Ny", roles.APPLICANT, email_verified_at=timezone.now())
    admin = OrganisationMembershipFactory(organisation=organisation).user

    with django_capture_on_commit_callbacks(execute=True):
        grant_lapse(Grant.objects.get(decision=decision))
        organisation_join_request(actor=newcomer, orgnr=organisation.orgnr)

    assert _subjects() == [
        "Svar på søknad REF",
        "Tilsagn: søknad REF er innvilget",
        "Tilsagn REF er bortfalt",
        f"ny@raufoss-velferd.no ber om tilgang til {TITLE}",
    ]
    rejection, _offer, _lapse, join_request = mail.outbox
    assert rejection.attachments[0][2] == "application/pdf"
    assert TITLE in rejection.body and escape(TITLE) in _html(rejection)
    assert join_request.to == [admin.email]
    assert TITLE in join_request.body and escape(TITLE) in _html(join_request)
    _assert_both_parts(mail.outbox)


def _template_names():
    return sorted(path.stem for path in TEMPLATES.glob("*.txt"))


def test_every_text_template_has_an_html_twin_and_the_other_way_round():
    htmls = {path.stem for path in TEMPLATES.glob("*.html")} - {"base"}
    assert set(_template_names()) == htmls
    assert len(htmls) >= 12


@pytest.mark.parametrize("name", _template_names())
def test_each_template_escapes_typed_text_in_the_html_and_keeps_it_as_typed_in_the_text(name):
    typed = {
        key: TITLE
        for key in (
            "title",
            "organisation",
            "user",
            "programme",
            "reason",
            "call",
            "note",
            "author",
            "body",
            "message",
            "answer",
        )
    }
    facts = {
        **typed,
        "reference": "S-000001",
        "grant_reference": "T-000002",
        "old_grant_reference": "T-000001",
        "submitted": "2. desember 2026 kl. 09.15",
        "date": "2. desember 2026",
        "old_date": "1. desember 2026",
        "deadline": "1. januar 2027",
        "amount": "350\u00a0000 kr",
        "old_amount": "300\u00a0000 kr",
        "effective": "300\u00a0000 kr",
        "payout": "50\u00a0000 kr",
        "number": 1,
        "reconsidered": False,
        "days": 50,
        "requested": "1. april 2027",
        "released": "250\u00a0000 kr",
        "files": 2,
        "day": "1. juni 2027",
    }

    message = templated_email(name, facts, subject=f"Emne {SCRIPT}", to=["kari@raufoss-velferd.no"])

    html = _html(message)
    assert TITLE in message.body and "&lt;" not in message.body and "&amp;" not in message.body
    assert escape(TITLE) in html and SCRIPT not in html
    assert f"<title>Emne {escape(SCRIPT)}</title>" in html
    assert "{%" not in message.body + html and "{{" not in message.body + html
    _assert_both_parts([message])


def test_no_e_mail_is_put_together_outside_the_templated_helper():
    """``omstilling.mail`` is the one place that builds an e-mail; the account e-mails (text templates of
    their own, sent with the request) are the only other senders."""
    root = Path(settings.BASE_DIR)
    allowed = {Path("omstilling/mail.py"), Path("applications/views/accounts.py")}
    senders = re.compile(r"\b(send_mail|send_mass_mail|EmailMessage|EmailMultiAlternatives|mail_admins)\b")
    found = {
        path.relative_to(root)
        for package in SOURCE_PACKAGES
        for path in (root / package).rglob("*.py")
        if senders.search(path.read_text(encoding="utf-8"))
    }
    assert found <= allowed, sorted(map(str, found - allowed))
