import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from applications.models import Application, Decision
from applications.services import application_approve
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry, StaffMembership
from omstilling.policies import Refused
from projects.models import Grant, Payout, ResultReport
from projects.services import (
    grant_accept,
    grant_activate,
    grant_cancel,
    grant_complete,
    grant_lapse,
    grant_offer,
    result_report_submit,
)
from tests.factories import (
    GrantFactory,
    OrganisationMembershipFactory,
    PayoutFactory,
    ResultReportFactory,
    StaffMembershipFactory,
    UserFactory,
)

from .builders import approving_decision

pytestmark = pytest.mark.django_db

G = Grant.State
OSLO = ZoneInfo("Europe/Oslo")


def today():
    return timezone.localdate(timezone.now(), OSLO)


def entries_for(obj):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    )


@pytest.fixture
def make_grant(officer, applicant):
    """A grant in ``state`` with its final report: the officer leads its programme, the applicant acts
    for the organisation that holds it."""

    def make(state, amount=Decimal(100000), deadline_passed=False):
        grant = GrantFactory(
            state=state,
            amount=amount,
            decision__amount=amount,
            acceptance_deadline=today() + dt.timedelta(days=-1 if deadline_passed else 14),
            decision__application__title="Bioenergi i Åmot",
        )
        ResultReportFactory(grant=grant, year=grant.year, is_final=True)
        application = grant.application
        StaffMembershipFactory(
            programme=application.programme, user=officer, role=StaffMembership.Role.LEADER
        )
        OrganisationMembershipFactory(organisation=application.organisation, user=applicant)
        return grant

    return make


# ---- grant_offer -------------------------------------------------------------------------------


def test_an_application_to_next_years_call_decided_in_december_becomes_a_grant_of_the_calls_year(
    make_draft, officer
):
    application = make_draft(state=Application.State.TO_BOARD)
    application.call.year = 2027
    application.call.save()
    Application.objects.filter(pk=application.pk).update(reference="S2027-00042")
    decision = approving_decision(
        application, amount=Decimal(75000), decided_at=dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC)
    )

    grant = grant_offer(decision, actor=officer)

    assert grant.year == 2027
    assert grant.reference == f"T2027-{decision.pk:05d}"


def test_offer_creates_the_grant_on_the_programmes_terms_and_approves_the_application(make_draft, officer):
    application = make_draft(state=Application.State.TO_BOARD)
    # Without a call (as an imported application), the grant year is the decision's, in Oslo.
    Application.objects.filter(pk=application.pk).update(call=None)
    application.refresh_from_db()
    programme = application.programme
    programme.acceptance_days = 14
    programme.holdback_percent = 30
    programme.payout_on_acceptance_percent = 40
    programme.save()
    # 23:30 UTC on New Year's Eve is already 2018 in Oslo.
    decision = approving_decision(
        application, amount=Decimal(75000), decided_at=dt.datetime(2017, 12, 31, 23, 30, tzinfo=dt.UTC)
    )

    grant = grant_offer(decision, actor=officer)

    grant.refresh_from_db()
    assert grant.state == G.OFFERED
    assert grant.amount == Decimal(75000)
    assert grant.released_amount == 0
    assert grant.year == 2018
    assert grant.reference == f"T2018-{decision.pk:05d}"
    assert grant.conditions == "Sluttrapport innen 1. mars."
    assert (grant.holdback_percent, grant.payout_on_acceptance_percent) == (30, 40)
    assert grant.acceptance_deadline == today() + dt.timedelta(days=14)
    application.refresh_from_db()
    assert application.state == Application.State.APPROVED
    (offered,) = entries_for(grant)
    assert (offered.actor, offered.from_state, offered.to_state) == (officer, "", "offered")
    assert entries_for(application).get().to_state == "approved"


def test_offer_for_an_already_approved_application_leaves_it_approved(make_draft, officer):
    application = make_draft(state=Application.State.TO_BOARD)
    decision = approving_decision(application)
    application_approve(application, actor=officer, decision=decision)

    grant = grant_offer(decision, actor=officer)

    assert grant.state == G.OFFERED
    assert entries_for(application).filter(to_state="approved").count() == 1


