"""An appeal (klage) through the services: lodged by the applicant within or after the period, put
before the board that decided, reversed or upheld and sent on — every outcome with its letter,
journal entry and audit entry."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from applications.board.decisions import case_close
from applications.board.services import case_add_appeal, case_open, vote_cast
from applications.models import Appeal, Application, Attachment, Decision, JournalEntry, Letter, Vote
from applications.services.appeals import appeal_lodge
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry
from omstilling.policies import Refused
from omstilling.workdays import deadline_on_working_day
from projects.models import Grant
from tests.appeals.conftest import applicant_of, decide, next_meeting

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REASONS = "Styret la til grunn at prosjektet ligger utenfor planen, men det hører til innsatsområde 2."


def _lodge(rejection, applicant, **kwargs):
    kwargs.setdefault("reasons", REASONS)
    return appeal_lodge(rejection.application, actor=applicant, **kwargs)


def _granted(board, capture):
    """The board granted 350 000 kr (the letter issued); the decision and the applicant's user."""
    with capture(execute=True):
        decision = decide(board, Vote.Choice.FOR)
    return decision, applicant_of(decision.application)


def _appealed_grant(board, capture):
    """The board granted 350 000 kr and the applicant appealed for more: (decision, user, appeal)."""
    decision, user = _granted(board, capture)
    return decision, user, appeal_lodge(decision.application, actor=user, reasons="Vi trenger 450 000 kr.")


def _vote(case, board, choice):
    case = case_open(case, actor=board.leader)
    for seat in board.seats:
        vote_cast(case, actor=seat.user, choice=choice)
    return case


def test_an_appeal_within_three_weeks_of_the_letter_is_received_journalled_and_acknowledged(
    board, rejection, applicant, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    upload = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        appeal = _lodge(rejection, applicant, uploads=[upload])

    letter = Letter.objects.get(decision=rejection, kind=Letter.Kind.REJECTION_LETTER)
    assert appeal.deadline == deadline_on_working_day(
        timezone.localdate(letter.created_at) + dt.timedelta(weeks=3)
    )
    assert (appeal.state, appeal.is_late, appeal.decision) == (Appeal.State.RECEIVED, False, rejection)
    assert [a.original_name for a in Attachment.objects.filter(appeal=appeal)] == ["plan.pdf"]
    entry = JournalEntry.objects.get(kind=JournalEntry.Kind.APPEAL)
    assert (entry.direction, entry.title) == ("I", "Klage på vedtak: Velferdsteknologi på Raufoss")
    assert entry.case_reference == rejection.application.reference
    assert AuditEntry.objects.filter(action="appeal:lodged", object_id=str(appeal.pk)).exists()
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        f"Klage i sak {rejection.application.reference}",
        f"Klagen på vedtaket i sak {rejection.application.reference} er mottatt",
    ]


def test_the_appeal_period_is_the_programmes(board, rejection, applicant):
    board.programme.appeal_period_weeks = 6
    board.programme.save()
    appeal = _lodge(rejection, applicant)
    assert appeal.deadline == deadline_on_working_day(timezone.localdate() + dt.timedelta(weeks=6))


def test_an_appeal_after_the_deadline_is_received_and_marked_late(
    board, rejection, applicant, django_capture_on_commit_callbacks
):
    # The letter came 30 days ago: the three weeks (moved past a weekend or holiday at most) are over.
    Letter.objects.filter(decision=rejection).update(created_at=timezone.now() - dt.timedelta(days=30))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        appeal = _lodge(rejection, applicant)
    assert appeal.deadline == deadline_on_working_day(timezone.localdate() - dt.timedelta(days=9))
    assert appeal.is_late
    assert appeal.state == Appeal.State.RECEIVED
    assert "etter klagefristen" in next(m.body for m in mail.outbox if "mottatt" in m.subject)
    assert any(m.subject.startswith("For sen klage") for m in mail.outbox)


