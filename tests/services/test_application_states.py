import datetime as dt
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone, translation

from applications.models import Application, ApplicationSnapshot, Attachment, CostLine, FinancingLine
from applications.services import (
    ApplicationIncompleteError,
    application_approve,
    application_reject,
    application_return_to_review,
    application_review_start,
    application_send_to_board,
    application_submit,
    application_withdraw,
)
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry, StaffMembership
from omstilling.policies import Refused
from tests.factories import CallFactory, OrganisationMembershipFactory, ProgrammeFactory, UserFactory

from .builders import approving_decision, finish_assessment

pytestmark = pytest.mark.django_db

S = Application.State
OSLO = ZoneInfo("Europe/Oslo")


def entries_for(application):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Application), object_id=str(application.pk)
    )


# Each service as the table calls it, with the state it leads to when allowed.
# The applicant submits and withdraws; the programme leader handles the case.
BY_APPLICANT = {"submit", "withdraw"}
SERVICES = {
    "submit": (lambda app, actor: application_submit(app, actor=actor), ""),
    "withdraw": (
        lambda app, actor: application_withdraw(app, actor=actor, reason="Vi har fått annen finansiering."),
        None,
    ),
    "review_start": (lambda app, actor: application_review_start(app, actor=actor), ""),
    "send_to_board": (lambda app, actor: application_send_to_board(app, actor=actor), ""),
    "return_to_review": (
        lambda app, actor: application_return_to_review(
            app, actor=actor, reason="Styret ber om ny vurdering."
        ),
        None,
    ),
    "reject": (
        lambda app, actor: application_reject(app, actor=actor, reason="Utenfor innsatsområdene."),
        None,
    ),
    "approve": (lambda app, actor: application_approve(app, actor=actor, decision=app.decisions.get()), ""),
}
ALLOWED = {
    S.DRAFT: {"submit": S.SUBMITTED, "withdraw": S.WITHDRAWN},
    S.SUBMITTED: {"withdraw": S.WITHDRAWN, "review_start": S.IN_REVIEW},
    S.IN_REVIEW: {"send_to_board": S.TO_BOARD, "reject": S.REJECTED},
    S.TO_BOARD: {"return_to_review": S.IN_REVIEW, "reject": S.REJECTED, "approve": S.APPROVED},
    S.APPROVED: {},
    S.REJECTED: {},
    S.WITHDRAWN: {},
}
ALLOWED_CASES = [(state, name, to) for state, moves in ALLOWED.items() for name, to in moves.items()]
REFUSED_CASES = [(state, name) for state in S for name in SERVICES if name not in ALLOWED[state]]


def in_state(make_draft, officer, state):
    """A complete application in ``state`` with everything each service could need from it."""
    application = make_draft(state=state)
    finish_assessment(application, officer)
    approving_decision(application)
    return application


@pytest.mark.parametrize(("state", "name", "to_state"), ALLOWED_CASES)
def test_allowed_transition_changes_state_and_writes_one_audit_entry(
    make_draft, officer, applicant, state, name, to_state
):
    application = in_state(make_draft, officer, state)
    service, _ = SERVICES[name]
    actor = applicant if name in BY_APPLICANT else officer

    result = service(application, actor)

    application.refresh_from_db()
    assert application.state == result.state == to_state
    (entry,) = entries_for(application)
    assert entry.actor == actor
    assert entry.actor_label == actor.email
    assert (entry.from_state, entry.to_state) == (state, to_state)
    assert entry.programme_id == application.programme_id
    expected_reason = {
        "withdraw": "Vi har fått annen finansiering.",
        "return_to_review": "Styret ber om ny vurdering.",
        "reject": "Utenfor innsatsområdene.",
    }.get(name, "")
    assert entry.reason == expected_reason


@pytest.mark.parametrize(("state", "name"), REFUSED_CASES)
def test_transition_not_allowed_from_state_is_refused_and_changes_nothing(
    make_draft, officer, applicant, state, name
):
    application = in_state(make_draft, officer, state)
    before = Application.objects.filter(pk=application.pk).values().get()
    service, _ = SERVICES[name]

    with pytest.raises(ServiceError) as refused:
        service(application, applicant if name in BY_APPLICANT else officer)

    assert Application.State(state).label.lower() in refused.value.message.lower()
    assert Application.objects.filter(pk=application.pk).values().get() == before
    assert not entries_for(application).exists()
    assert not ApplicationSnapshot.objects.filter(application=application).exists()