def test_offer_for_an_application_still_in_review_is_refused(make_draft, officer):
    application = make_draft(state=Application.State.IN_REVIEW)
    decision = approving_decision(application)

    with pytest.raises(ServiceError, match="Under behandling"):
        grant_offer(decision, actor=officer)

    assert not Grant.objects.filter(decision=decision).exists()


def test_offer_is_refused_for_a_rejection_and_for_a_decision_that_already_has_a_grant(make_draft, officer):
    application = make_draft(state=Application.State.TO_BOARD)
    rejection = Decision.objects.create(
        application=application, outcome=Decision.Outcome.REJECTED, decided_at=timezone.now()
    )
    with pytest.raises(ServiceError, match="innvilger"):
        grant_offer(rejection, actor=officer)

    decision = approving_decision(application)
    grant_offer(decision, actor=officer)
    with pytest.raises(ServiceError, match="allerede et tilsagn"):
        grant_offer(decision, actor=officer)
    assert Grant.objects.filter(application=application).count() == 1


# ---- allowed and refused transitions, table-driven ------------------------------------------

# The grant holder accepts; the programme leader changes the grant; the system lets it lapse.
BY_HOLDER = {"accept"}
SERVICES = {
    "accept": lambda grant, actor: grant_accept(grant, actor=actor),
    "activate": lambda grant, actor: grant_activate(grant, actor=actor),
    "complete": lambda grant, actor: grant_complete(grant, actor=actor),
    "cancel": lambda grant, actor: grant_cancel(
        grant, actor=actor, reason="Prosjektet ble ikke gjennomført."
    ),
    "lapse": lambda grant, actor: grant_lapse(grant, actor=actor),
}
ALLOWED = {
    G.OFFERED: {"accept": G.ACCEPTED, "cancel": G.CANCELLED, "lapse": G.LAPSED},
    G.ACCEPTED: {"activate": G.ACTIVE, "complete": G.COMPLETED, "cancel": G.CANCELLED},
    G.ACTIVE: {"complete": G.COMPLETED, "cancel": G.CANCELLED},
    G.COMPLETED: {},
    G.CANCELLED: {},
    G.LAPSED: {},
}
ALLOWED_CASES = [(state, name, to) for state, moves in ALLOWED.items() for name, to in moves.items()]
REFUSED_CASES = [(state, name) for state in G for name in SERVICES if name not in ALLOWED[state]]


@pytest.mark.parametrize(("state", "name", "to_state"), ALLOWED_CASES)
def test_allowed_grant_transition_writes_one_audit_entry(
    make_grant, officer, applicant, state, name, to_state
):
    grant = make_grant(state, deadline_passed=(name == "lapse"))
    actor = applicant if name in BY_HOLDER else officer

    result = SERVICES[name](grant, actor)

    grant.refresh_from_db()
    assert grant.state == result.state == to_state
    (entry,) = entries_for(grant)
    assert (entry.actor, entry.from_state, entry.to_state) == (actor, state, to_state)
    assert entry.programme_id == grant.application.programme_id
    if name == "cancel":
        assert entry.reason == "Prosjektet ble ikke gjennomført."
    if name == "lapse":
        assert "ble ikke akseptert innen fristen" in entry.reason


@pytest.mark.parametrize(("state", "name"), REFUSED_CASES)
def test_grant_transition_not_allowed_from_state_is_refused_and_changes_nothing(
    make_grant, officer, applicant, state, name
):
    grant = make_grant(state, deadline_passed=(name == "lapse"))
    before = Grant.objects.filter(pk=grant.pk).values().get()

    with pytest.raises(ServiceError) as refused:
        SERVICES[name](grant, applicant if name in BY_HOLDER else officer)

    assert str(Grant.State(state).label) in refused.value.message
    assert Grant.objects.filter(pk=grant.pk).values().get() == before
    assert not entries_for(grant).exists()