@pytest.mark.parametrize("reasons", ["", "   "])
def test_an_appeal_without_reasons_is_refused_at_the_field(rejection, applicant, reasons):
    with pytest.raises(ServiceError) as refused:
        _lodge(rejection, applicant, reasons=reasons)
    assert refused.value.field == "reasons"
    assert not Appeal.objects.exists()


def test_a_decision_is_appealed_once_and_one_appeal_is_open_at_a_time(rejection, applicant):
    first = _lodge(rejection, applicant)
    with pytest.raises(ServiceError, match="under behandling"):
        _lodge(rejection, applicant)
    assert list(Appeal.objects.all()) == [first]


def test_someone_who_does_not_act_for_the_applicant_cannot_appeal(board, rejection):
    with pytest.raises(Refused):
        appeal_lodge(rejection.application, actor=board.leader, reasons=REASONS)
    assert not Appeal.objects.exists()


def test_an_application_without_a_decision_cannot_be_appealed(board):
    from tests.board.conftest import application_to_board

    application = application_to_board(board)
    user = applicant_of(application)
    with pytest.raises(ServiceError, match="ikke fått vedtak"):
        appeal_lodge(application, actor=user, reasons=REASONS)


def test_the_board_reverses_a_rejection_on_appeal_with_a_new_decision_grant_and_letter(
    board, rejection, applicant, django_capture_on_commit_callbacks
):
    appeal = _lodge(rejection, applicant)
    case = case_add_appeal(
        next_meeting(board),
        actor=board.leader,
        appeal=appeal,
        proposed_amount="300000",
        recommendation="Prosjektet hører til innsatsområde 2; klagen tas til følge.",
    )
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.ON_AGENDA
    case = _vote(case, board, Vote.Choice.FOR)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=board.chair.user)

    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.REVERSED and appeal.resolved_at
    assert (decision.outcome, decision.amount, decision.corrects) == ("approved", Decimal(300000), rejection)
    application = Application.objects.get(pk=rejection.application_id)
    assert application.state == Application.State.APPROVED
    grant = Grant.objects.get(decision=decision)
    assert (grant.amount, grant.state) == (Decimal(300000), Grant.State.OFFERED)
    letter = Letter.objects.get(decision=decision, kind=Letter.Kind.GRANT_LETTER)
    assert JournalEntry.objects.filter(letter=letter, direction="U").exists()
    [message] = [m for m in mail.outbox if "Styret har omgjort vedtaket etter klagen" in m.subject]
    assert "300 000 kr" in message.body.replace("\xa0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(
    ("amount", "choice"),
    [("0", Vote.Choice.FOR), ("300000", Vote.Choice.AGAINST)],
    ids=["proposal-to-uphold-adopted", "proposal-to-reverse-voted-down"],
)
def test_the_board_upholds_and_the_appeal_goes_to_the_appeal_body_with_a_letter(
    board, rejection, applicant, django_capture_on_commit_callbacks, amount, choice
):
    board.programme.appeal_body = "klagenemnda i Vestre Toten kommune"
    board.programme.save()
    appeal = _lodge(rejection, applicant)
    case = case_add_appeal(
        next_meeting(board),
        actor=board.leader,
        appeal=appeal,
        proposed_amount=amount,
        recommendation="Klagen gir ikke nye opplysninger; vedtaket bør stå.",
    )
    case = _vote(case, board, choice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert case_close(case, actor=board.chair.user) is None

    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.FORWARDED
    assert appeal.forwarded_to == "klagenemnda i Vestre Toten kommune"
    assert Decision.objects.filter(application=rejection.application).count() == 1
    assert Application.objects.get(pk=rejection.application_id).state == Application.State.REJECTED
    letter = Letter.objects.get(decision=rejection, kind=Letter.Kind.APPEAL_FORWARDED)
    assert JournalEntry.objects.filter(letter=letter, direction="U").exists()
    [message] = mail.outbox
    assert "klagenemnda i Vestre Toten kommune" in message.body
    assert message.attachments[0][2] == "application/pdf"
    import io

    from pypdf import PdfReader

    text = " ".join(PdfReader(io.BytesIO(message.attachments[0][1])).pages[0].extract_text().split())
    if choice == Vote.Choice.FOR:
        assert "Klagen gir ikke nye opplysninger; vedtaket bør stå." in text
    else:
        assert "Flertallet i styret stemte mot innstillingen om å omgjøre vedtaket." in text


def test_a_proposal_to_uphold_voted_down_returns_the_appeal_to_the_programme_leader(
    board, rejection, applicant
):
    appeal = _lodge(rejection, applicant)
    case = case_add_appeal(
        next_meeting(board), actor=board.leader, appeal=appeal, proposed_amount="0", recommendation="Stå."
    )
    case = _vote(case, board, Vote.Choice.AGAINST)
    assert case_close(case, actor=board.chair.user) is None
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.RECEIVED
    second = case_add_appeal(
        next_meeting(board, place="Kommunestyresalen"),
        actor=board.leader,
        appeal=appeal,
        proposed_amount="200000",
        recommendation="Ny innstilling: omgjør.",
    )
    assert second.appeal == appeal


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-1", "hele kroner"), ("12.50", "hele kroner"), ("abc", "hele kroner")],
)
def test_the_proposal_must_be_whole_kroner(board, rejection, applicant, amount, message):
    appeal = _lodge(rejection, applicant)
    with pytest.raises(ServiceError, match=message) as refused:
        case_add_appeal(
            next_meeting(board), actor=board.leader, appeal=appeal, proposed_amount=amount, recommendation="x"
        )
    assert refused.value.field == "proposed_amount"
    appeal.refresh_from_db()
    assert appeal.state == Appeal.State.RECEIVED