def test_refusal_names_both_states_in_norwegian(make_draft, applicant):
    application = make_draft(state=S.REJECTED)
    with pytest.raises(ServiceError, match="Søknad kan ikke gå fra «Avslått» til «Trukket»"):
        application_withdraw(application, actor=applicant, reason="")


@pytest.mark.parametrize("name", ["submit", "withdraw"])
def test_the_programme_leader_cannot_submit_or_withdraw_for_the_applicant(make_draft, officer, name):
    application = make_draft()
    service, _ = SERVICES[name]

    with pytest.raises(Refused, match="ikke tilgang til å handle for denne organisasjonen"):
        service(application, officer)

    assert Application.objects.get(pk=application.pk).state == S.DRAFT
    assert not entries_for(application).exists()


@pytest.mark.parametrize("name", ["review_start", "send_to_board"])
def test_the_applicant_cannot_handle_her_own_case(make_draft, officer, applicant, name):
    application = in_state(make_draft, officer, S.SUBMITTED if name == "review_start" else S.IN_REVIEW)
    service, _ = SERVICES[name]

    with pytest.raises(Refused):
        service(application, applicant)

    assert not entries_for(application).exists()


def test_submit_records_time_snapshot_and_audit(make_draft, applicant):
    application = make_draft()

    submitted = application_submit(application, actor=applicant)

    application.refresh_from_db()
    assert application.state == S.SUBMITTED
    assert application.submitted_at == submitted.submitted_at is not None
    snapshot = application.snapshot
    assert snapshot.submitted_by == applicant
    assert snapshot.submitted_at == application.submitted_at
    data = snapshot.data
    assert data["application"]["title"] == "Bioenergi i Åmot"
    assert data["application"]["state"] == "submitted"
    assert data["application"]["start_date"] == "2018-08-01"
    assert [line["amount"] for line in data["cost_lines"]] == ["100000", "50000"]
    assert [(line["kind"], line["amount"]) for line in data["financing_lines"]] == [
        ("own_funds", "75000"),
        ("programme", "75000"),
    ]
    assert data["totals"] == {"costs": "150000", "financing": "150000", "applied": "75000"}
    assert data["organisation"]["orgnr"] == application.organisation.orgnr
    (entry,) = entries_for(application)
    assert (entry.actor, entry.from_state, entry.to_state) == (applicant, "draft", "submitted")


def test_snapshot_keeps_attachment_metadata(make_draft, applicant):
    application = make_draft()
    Attachment.objects.create(
        application=application,
        kind=Attachment.Kind.BUDGET,
        file="attachments/x/abc",
        original_name="budsjett.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        size=12345,
        sha256="a" * 64,
        uploaded_by=applicant,
    )

    application_submit(application, actor=applicant)

    (attachment,) = ApplicationSnapshot.objects.get(application=application).data["attachments"]
    assert attachment["original_name"] == "budsjett.xlsx"
    assert attachment["size"] == 12345
    assert attachment["sha256"] == "a" * 64
    assert attachment["kind"] == "budget"


def test_snapshot_stays_as_submitted_when_rows_change_later(make_draft, applicant):
    application = make_draft()
    application_submit(application, actor=applicant)

    CostLine.objects.filter(application=application).update(amount=Decimal(1))
    Application.objects.filter(pk=application.pk).update(title="Endret tittel")

    data = ApplicationSnapshot.objects.get(application=application).data
    assert data["application"]["title"] == "Bioenergi i Åmot"
    assert [line["amount"] for line in data["cost_lines"]] == ["100000", "50000"]


def test_submitting_twice_gives_one_submission_and_refuses_the_second(make_draft, applicant):
    application = make_draft()
    application_submit(application, actor=applicant)

    # The caller's instance still says "draft", as a second browser tab would.
    assert application.state == S.DRAFT
    with pytest.raises(ServiceError, match="allerede sendt inn"):
        application_submit(application, actor=applicant)

    assert ApplicationSnapshot.objects.filter(application=application).count() == 1
    assert entries_for(application).filter(to_state="submitted").count() == 1