@pytest.mark.parametrize(
    ("name", "who", "reason"),
    [
        ("accept", "officer", "ikke tilgang til å handle for denne organisasjonen"),
        ("accept", "stranger", "ikke tilgang til å handle for denne organisasjonen"),
        ("cancel", "applicant", "Bare programmets administrasjon"),
        ("activate", "applicant", "Bare programmets administrasjon"),
        ("cancel", "other leader", "Bare programmets administrasjon"),
    ],
)
def test_a_grant_is_changed_only_by_the_role_that_owns_the_change(
    make_grant, officer, applicant, name, who, reason
):
    grant = make_grant(G.OFFERED if name == "accept" else G.ACCEPTED)
    other_leader = UserFactory()
    StaffMembershipFactory(user=other_leader, role=StaffMembership.Role.LEADER)
    actor = {
        "officer": officer,
        "applicant": applicant,
        "stranger": UserFactory(),
        "other leader": other_leader,
    }[who]
    before = Grant.objects.filter(pk=grant.pk).values().get()

    with pytest.raises(Refused, match=reason):
        SERVICES[name](grant, actor)

    assert Grant.objects.filter(pk=grant.pk).values().get() == before
    assert not entries_for(grant).exists()


# ---- the rules behind the transitions --------------------------------------------------------


def test_accept_records_who_and_when(make_grant, applicant):
    grant = make_grant(G.OFFERED)

    accepted = grant_accept(grant, actor=applicant)

    assert accepted.accepted_by == applicant
    assert accepted.accepted_at is not None
    grant.refresh_from_db()
    assert (grant.state, grant.accepted_by) == (G.ACCEPTED, applicant)


def test_accept_on_the_deadline_day_is_in_time(make_grant, applicant):
    grant = make_grant(G.OFFERED)
    Grant.objects.filter(pk=grant.pk).update(acceptance_deadline=today())
    assert grant_accept(grant, actor=applicant).state == G.ACCEPTED


def test_accept_after_the_deadline_is_refused(make_grant, applicant):
    grant = make_grant(G.OFFERED, deadline_passed=True)

    with pytest.raises(ServiceError, match="Fristen for å akseptere tilsagnet gikk ut"):
        grant_accept(grant, actor=applicant)

    grant.refresh_from_db()
    assert (grant.state, grant.accepted_at, grant.accepted_by) == (G.OFFERED, None, None)


def test_complete_needs_the_final_report(make_grant, officer):
    grant = make_grant(G.ACTIVE)
    ResultReport.objects.filter(grant=grant).delete()

    with pytest.raises(ServiceError, match="sluttrapporten"):
        grant_complete(grant, actor=officer)
    grant.refresh_from_db()
    assert grant.state == G.ACTIVE


def test_complete_waits_for_pending_payout_requests(make_grant, officer):
    grant = make_grant(G.ACTIVE)
    PayoutFactory(grant=grant, amount=Decimal(10000))

    with pytest.raises(ServiceError, match="ikke er behandlet"):
        grant_complete(grant, actor=officer)


def test_complete_releases_what_was_never_approved(make_grant, officer):
    grant = make_grant(G.ACTIVE)
    now = timezone.now()
    PayoutFactory(grant=grant, amount=Decimal(40000), state=Payout.State.APPROVED, approved_at=now)
    PayoutFactory(
        grant=grant, amount=Decimal(20000), state=Payout.State.PAID, approved_at=now, paid_at=today()
    )
    PayoutFactory(grant=grant, amount=Decimal(30000), state=Payout.State.REJECTED)

    grant_complete(grant, actor=officer)

    grant.refresh_from_db()
    assert grant.state == G.COMPLETED
    assert grant.released_amount == Decimal(40000)
    assert grant.effective_amount == Decimal(60000)
    assert grant.completed_at is not None
    assert entries_for(grant).get().data == {"released": "40000"}


def test_cancel_releases_what_is_not_paid_or_approved_and_rejects_pending_requests(make_grant, officer):
    grant = make_grant(G.ACTIVE)
    PayoutFactory(grant=grant, amount=Decimal(25000), state=Payout.State.APPROVED, approved_at=timezone.now())
    pending = PayoutFactory(grant=grant, amount=Decimal(10000))

    grant_cancel(grant, actor=officer, reason="Bedriften er slått konkurs.")

    grant.refresh_from_db()
    assert grant.state == G.CANCELLED
    assert grant.released_amount == Decimal(75000)
    assert grant.cancel_reason == "Bedriften er slått konkurs."
    assert grant.cancelled_at is not None
    pending.refresh_from_db()
    assert pending.state == Payout.State.REJECTED
    assert pending.rejection_reason == "Tilsagnet er annullert."
    assert entries_for(pending).get().to_state == "rejected"