def test_an_appeal_on_a_grant_may_not_propose_less(board, django_capture_on_commit_callbacks):
    grant_decision, user, appeal = _appealed_grant(board, django_capture_on_commit_callbacks)
    with pytest.raises(ServiceError, match="mindre enn det påklagede vedtaket"):
        case_add_appeal(
            next_meeting(board),
            actor=board.leader,
            appeal=appeal,
            proposed_amount="100000",
            recommendation="x",
        )


def test_the_letters_state_the_appeal_right_period_and_body(board, rejection):
    from pypdf import PdfReader

    letter = Letter.objects.get(decision=rejection, kind=Letter.Kind.REJECTION_LETTER)
    with letter.file.open("rb") as stored:
        text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(stored).pages)
    deadline = deadline_on_working_day(timezone.localdate(letter.created_at) + dt.timedelta(weeks=3))
    assert "Klagefristen er 3 uker" in text
    assert f"innen {deadline.day}." in text
    assert "kommunens klagenemnd" in text


def test_while_an_appeal_is_open_the_decision_is_neither_corrected_nor_reconsidered(
    board, django_capture_on_commit_callbacks
):
    from applications.board.decisions import decision_correct
    from applications.board.services import case_add_reconsideration

    grant_decision, user, _ = _appealed_grant(board, django_capture_on_commit_callbacks)

    with pytest.raises(ServiceError, match="klagen er under behandling"):
        decision_correct(grant_decision, actor=board.leader, conditions="Nye vilkår.", reason="Skrivefeil.")
    with pytest.raises(ServiceError, match="klagen er under behandling"):
        case_add_reconsideration(
            next_meeting(board),
            actor=board.leader,
            decision=grant_decision,
            proposed_amount="400000",
            recommendation="Økte kostnader.",
        )
    assert Decision.objects.filter(application=grant_decision.application).count() == 1


def test_a_rejection_becomes_a_grant_only_through_the_boards_decision_on_an_appeal(board, rejection):
    from applications.services import application_approve

    application = rejection.application
    approval = Decision.objects.create(
        application=application,
        corrects=rejection,
        outcome=Decision.Outcome.APPROVED,
        amount=Decimal(100000),
        decided_at=timezone.now(),
    )
    with pytest.raises(ServiceError, match="kan ikke gå fra «Avslått» til «Innvilget»"):
        application_approve(application, actor=board.leader, decision=approval)
    assert Application.objects.get(pk=application.pk).state == Application.State.REJECTED