def test_submit_after_deadline_is_refused_with_the_deadline_in_oslo_time(make_draft, applicant):
    call = CallFactory(
        programme=ProgrammeFactory(),
        opens_at=dt.datetime(2018, 3, 1, 9, 0, tzinfo=OSLO),
        deadline=dt.datetime(2018, 5, 15, 23, 59, tzinfo=OSLO),
    )
    application = make_draft(call=call)

    with pytest.raises(ServiceError, match="Fristen var 15. mai 2018 kl. 23.59"):
        application_submit(application, actor=applicant)

    application.refresh_from_db()
    assert application.state == S.DRAFT
    assert application.submitted_at is None
    assert not ApplicationSnapshot.objects.filter(application=application).exists()
    assert not entries_for(application).exists()


def test_submit_a_minute_before_the_deadline_is_accepted(make_draft, applicant):
    call = CallFactory(programme=ProgrammeFactory(), deadline=timezone.now() + dt.timedelta(minutes=1))
    application = make_draft(call=call)

    assert application_submit(application, actor=applicant).state == S.SUBMITTED


def test_an_english_applicant_is_told_the_deadline_on_the_norwegian_clock(make_draft, applicant):
    call = CallFactory(
        programme=ProgrammeFactory(),
        opens_at=dt.datetime(2018, 3, 1, 9, 0, tzinfo=OSLO),
        deadline=dt.datetime(2018, 5, 15, 23, 59, tzinfo=OSLO),
    )
    application = make_draft(call=call)

    with translation.override("en"), pytest.raises(ServiceError) as refused:
        application_submit(application, actor=applicant)

    assert (
        refused.value.message
        == "The application deadline has passed. The deadline was 15. May 2018 at 23.59."
    )


def test_submit_with_unbalanced_financing_is_refused_and_says_so(make_draft, applicant):
    application = make_draft()
    FinancingLine.objects.filter(application=application, kind=FinancingLine.Kind.OWN_FUNDS).update(
        amount=Decimal(25000)
    )

    with pytest.raises(ApplicationIncompleteError) as refused:
        application_submit(application, actor=applicant)

    assert refused.value.problems == [
        "Finansieringsplanen (100\xa0000 kr) går ikke i balanse med kostnadsplanen (150\xa0000 kr)."
    ]
    assert "går ikke i balanse" in refused.value.message
    application.refresh_from_db()
    assert application.state == S.DRAFT


def test_an_english_applicant_sees_the_amounts_grouped_as_on_the_page(make_draft, applicant):
    application = make_draft()
    FinancingLine.objects.filter(application=application, kind=FinancingLine.Kind.OWN_FUNDS).update(
        amount=Decimal(25000)
    )

    with translation.override("en"), pytest.raises(ApplicationIncompleteError) as refused:
        application_submit(application, actor=applicant)

    assert refused.value.problems == [
        "The financing plan (NOK 100\xa0000) does not balance with the cost plan (NOK 150\xa0000)."
    ]


def test_submit_lists_every_missing_part(make_draft, applicant):
    application = make_draft(summary="", description="  ", start_date=None, end_date=None)
    CostLine.objects.filter(application=application).delete()
    FinancingLine.objects.filter(application=application).delete()

    with pytest.raises(ApplicationIncompleteError) as refused:
        application_submit(application, actor=applicant)

    assert refused.value.problems == [
        "Sammendrag mangler.",
        "Prosjektbeskrivelse mangler.",
        "Startdato mangler.",
        "Sluttdato mangler.",
        "Kostnadsplanen har ingen linjer.",
        "Finansieringsplanen viser ikke hvor mye som søkes fra omstillingsprogrammet.",
    ]
    for problem in refused.value.problems:
        assert problem in refused.value.message


def test_summary_longer_than_500_characters_is_refused(make_draft, applicant):
    application = make_draft(summary="x" * 501)
    with pytest.raises(ServiceError, match="Sammendraget er på 501 tegn; høyst 500 er tillatt"):
        application_submit(application, actor=applicant)


def test_amount_above_the_calls_maximum_is_refused(make_draft, applicant):
    call = CallFactory(programme=ProgrammeFactory(), max_amount=Decimal(50000))
    application = make_draft(call=call)
    with pytest.raises(ServiceError, match="høyere enn utlysningens maksimum på 50\xa0000 kr"):
        application_submit(application, actor=applicant)