def test_cancel_needs_a_reason(make_grant, officer):
    grant = make_grant(G.ACCEPTED)
    with pytest.raises(ServiceError, match="begrunnelse"):
        grant_cancel(grant, actor=officer, reason="")
    grant.refresh_from_db()
    assert grant.state == G.ACCEPTED


def test_lapse_releases_the_whole_amount_and_is_logged_as_the_system(make_grant):
    grant = make_grant(G.OFFERED, deadline_passed=True)

    grant_lapse(grant)

    grant.refresh_from_db()
    assert grant.state == G.LAPSED
    assert grant.released_amount == grant.amount == Decimal(100000)
    assert grant.effective_amount == 0
    entry = entries_for(grant).get()
    assert (entry.actor, entry.actor_label) == (None, "system")


def test_lapse_before_the_deadline_is_refused(make_grant):
    grant = make_grant(G.OFFERED)

    with pytest.raises(ServiceError, match="ikke ute ennå"):
        grant_lapse(grant)

    grant.refresh_from_db()
    assert (grant.state, grant.released_amount) == (G.OFFERED, 0)


# ---- result reports ---------------------------------------------------------------------------


def test_result_report_with_funding_lines_is_stored_and_logged(make_grant, applicant):
    grant = make_grant(G.ACTIVE)
    ResultReport.objects.filter(grant=grant).delete()

    report = result_report_submit(
        grant,
        actor=applicant,
        year=grant.year,
        new_jobs=3,
        secured_jobs=2,
        new_firms=1,
        networks=1,
        narrative="Flisanlegget er i drift.",
        funding_lines=[("Innovasjon Norge", Decimal(150000)), ("Privat", "50000")],
    )

    report.refresh_from_db()
    assert (report.new_jobs, report.secured_jobs, report.new_firms, report.networks) == (3, 2, 1, 1)
    assert report.other_funding == Decimal(200000)
    assert sorted(report.funding_lines.values_list("source", "amount")) == [
        ("Innovasjon Norge", Decimal(150000)),
        ("Privat", Decimal(50000)),
    ]
    assert report.submitted_by == applicant
    entry = entries_for(report).get()
    assert (entry.actor, entry.action) == (applicant, "result_report:submitted")


def test_second_report_for_the_same_year_and_second_final_report_are_refused(make_grant, applicant):
    grant = make_grant(G.ACTIVE)  # already has its final report
    result_report_submit(grant, actor=applicant, year=grant.year)

    with pytest.raises(ServiceError, match=f"Resultatrapporten for {grant.year} er allerede levert"):
        result_report_submit(grant, actor=applicant, year=grant.year)
    with pytest.raises(ServiceError, match="Sluttrapporten er allerede levert"):
        result_report_submit(grant, actor=applicant, year=grant.year, is_final=True)
    assert grant.result_reports.count() == 2


def test_results_cannot_be_reported_on_an_offered_or_closed_grant(make_grant, applicant):
    for state in (G.OFFERED, G.COMPLETED, G.CANCELLED):
        grant = make_grant(state)
        with pytest.raises(ServiceError, match="akseptert eller aktivt"):
            result_report_submit(grant, actor=applicant, year=grant.year, new_jobs=1)


def test_a_grant_from_next_years_call_may_report_this_year_but_not_a_year_ahead(make_grant, applicant):
    grant = make_grant(G.ACTIVE)
    this_year = today().year
    Grant.objects.filter(pk=grant.pk).update(year=this_year + 1)
    grant.refresh_from_db()

    report = result_report_submit(grant, actor=applicant, year=this_year, new_jobs=1)

    assert report.year == this_year
    with pytest.raises(ServiceError, match=f"mellom {this_year} og {this_year}"):
        result_report_submit(grant, actor=applicant, year=this_year + 1, new_jobs=1)