def test_an_appealed_offer_waits_for_the_board_and_gets_a_full_acceptance_period_when_upheld(
    board, django_capture_on_commit_callbacks
):
    from projects.services import grant_accept, grants_lapse_overdue

    grant_decision, user, appeal = _appealed_grant(board, django_capture_on_commit_callbacks)
    grant = Grant.objects.get(decision=grant_decision)

    with pytest.raises(ServiceError, match="kan aksepteres når styret har behandlet klagen"):
        grant_accept(grant, actor=user)
    # The acceptance deadline passes while the appeal is handled: the offer does not lapse.
    Grant.objects.filter(pk=grant.pk).update(acceptance_deadline=timezone.localdate() - dt.timedelta(days=1))
    assert grants_lapse_overdue() == []
    assert Grant.objects.get(pk=grant.pk).state == Grant.State.OFFERED

    case = case_add_appeal(
        next_meeting(board),
        actor=board.leader,
        appeal=appeal,
        proposed_amount="350000",
        recommendation="Stå.",
    )
    case = _vote(case, board, Vote.Choice.FOR)
    with django_capture_on_commit_callbacks(execute=True):
        assert case_close(case, actor=board.chair.user) is None

    grant.refresh_from_db()
    assert grant.acceptance_deadline == timezone.localdate() + dt.timedelta(
        days=board.programme.acceptance_days
    )
    assert AuditEntry.objects.filter(
        action="grant:acceptance_deadline_reopened", object_id=str(grant.pk)
    ).exists()
    assert grant_accept(grant, actor=user).state == Grant.State.ACCEPTED


def test_while_the_board_reconsiders_the_decision_it_is_not_appealed(
    board, django_capture_on_commit_callbacks
):
    from applications.board.services import case_add_reconsideration

    grant_decision, user = _granted(board, django_capture_on_commit_callbacks)
    case_add_reconsideration(
        next_meeting(board),
        actor=board.leader,
        decision=grant_decision,
        proposed_amount="400000",
        recommendation="Økte kostnader.",
    )
    with pytest.raises(ServiceError, match="omgjøring av vedtaket"):
        appeal_lodge(grant_decision.application, actor=user, reasons="Vi trenger mer.")
    assert not Appeal.objects.exists()


def test_an_anonymised_application_is_not_appealed(rejection, applicant):
    Application.objects.filter(pk=rejection.application_id).update(anonymised_at=timezone.now())
    rejection.application.refresh_from_db()
    with pytest.raises(ServiceError, match="anonymisert"):
        _lodge(rejection, applicant)


def test_a_grant_raised_on_appeal_replaces_the_offer_and_the_email_says_so(
    board, django_capture_on_commit_callbacks
):
    grant_decision, user, appeal = _appealed_grant(board, django_capture_on_commit_callbacks)
    old_grant = Grant.objects.get(decision=grant_decision)
    case = case_add_appeal(
        next_meeting(board), actor=board.leader, appeal=appeal, proposed_amount="450000", recommendation="Øk."
    )
    case = _vote(case, board, Vote.Choice.FOR)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=board.chair.user)

    old_grant.refresh_from_db()
    new_grant = Grant.objects.get(decision=decision)
    assert old_grant.state == Grant.State.CANCELLED and old_grant.cancel_reason.startswith(
        "Erstattet av nytt vedtak"
    )
    assert (new_grant.state, new_grant.amount) == (Grant.State.OFFERED, Decimal(450000))
    [message] = [m for m in mail.outbox if "omgjort vedtaket etter klagen" in m.subject]
    assert (
        f"Tilsagnet {old_grant.reference} er annullert og erstattet av tilsagnet {new_grant.reference}."
        in (" ".join(message.body.split()))
    )