def test_amount_above_the_calls_share_of_costs_is_refused(make_draft, applicant):
    call = CallFactory(programme=ProgrammeFactory(), max_share_percent=40)
    application = make_draft(call=call)
    with pytest.raises(ServiceError, match="mer enn 40 % av kostnadene"):
        application_submit(application, actor=applicant)


def test_amount_at_exactly_the_calls_share_and_maximum_is_accepted(make_draft, applicant):
    call = CallFactory(programme=ProgrammeFactory(), max_share_percent=50, max_amount=Decimal(75000))
    application = make_draft(call=call)
    assert application_submit(application, actor=applicant).state == S.SUBMITTED


def test_category_the_call_does_not_admit_is_refused(make_draft, applicant):
    call = CallFactory(programme=ProgrammeFactory(), admits_forstudie=False)
    application = make_draft(call=call)
    with pytest.raises(ServiceError, match="tar ikke imot søknader om forstudie"):
        application_submit(application, actor=applicant)


def test_receipt_and_staff_notice_are_sent_after_commit(
    make_draft, applicant, officer, django_capture_on_commit_callbacks, mailoutbox
):
    application = make_draft()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        application_submit(application, actor=applicant)
        assert mailoutbox == []

    assert len(callbacks) == 1
    receipt, notice = mailoutbox
    assert receipt.to == ["kontakt@bedrift.no"]
    assert application.reference in receipt.subject
    assert f"Referansenummer: {application.reference}" in receipt.body
    assert "Vi har mottatt søknaden «Bioenergi i Åmot»" in receipt.body
    assert notice.to == [officer.email]
    assert application.reference in notice.subject


def test_refused_submit_enqueues_nothing(
    make_draft, applicant, django_capture_on_commit_callbacks, mailoutbox
):
    application = make_draft(description="")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ServiceError):
        application_submit(application, actor=applicant)

    assert callbacks == []
    assert mailoutbox == []


def test_send_to_board_needs_a_finished_assessment(make_draft, officer):
    application = make_draft(state=S.IN_REVIEW)
    with pytest.raises(ServiceError, match="ferdig vurdering"):
        application_send_to_board(application, actor=officer)

    finish_assessment(application, officer)
    assert application_send_to_board(application, actor=officer).state == S.TO_BOARD


def test_rejection_needs_a_reason(make_draft, officer):
    application = make_draft(state=S.IN_REVIEW)
    with pytest.raises(ServiceError, match="begrunnelse"):
        application_reject(application, actor=officer, reason="  ")
    application.refresh_from_db()
    assert application.state == S.IN_REVIEW


def test_approval_needs_an_approving_decision_on_this_application(make_draft, officer):
    application = make_draft(state=S.TO_BOARD)
    other = make_draft(state=S.TO_BOARD)
    with pytest.raises(ServiceError, match="vedtak"):
        application_approve(application, actor=officer, decision=approving_decision(other))

    approved = application_approve(application, actor=officer, decision=approving_decision(application))
    assert approved.state == S.APPROVED
    assert approved.decided_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_give_exactly_one_submission(make_draft):
    application = make_draft()
    applicant = UserFactory(full_name="Kari Søker")
    OrganisationMembershipFactory(organisation=application.organisation, user=applicant)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait()
            application_submit(Application.objects.get(pk=application.pk), actor=applicant)
            outcomes.append("submitted")
        except ServiceError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "submitted"]
    assert ApplicationSnapshot.objects.filter(application=application).count() == 1


def test_without_contact_or_staff_the_receipt_goes_to_the_organisation_and_the_notice_to_the_programme(
    make_draft, applicant, officer, django_capture_on_commit_callbacks, mailoutbox
):
    application = make_draft(contact_email="")
    application.organisation.contact_email = "post@bedrift.no"
    application.organisation.save()
    application.programme.contact_email = "post@program.no"
    application.programme.save()
    StaffMembership.objects.filter(programme=application.programme).update(is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        application_submit(application, actor=applicant)

    assert [message.to for message in mailoutbox] == [["post@bedrift.no"], ["post@program.no"]]
