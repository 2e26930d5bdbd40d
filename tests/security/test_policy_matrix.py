"""The policy matrix: every guarded write service, every role, one table of who may do what.

``ALLOWED`` is the table: for each write service registered with a policy in
``omstilling.policies.SERVICES``, the roles that may carry it out on an object of *their own*
programme. Nine roles take part, and two programmes are built with the same cast, so each role exists
in both:

- ``own applicant``: acts for (is an administrator of) the organisation that owns the object;
- ``other applicant``: acts for another organisation;
- ``programme leader``; ``chair``; ``member``; ``deputy`` (a deputy with no seat at the meeting);
  ``observer``; ``site admin`` (a superuser);
- ``other programme's leader``: the leader of the other programme.

For each service a scenario builder (``SCENARIOS``) makes the object the service acts on, in the
state where the action is possible for the roles allowed (a vote: an open case whose meeting today has
every voting seat present; closing a case: everyone has voted and the chair is present, so the chair
is the møteleder; approving a payout: a request on an accepted grant …). Then:

(a) the policy answers None exactly for the roles in the service's row, in both programmes;
(b) the other programme's people — its leader, chair, members, observer … — are refused on this
    programme's object, except the site admin (and except for the two services that act on no
    programme's object: registering an organisation and asking to act for one);
(c) every refused role that *calls* the service is refused (``omstilling.policies.Refused``), and the
    call writes no audit entry, changes no row of the object and adds or removes no row anywhere;
    every allowed role's call, each on a fresh scenario, succeeds;
(d) a guarded service without a row (or a scenario) fails, and so does a row for a service that is
    not guarded or does not exist.

The README's "Who may do what" table is rendered from ``ALLOWED`` by :func:`policy_table`, and a test
checks that the README says exactly that. The prose under it, who may see and download what, is checked
by ``test_who_may_see_and_download_what_is_as_the_readme_says``: every role asks for a draft, an
application on the board's agenda, their attachments (portal and admin), a decision, the minutes and the
annual report.
"""

import datetime as dt
import hashlib
import importlib
import pkgutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from applications.board.decisions import case_close
from applications.board.services import (
    attendance_register,
    case_add,
    case_deputy_step_in,
    case_open,
    conflict_declare,
    meeting_create,
    vote_cast,
)
from applications.models import (
    Appeal,
    Application,
    ApplicationCopy,
    Assessment,
    AssessmentCriterion,
    CostLine,
    Decision,
    FinancingLine,
    Letter,
    OrganisationJoinRequest,
    OrganisationMembership,
    SupplementRequest,
    Vote,
)
from applications.services import application_submit, attachment_add
from applications.services.assessment import assessment_submit
from applications.services.journal import journal_register
from applications.views.applications import STEP_NAMES
from omstilling import roles as role_groups
from omstilling.models import AnnualPlan, AuditEntry, BoardMembership, Category, StaffMembership
from omstilling.policies import SERVICES, Refused, Registered
from projects.models import Grant
from projects.services import grant_accept, grant_offer, payout_approve, payout_request, result_report_submit
from projects.services.deadlines import deadline_extension_request
from reports.models import ReportJob
from tests.factories import (
    ApplicationFactory,
    BoardMembershipFactory,
    CallFactory,
    FocusAreaFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    ProgrammeFactory,
    ReportJobFactory,
    StaffMembershipFactory,
    UserFactory,
)

README = Path(__file__).resolve().parents[2] / "README.md"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# The roles ---------------------------------------------------------------------------------------

OWN = "own applicant"
OTHER = "other applicant"
LEADER = "programme leader"
CHAIR = "chair"
MEMBER = "member"
DEPUTY = "deputy"
OBSERVER = "observer"
ADMIN = "site admin"
OTHER_LEADER = "other programme's leader"

# The roles of one programme, in the order of the README's columns.
PROGRAMME_ROLES = (OWN, OTHER, LEADER, CHAIR, MEMBER, DEPUTY, OBSERVER, ADMIN)
ROLES = (*PROGRAMME_ROLES, OTHER_LEADER)

EVERYONE = frozenset(ROLES)  # anyone signed in
APPLICANT = frozenset({OWN})  # the people who act for the object's organisation
STAFF = frozenset({LEADER, ADMIN})  # the programme's staff, and site admins
RUNS_MEETING = frozenset({LEADER, CHAIR, ADMIN})  # staff and the chair prepare and run meetings
MOTELEDER = frozenset({CHAIR})  # in these scenarios the chair is present and leads the case

# The table ---------------------------------------------------------------------------------------

# service → (the roles that may carry it out on an object of their own programme, the README's label)
POLICY_TABLE = {
    # The applicant portal
    "applications.services.organisation_register": (EVERYONE, "register an organisation"),
    "applications.services.organisation_join_request": (EVERYONE, "ask to act for an organisation"),
    "applications.services.organisation_join_decide": (
        APPLICANT,
        "approve or decline a request to act for the organisation — its administrators",
    ),
    "applications.services.application_create": (APPLICANT, "start an application"),
    "applications.services.application_save_step": (APPLICANT, "fill in a step of a draft"),
    "applications.services.application_save_budget": (APPLICANT, "save a draft's cost and financing plan"),
    "applications.services.attachment_add": (APPLICANT, "attach a document to a draft"),
    "applications.services.attachment_remove": (APPLICANT, "remove a document from a draft"),
    "applications.services.application_submit": (APPLICANT, "submit an application"),
    "applications.services.application_submit_from_portal": (
        APPLICANT,
        "submit in the portal, with the state-aid declaration",
    ),
    "applications.services.application_withdraw": (APPLICANT, "withdraw an application"),
    "applications.services.copies.application_copy_request": (
        APPLICANT | STAFF,
        "order the application as submitted as a PDF (again after a failure)",
    ),
    # Case handling
    "applications.services.receipts.receipt_resend": (STAFF, "send a refused submission receipt again"),
    "applications.services.application_review_start": (STAFF, "start case handling"),
    "applications.services.assessment.assessment_submit": (STAFF, "assess an application"),
    "applications.services.assessment.assessment_submit_and_send": (
        STAFF,
        "assess and send to the board in one step",
    ),
    "applications.services.application_send_to_board": (
        RUNS_MEETING,
        "send an assessed application to the board",
    ),
    # The board
    "applications.board.services.meeting_create": (RUNS_MEETING, "call a board meeting"),
    "applications.board.services.case_add": (RUNS_MEETING, "put an application on the agenda"),
    "applications.board.services.case_add_reconsideration": (
        RUNS_MEETING,
        "omgjøring: put a decision back before the board with a new amount",
    ),
    "applications.board.services.case_add_appeal": (
        RUNS_MEETING,
        "klage: put the applicant's appeal before the board that made the decision",
    ),
    "applications.board.services.case_add_plan": (
        RUNS_MEETING,
        "put the year's omstillingsplan before the board to adopt",
    ),
    "applications.board.services.agenda_move": (RUNS_MEETING, "reorder the agenda"),
    "applications.board.services.attendance_register": (RUNS_MEETING, "register who is present"),
    "applications.board.services.attendance_unregister": (RUNS_MEETING, "register that someone left"),
    "applications.board.services.case_open": (RUNS_MEETING, "open a case for voting, from the meeting's day"),
    "applications.board.services.case_presiding_set": (
        RUNS_MEETING,
        "register the møteleder the board chose when the chair cannot lead",
    ),
    "applications.board.services.case_deputy_step_in": (
        RUNS_MEETING,
        "let a present deputy take a recused member's seat in one case",
    ),
    "applications.board.services.case_deputy_step_out": (RUNS_MEETING, "undo a deputy's stand-in"),
    "applications.board.services.conflict_declare": (
        frozenset({CHAIR, MEMBER, DEPUTY}),
        "declare oneself disqualified — inhabil",
    ),
    "applications.board.services.vote_cast": (
        frozenset({CHAIR, MEMBER}),
        "vote on a case; a deputy only when standing in",
    ),
    "applications.board.services.vote_record_not_voting": (
        MOTELEDER,
        "record that a present member did not vote — the møteleder",
    ),
    "applications.board.decisions.case_close": (
        MOTELEDER,
        "close a case, which makes the decision — the møteleder",
    ),
    "applications.board.services.meeting_close": (RUNS_MEETING, "close the meeting; the minutes follow"),
    "applications.board.decisions.decision_correct": (
        STAFF,
        "correct a decision's wording, never its amount or outcome",
    ),
    # Grants (tilsagn), payouts and results
    "projects.services.grant_accept": (APPLICANT, "accept a grant"),
    "projects.services.payout_request": (APPLICANT, "request a payout"),
    "projects.services.portal.payout_request_from_portal": (
        APPLICANT,
        "request a payout in the portal, with its attachments",
    ),
    "projects.services.attachments.payout_attachment_add": (
        APPLICANT,
        "attach a document to a payout request",
    ),
    "projects.services.result_report_submit": (APPLICANT, "report results or the final report"),
    "projects.services.payout_approve": (STAFF, "approve a payout"),
    "projects.services.payout_reject": (STAFF, "reject a payout"),
    "projects.services.payout_mark_paid": (STAFF, "record a payout as paid"),
    "projects.services.grant_activate": (STAFF, "mark a grant's project as under way"),
    "projects.services.grant_reduce": (STAFF, "reduce a grant"),
    "projects.services.grant_cancel": (STAFF, "cancel a grant"),
    "projects.services.grant_complete": (STAFF, "complete a grant on its final report"),
    # Written exchanges on a case
    "applications.services.case.case_message_send": (
        APPLICANT | STAFF,
        "write a message on a submitted application's case — the applicant and the programme's staff",
    ),
    "applications.services.case.supplement_request": (
        STAFF,
        "ask the applicant for more information (ettersending), with a reply deadline",
    ),
    "applications.services.case.supplement_answer": (
        APPLICANT,
        "answer a request for more information with text and documents",
    ),
    # The public journal
    "applications.services.journal.journal_entry_screen": (
        STAFF,
        "screen a public journal entry's title (with its legal basis) or a private person's name",
    ),
    # A person's own data
    "projects.services.privacy.personal_data_export_order": (
        EVERYONE,
        "download everything the portal holds about oneself",
    ),
    "projects.services.privacy.account_close": (
        frozenset({OWN, OTHER}),
        "close one's own account — with no submitted application and no programme role",
    ),
    "projects.services.deadlines.deadline_extension_request": (
        APPLICANT,
        "ask for a later final report deadline",
    ),
    "projects.services.deadlines.deadline_extension_decide": (STAFF, "grant or refuse a later deadline"),
    "projects.services.grant_close_overdue": (STAFF, "close a grant whose final report deadline has passed"),
    # Reports
    "reports.services.report_job_request": (STAFF, "order the annual report or an export"),
    "reports.services.report_job_retry": (STAFF, "retry a failed report job"),
    "reports.services.narrative_section_save": (STAFF, "write the texts of the year's omstillingsplan"),
}

ALLOWED = {service: roles for service, (roles, _label) in POLICY_TABLE.items()}
LABELS = {service: label for service, (_roles, label) in POLICY_TABLE.items()}


# The registry, complete: every services module imported --------------------------------------------


def _import_service_modules():
    for app in ("omstilling", "applications", "projects", "reports"):
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if ".services" in module.name and ".migrations" not in module.name:
                importlib.import_module(module.name)


_import_service_modules()
GUARDED = sorted(name for name, registered in SERVICES.items() if registered.policy is not None)


# The cast of a programme -------------------------------------------------------------------------


@dataclass
class Cast:
    slug: str
    programme: object
    organisation: object  # the own applicant's
    call: object
    focus_area: object
    criteria: list
    chair: BoardMembership
    member: BoardMembership
    second_member: BoardMembership  # a voting seat that plays no role of its own
    deputy: BoardMembership
    observer: BoardMembership
    people: dict = field(default_factory=dict)  # role → user

    @property
    def leader(self):
        return self.people[LEADER]

    @property
    def applicant(self):
        return self.people[OWN]

    @property
    def voting_seats(self):
        return [self.chair, self.member, self.second_member]


def make_cast(slug):
    programme = ProgrammeFactory(slug=slug, name=f"Omstillingsprogrammet {slug}", short_name=slug)

    def person(local, **extra):
        return UserFactory(email=f"{local}@{slug}.test", full_name=f"{local.title()} {slug}", **extra)

    def seat(local, role):
        return BoardMembershipFactory(programme=programme, user=person(local, is_staff=True), role=role)

    organisation = OrganisationFactory(name=f"Søker i {slug} AS")
    other_organisation = OrganisationFactory(name=f"Konkurrent i {slug} AS")
    own, other = person("soker"), person("konkurrent")
    OrganisationMembershipFactory(organisation=organisation, user=own, role=OrganisationMembership.Role.ADMIN)
    OrganisationMembershipFactory(
        organisation=other_organisation, user=other, role=OrganisationMembership.Role.ADMIN
    )
    leader = person("leder", is_staff=True)
    StaffMembershipFactory(programme=programme, user=leader, role=StaffMembership.Role.LEADER)
    focus_area = FocusAreaFactory(plan_period__programme=programme)
    call = CallFactory(programme=programme)
    call.focus_areas.set([focus_area])
    seat_role = BoardMembership.Role
    cast = Cast(
        slug=slug,
        programme=programme,
        organisation=organisation,
        call=call,
        focus_area=focus_area,
        criteria=[
            AssessmentCriterion.objects.create(programme=programme, name="Relevans", order=1),
            AssessmentCriterion.objects.create(programme=programme, name="Gjennomførbarhet", order=2),
        ],
        chair=seat("styreleder", seat_role.CHAIR),
        member=seat("styremedlem", seat_role.MEMBER),
        second_member=seat("styremedlem2", seat_role.MEMBER),
        deputy=seat("vara", seat_role.DEPUTY),
        observer=seat("observator", seat_role.OBSERVER),
    )
    cast.people.update(
        {
            OWN: own,
            OTHER: other,
            LEADER: leader,
            CHAIR: cast.chair.user,
            MEMBER: cast.member.user,
            DEPUTY: cast.deputy.user,
            OBSERVER: cast.observer.user,
            ADMIN: person("admin", is_staff=True, is_superuser=True),
        }
    )
    return cast


@pytest.fixture(scope="module")
def _casts_of_the_module(django_db_setup, django_db_blocker):
    """Both casts, built once for the module in a transaction of its own that is rolled back at the
    end; each test runs in a savepoint inside it (the ``db`` fixture), so what a test writes is gone
    before the next one starts, and the casts are not built again for every test."""
    with django_db_blocker.unblock():
        module = transaction.atomic()
        module.__enter__()
        try:
            a, b = make_cast("program-a"), make_cast("program-b")
            a.people[OTHER_LEADER], b.people[OTHER_LEADER] = b.leader, a.leader
            yield a, b
        finally:
            transaction.set_rollback(True)
            module.__exit__(None, None, None)


@pytest.fixture
def casts(_casts_of_the_module, db):
    """Programme A's cast and programme B's: each one's "other programme's leader" leads the other."""
    return _casts_of_the_module


# What the scenarios are built from ----------------------------------------------------------------


def upload(name="dokument.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def application(cast, state=Application.State.SUBMITTED, **fields):
    """A complete application of the own applicant's organisation: costs 150 000, half applied for."""
    values = {
        "programme": cast.programme,
        "call": cast.call,
        "focus_area": cast.focus_area,
        "organisation": cast.organisation,
        "created_by": cast.applicant,
        "title": "Bioenergi i Åmot",
        "summary": "Forstudie om flisfyring for næringsbygg.",
        "description": "Vi vil kartlegge markedet for flis i regionen.",
        "start_date": dt.date(2030, 1, 1),
        "end_date": dt.date(2030, 12, 31),
        "contact_email": "kontakt@bedrift.no",
        "state": state,
        "submitted_at": None if state == Application.State.DRAFT else timezone.now(),
    }
    values.update(fields)
    application = ApplicationFactory(**values)
    CostLine.objects.create(application=application, order=1, description="Konsulent", amount=Decimal(150000))
    FinancingLine.objects.create(
        application=application, order=1, kind=FinancingLine.Kind.OWN_FUNDS, amount=Decimal(75000)
    )
    FinancingLine.objects.create(
        application=application, order=2, kind=FinancingLine.Kind.PROGRAMME, amount=Decimal(75000)
    )
    return application


def draft(cast, **fields):
    return application(cast, Application.State.DRAFT, **fields)


def assessed(cast, state=Application.State.IN_REVIEW):
    """An application the programme leader has assessed, proposing to grant 75 000."""
    assessed = application(cast, state)
    Assessment.objects.create(
        application=assessed,
        assessor=cast.leader,
        recommendation=Assessment.Recommendation.APPROVE,
        proposed_amount=Decimal(75000),
        conditions="Sluttrapport innen 1. mars.",
        reasoning="Prosjektet treffer innsatsområdet godt.",
        submitted_at=timezone.now(),
    )
    return assessed


def meeting(cast, present=()):
    """A board meeting today with ``present`` registered."""
    meeting = meeting_create(cast.programme, actor=cast.leader, starts_at=timezone.now(), place="Rådhuset")
    for seat in present:
        attendance_register(meeting, actor=cast.leader, member=seat)
    return meeting


def pending_case(cast, meeting):
    return case_add(meeting, actor=cast.leader, application=assessed(cast, Application.State.TO_BOARD))


def open_case(cast, present=None):
    """A case open for voting at a meeting today; by default every voting seat is present."""
    board_meeting = meeting(cast, cast.voting_seats if present is None else present)
    return case_open(pending_case(cast, board_meeting), actor=cast.leader)


def voted_case(cast):
    """An open case every voting seat has voted for, under the chair as møteleder."""
    case = open_case(cast)
    for seat in cast.voting_seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    return case


def decided(cast):
    """The board's approving decision, with the grant it offers (not yet accepted)."""
    return case_close(voted_case(cast), actor=cast.chair.user)


def offered_grant(cast):
    """An approving decision and the grant it offers, not yet accepted (the board's vote is left out:
    ``decided`` is the way through the board)."""
    approved = application(cast, Application.State.APPROVED, decided_at=timezone.now())
    decision = Decision.objects.create(
        application=approved,
        outcome=Decision.Outcome.APPROVED,
        amount=Decimal(75000),
        conditions="Sluttrapport innen 1. mars.",
        decided_at=timezone.now(),
    )
    return grant_offer(decision, actor=cast.leader)


def accepted_grant(cast):
    return grant_accept(offered_grant(cast), actor=cast.applicant)


def requested_payout(cast):
    return payout_request(accepted_grant(cast), actor=cast.applicant, amount=Decimal(10000))


# The scenarios: the object each service acts on, in the state where the action is possible ----------


@dataclass
class Scenario:
    obj: object  # what the service acts on (None for a service that creates from nothing)
    kwargs: object = dict  # () → the service's keyword arguments besides ``actor``, fresh per call


SCENARIOS = {}


def scenario(service):
    def register(build):
        SCENARIOS[service] = build
        return build

    return register


@scenario("applications.services.organisation_register")
def _(cast):
    return Scenario(None, lambda: {"orgnr": OrganisationFactory.build().orgnr, "name": "Nytt Firma AS"})


@scenario("applications.services.case.case_message_send")
def _(cast):
    return Scenario(application(cast), lambda: {"body": "Når behandles søknaden?"})


@scenario("applications.services.case.supplement_request")
def _(cast):
    return Scenario(
        application(cast, state=Application.State.IN_REVIEW),
        lambda: {
            "message": "Send oss regnskapet.",
            "reply_deadline": timezone.localdate() + dt.timedelta(days=14),
        },
    )


@scenario("applications.services.case.supplement_answer")
def _(cast):
    supplement = SupplementRequest.objects.create(
        application=application(cast, state=Application.State.IN_REVIEW),
        message="Send oss regnskapet.",
        reply_deadline=timezone.localdate() + dt.timedelta(days=14),
        requested_by=cast.people[LEADER],
    )
    return Scenario(supplement, lambda: {"answer": "Her er regnskapet."})


@scenario("applications.services.journal.journal_entry_screen")
def _(cast):
    entry = journal_register(
        cast.programme,
        direction="I",
        kind="application",
        title="Søknad om tilskudd: Hemmelig prosjekt",
        party="Kari Nordmann",
        case_reference="S-1",
    )
    return Scenario(
        entry,
        lambda: {
            "title_screened": True,
            "screening_basis": "offl13_fvl13_1_2",
            "party_is_private_person": True,
        },
    )


@scenario("projects.services.privacy.personal_data_export_order")
def _(cast):
    return Scenario(None)


@scenario("projects.services.privacy.account_close")
def _(cast):
    return Scenario(None)


@scenario("applications.services.organisation_join_request")
def _(cast):
    organisation = OrganisationFactory(name="Felles Næringshage AS")
    return Scenario(None, lambda: {"orgnr": organisation.orgnr})


@scenario("applications.services.organisation_join_decide")
def _(cast):
    newcomer = UserFactory()
    join_request = OrganisationJoinRequest.objects.create(organisation=cast.organisation, user=newcomer)
    return Scenario(join_request, lambda: {"approve": True})


@scenario("applications.services.application_create")
def _(cast):
    return Scenario(
        cast.organisation,
        lambda: {
            "call": cast.call,
            "category": Category.FORSTUDIE,
            "focus_area": cast.focus_area,
            "title": "Nytt prosjekt",
        },
    )


@scenario("applications.services.application_save_step")
def _(cast):
    return Scenario(draft(cast), lambda: {"title": "Bioenergi i Åmot og Stor-Elvdal"})


@scenario("applications.services.application_save_budget")
def _(cast):
    return Scenario(
        draft(cast),
        lambda: {
            "cost_lines": [("Konsulent", Decimal(120000))],
            "financing_lines": [
                (FinancingLine.Kind.OWN_FUNDS, "", Decimal(60000)),
                (FinancingLine.Kind.PROGRAMME, "", Decimal(60000)),
            ],
        },
    )


@scenario("applications.services.attachment_add")
def _(cast):
    return Scenario(draft(cast), lambda: {"upload": upload("prosjektplan.pdf"), "kind": "project_plan"})


@scenario("applications.services.attachment_remove")
def _(cast):
    return Scenario(attachment_add(draft(cast), actor=cast.applicant, upload=upload(), kind="other"))


@scenario("applications.services.application_submit")
def _(cast):
    return Scenario(draft(cast))


@scenario("applications.services.application_submit_from_portal")
def _(cast):
    return Scenario(draft(cast, de_minimis_declared=True), lambda: {"confirmed": True})


@scenario("applications.services.application_withdraw")
def _(cast):
    return Scenario(application(cast), lambda: {"reason": "Vi har fått finansiering et annet sted."})


@scenario("applications.services.copies.application_copy_request")
def _(cast):
    return Scenario(application_submit(draft(cast), actor=cast.applicant))


@scenario("applications.services.receipts.receipt_resend")
def _(cast):
    return Scenario(
        application(
            cast,
            receipt_undeliverable_at=timezone.now(),
            receipt_undeliverable_reason="550 5.1.1 <kontakt@bedrift.no>: User unknown",
        )
    )


@scenario("applications.services.application_review_start")
def _(cast):
    return Scenario(application(cast))


def _assessment(cast):
    return {
        "scores": {criterion.pk: 5 for criterion in cast.criteria},
        "recommendation": Assessment.Recommendation.APPROVE,
        "reasoning": "Prosjektet treffer innsatsområdet godt.",
        "proposed_amount": Decimal(75000),
    }


@scenario("applications.services.assessment.assessment_submit")
def _(cast):
    return Scenario(application(cast), lambda: _assessment(cast))


@scenario("applications.services.assessment.assessment_submit_and_send")
def _(cast):
    return Scenario(application(cast), lambda: _assessment(cast))


@scenario("applications.services.application_send_to_board")
def _(cast):
    return Scenario(assessed(cast))


@scenario("applications.board.services.meeting_create")
def _(cast):
    return Scenario(cast.programme, lambda: {"starts_at": timezone.now(), "place": "Rådhuset"})


@scenario("applications.board.services.case_add")
def _(cast):
    application = assessed(cast, Application.State.TO_BOARD)
    return Scenario(meeting(cast), lambda: {"application": application})


@scenario("applications.board.services.case_add_plan")
def _(cast):
    # A plan of its own for every call: a plan stands on one agenda at a time.
    taken = AnnualPlan.objects.filter(programme=cast.programme).count()
    plan = AnnualPlan.objects.create(programme=cast.programme, year=cast.programme.status_start_year + taken)
    return Scenario(meeting(cast), lambda: {"plan": plan})


@scenario("applications.board.services.case_add_reconsideration")
def _(cast):
    decision = offered_grant(cast).decision
    return Scenario(
        meeting(cast),
        lambda: {
            "decision": decision,
            "proposed_amount": Decimal(100000),
            "recommendation": "Kostnadene har økt; administrasjonen foreslår 100 000 kr.",
        },
    )


@scenario("applications.board.services.case_add_appeal")
def _(cast):
    rejected = application(cast, Application.State.REJECTED, decided_at=timezone.now())
    decision = Decision.objects.create(
        application=rejected, outcome=Decision.Outcome.REJECTED, amount=0, decided_at=timezone.now()
    )
    appeal = Appeal.objects.create(
        application=rejected,
        decision=decision,
        reasons="Prosjektet hører til innsatsområdet.",
        lodged_by=cast.applicant,
        lodged_at=timezone.now(),
        deadline=timezone.localdate() + dt.timedelta(weeks=3),
    )
    return Scenario(
        meeting(cast),
        lambda: {"appeal": appeal, "proposed_amount": "0", "recommendation": "Vedtaket bør stå."},
    )


@scenario("applications.board.services.agenda_move")
def _(cast):
    board_meeting = meeting(cast)
    first = pending_case(cast, board_meeting)
    pending_case(cast, board_meeting)
    return Scenario(first, lambda: {"offset": 1})


@scenario("applications.board.services.attendance_register")
def _(cast):
    return Scenario(meeting(cast), lambda: {"member": cast.member})


@scenario("applications.board.services.attendance_unregister")
def _(cast):
    return Scenario(meeting(cast, [cast.member]), lambda: {"member": cast.member})


@scenario("applications.board.services.case_open")
def _(cast):
    return Scenario(pending_case(cast, meeting(cast, cast.voting_seats)))


@scenario("applications.board.services.case_presiding_set")
def _(cast):
    # The chair is absent: the board chooses who leads the case among those who vote in it.
    case = open_case(cast, present=[cast.member, cast.second_member])
    return Scenario(case, lambda: {"member": cast.member})


def _member_recused(cast):
    """An open case in which the member is recused and the deputy is present without a seat."""
    case = open_case(cast, present=[*cast.voting_seats, cast.deputy])
    conflict_declare(case, actor=cast.member.user, reason="Styreleder hos søkeren.")
    return case


@scenario("applications.board.services.case_deputy_step_in")
def _(cast):
    return Scenario(_member_recused(cast), lambda: {"deputy": cast.deputy, "stands_in_for": cast.member})


@scenario("applications.board.services.case_deputy_step_out")
def _(cast):
    case = _member_recused(cast)
    case_deputy_step_in(case, actor=cast.leader, deputy=cast.deputy, stands_in_for=cast.member)
    return Scenario(case, lambda: {"deputy": cast.deputy})


@scenario("applications.board.services.conflict_declare")
def _(cast):
    return Scenario(open_case(cast), lambda: {"reason": "Min bror eier søkerbedriften."})


@scenario("applications.board.services.vote_cast")
def _(cast):
    return Scenario(open_case(cast), lambda: {"choice": Vote.Choice.FOR})


@scenario("applications.board.services.vote_record_not_voting")
def _(cast):
    return Scenario(open_case(cast), lambda: {"member": cast.member})


@scenario("applications.board.decisions.case_close")
def _(cast):
    return Scenario(voted_case(cast))


@scenario("applications.board.services.meeting_close")
def _(cast):
    return Scenario(decided(cast).case.meeting)


@scenario("applications.board.decisions.decision_correct")
def _(cast):
    return Scenario(
        offered_grant(cast).decision,
        lambda: {"conditions": "Sluttrapport innen 1. april.", "reason": "Feil dato i vilkåret."},
    )


@scenario("projects.services.grant_accept")
def _(cast):
    return Scenario(offered_grant(cast))


@scenario("projects.services.payout_request")
def _(cast):
    return Scenario(accepted_grant(cast), lambda: {"amount": Decimal(10000), "progress_note": "I rute."})


@scenario("projects.services.portal.payout_request_from_portal")
def _(cast):
    return Scenario(
        accepted_grant(cast), lambda: {"amount": Decimal(10000), "files": [upload("faktura.pdf")]}
    )


@scenario("projects.services.attachments.payout_attachment_add")
def _(cast):
    return Scenario(requested_payout(cast), lambda: {"uploaded_file": upload("faktura.pdf")})


@scenario("projects.services.result_report_submit")
def _(cast):
    grant = accepted_grant(cast)
    return Scenario(grant, lambda: {"year": grant.year, "new_jobs": 2, "narrative": "God framdrift."})


@scenario("projects.services.payout_approve")
def _(cast):
    return Scenario(requested_payout(cast))


@scenario("projects.services.payout_reject")
def _(cast):
    return Scenario(requested_payout(cast), lambda: {"reason": "Kostnadene er ikke dokumentert."})


@scenario("projects.services.payout_mark_paid")
def _(cast):
    payout = payout_approve(requested_payout(cast), actor=cast.leader)
    return Scenario(payout, lambda: {"paid_on": timezone.localdate()})


@scenario("projects.services.grant_activate")
def _(cast):
    return Scenario(accepted_grant(cast))


@scenario("projects.services.grant_reduce")
def _(cast):
    return Scenario(
        accepted_grant(cast), lambda: {"new_amount": Decimal(50000), "reason": "Prosjektet er nedskalert."}
    )


@scenario("projects.services.grant_cancel")
def _(cast):
    return Scenario(accepted_grant(cast), lambda: {"reason": "Prosjektet er avlyst."})


@scenario("projects.services.grant_complete")
def _(cast):
    grant = accepted_grant(cast)
    result_report_submit(grant, actor=cast.applicant, year=grant.year, is_final=True, narrative="Ferdig.")
    return Scenario(grant)


@scenario("projects.services.deadlines.deadline_extension_request")
def _(cast):
    grant = accepted_grant(cast)
    later = grant.final_report_deadline + dt.timedelta(days=90)
    return Scenario(
        grant, lambda: {"new_deadline": later, "reason": "Leveransen fra underleverandøren er forsinket."}
    )


@scenario("projects.services.deadlines.deadline_extension_decide")
def _(cast):
    grant = accepted_grant(cast)
    extension = deadline_extension_request(
        grant,
        actor=cast.applicant,
        new_deadline=grant.final_report_deadline + dt.timedelta(days=90),
        reason="Leveransen fra underleverandøren er forsinket.",
    )
    return Scenario(extension, lambda: {"granted": True, "note": "Innvilget."})


@scenario("projects.services.grant_close_overdue")
def _(cast):
    grant = accepted_grant(cast)
    Grant.objects.filter(pk=grant.pk).update(
        project_start=dt.date(2020, 1, 1),
        project_end=dt.date(2020, 12, 31),
        final_report_deadline=timezone.localdate() - dt.timedelta(days=1),
    )
    grant.refresh_from_db()
    return Scenario(grant, lambda: {"reason": "Sluttrapporten kom aldri."})


@scenario("reports.services.report_job_request")
def _(cast):
    return Scenario(
        cast.programme,
        lambda: {"year": cast.programme.status_end_year, "kind": ReportJob.Kind.ANNUAL_PLAN_PDF},
    )


@scenario("reports.services.narrative_section_save")
def _(cast):
    return Scenario(
        cast.programme,
        lambda: {"year": cast.programme.status_end_year, "place": "intro", "body": "Status for året."},
    )


@scenario("reports.services.report_job_retry")
def _(cast):
    return Scenario(
        ReportJobFactory(programme=cast.programme, state=ReportJob.State.FAILED, error="Tidsavbrudd.")
    )


# Helpers ------------------------------------------------------------------------------------------


def _row(obj):
    return type(obj)._default_manager.filter(pk=obj.pk).values().first()


def _row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _call(service, scenario, user):
    run = SERVICES[service].service
    if scenario.obj is None:
        return run(actor=user, **scenario.kwargs())
    return run(scenario.obj, actor=user, **scenario.kwargs())


def _expected_for_stranger(service, role, obj):
    """Whether ``role`` of the *other* programme may act on ``obj``: only a site admin may, and anyone
    the row allows where the object belongs to no programme (obj None)."""
    return role in ALLOWED[service] and (obj is None or role == ADMIN)


def _require_row(service):
    assert service in ALLOWED, f"{service} has no row in ALLOWED: say who may call it"
    assert service in SCENARIOS, f"{service} has no scenario builder in SCENARIOS"


def _answer(allowed):
    return "allowed" if allowed else "refused"


# (a) and (b): the policy's answers ------------------------------------------------------------------


@pytest.mark.parametrize("service", GUARDED)
def test_the_policy_answers_every_role_of_both_programmes_as_the_table_says(casts, service):
    """(a) On each programme's object, each of its nine roles gets the answer its row gives (an
    anonymous visitor: refused). (b) The other programme's people — its leader, chair, members,
    deputy, observer and applicants — are refused on it, except the site admin (on an object of no
    programme, the row applies to them too)."""
    _require_row(service)
    policy = SERVICES[service].policy
    wrong = []
    for home, away in (casts, casts[::-1]):
        obj = SCENARIOS[service](home).obj
        for role in ROLES:
            reason = policy(home.people[role], obj)
            if (reason is None) != (role in ALLOWED[service]):
                answer = f"{_answer(reason is None)}: {reason or 'no reason'}"
                wrong.append(f"(a) {home.slug}'s {role} is {answer}")
        if policy(AnonymousUser(), obj) is None:
            wrong.append(f"(a) an anonymous visitor is allowed on {home.slug}'s object")
        for role in PROGRAMME_ROLES:
            allowed = policy(away.people[role], obj) is None
            if allowed != _expected_for_stranger(service, role, obj):
                wrong.append(f"(b) {away.slug}'s {role} is {_answer(allowed)} on {home.slug}'s object")
    table = sorted(ALLOWED[service])
    assert not wrong, f"{service}: the policy disagrees with ALLOWED {table}:\n" + "\n".join(wrong)


# (c): calling the service -------------------------------------------------------------------------


@pytest.mark.parametrize("service", GUARDED)
def test_a_refused_role_calling_the_service_is_refused_and_changes_nothing(casts, service):
    _require_row(service)
    home, away = casts
    scenario = SCENARIOS[service](home)
    refused = {role: home.people[role] for role in ROLES if role not in ALLOWED[service]}
    refused.update(
        {
            f"{away.slug}'s {role}": away.people[role]
            for role in PROGRAMME_ROLES
            if not _expected_for_stranger(service, role, scenario.obj)
        }
    )
    counts = _row_counts()
    row = _row(scenario.obj) if scenario.obj is not None else None
    audit = AuditEntry.objects.count()
    wrong = []
    for role, user in refused.items():
        try:
            _call(service, scenario, user)
        except Refused:
            pass
        except Exception as exc:  # noqa: BLE001 - any other outcome is the failure to report
            wrong.append(f"{role}: raised {type(exc).__name__}: {exc}")
        else:
            wrong.append(f"{role}: the call succeeded")
        if AuditEntry.objects.count() != audit:
            wrong.append(f"{role}: an audit entry was written")
            audit = AuditEntry.objects.count()
        if scenario.obj is not None and _row(scenario.obj) != row:
            wrong.append(f"{role}: the {type(scenario.obj).__name__} row changed")
            row = _row(scenario.obj)
    after = _row_counts()
    changed = {label: (n, after[label]) for label, n in counts.items() if after[label] != n}
    assert not wrong and not changed, (
        f"{service} called by refused roles:\n" + "\n".join(wrong) + f"\nrows added or removed: {changed}"
    )


@pytest.mark.parametrize("service", GUARDED)
def test_an_allowed_role_calling_the_service_succeeds(casts, service):
    """Each role the row allows, on a fresh scenario of its own programme."""
    _require_row(service)
    home = casts[0]
    wrong = []
    for role in ROLES:
        if role not in ALLOWED[service]:
            continue
        scenario = SCENARIOS[service](home)
        try:
            _call(service, scenario, home.people[role])
        except Exception as exc:  # noqa: BLE001 - report every role's failure at once
            wrong.append(f"{role}: {type(exc).__name__}: {exc}")
    assert not wrong, f"{service} called by an allowed role:\n" + "\n".join(wrong)


# (d): the table covers the registry, and nothing else --------------------------------------------


def rows_missing(registry):
    """The guarded services in ``registry`` that have no row in ALLOWED."""
    return sorted(name for name, registered in registry.items() if registered.policy and name not in ALLOWED)


def rows_astray(registry):
    """The rows of ALLOWED for services ``registry`` does not hold, or holds as the system's own."""
    return sorted(name for name in ALLOWED if name not in registry or registry[name].policy is None)


def test_every_guarded_service_has_a_row_a_label_and_a_scenario():
    assert not rows_missing(SERVICES), f"Say in POLICY_TABLE who may call: {rows_missing(SERVICES)}"
    without_scenario = [service for service in GUARDED if service not in SCENARIOS]
    assert not without_scenario, f"Write a scenario builder for: {without_scenario}"
    assert set(LABELS) == set(ALLOWED)


def test_the_table_names_only_guarded_services_and_known_roles():
    assert not rows_astray(SERVICES), (
        f"POLICY_TABLE names services that do not exist or that only the system runs: {rows_astray(SERVICES)}"
    )
    astray = sorted(set(SCENARIOS) - set(GUARDED))
    assert not astray, f"scenarios for services that are not guarded: {astray}"
    strange = {service: roles - EVERYONE for service, roles in ALLOWED.items() if roles - EVERYONE}
    assert not strange, f"unknown roles: {strange}"


def test_the_checks_catch_a_new_service_and_a_stale_row():
    """A guarded service registered tomorrow without a row, and a row whose service was removed."""

    def new_service(obj, *, actor):
        """A write service someone adds tomorrow."""

    new = Registered(new_service, lambda user, obj: None)
    tomorrow = {**SERVICES, "applications.services.new_service": new}
    assert rows_missing(tomorrow) == ["applications.services.new_service"]
    removed = "projects.services.grant_activate"
    assert rows_astray({name: row for name, row in SERVICES.items() if name != removed}) == [removed]
    demoted = {**SERVICES, removed: Registered(SERVICES[removed].service, None)}
    assert rows_astray(demoted) == [removed]


# The README's table -------------------------------------------------------------------------------

START, END = "<!-- policy-table:start -->", "<!-- policy-table:end -->"


def policy_table(allowed=None):
    """The README's "Who may do what" table, one row per guarded service, one column per role."""
    allowed = ALLOWED if allowed is None else allowed
    lines = [
        "| action | " + " | ".join(PROGRAMME_ROLES) + " |",
        "|---|" + "---|" * len(PROGRAMME_ROLES),
    ]
    for service, allowed_roles in allowed.items():
        label = f"{LABELS[service]} (`{service.rpartition('.')[2]}`)"
        cells = ["✓" if role in allowed_roles else "–" for role in PROGRAMME_ROLES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_the_readme_table_is_the_policy_table():
    text = README.read_text(encoding="utf-8")
    assert START in text and END in text, f"README.md has no {START} … {END} block"
    block = text.split(START, 1)[1].split(END, 1)[0].strip()
    expected = policy_table()
    assert block == expected, (
        "README.md's policy table is not the table in tests/security/test_policy_matrix.py. "
        f"Paste this between the markers:\n\n{START}\n{expected}\n{END}\n"
    )


# Who may see and download what (the README's prose under the table) ---------------------------------

HIDDEN, LOGIN = "hidden", "login"  # a 404 or the admin's "does not exist"; the admin's log-in page


def _answer_of(response):
    if response.status_code == 302:
        location = response["Location"]
        if location == reverse("admin:index"):
            return HIDDEN
        if location.startswith(reverse("admin:login")):
            return LOGIN
        return location
    if response.status_code == 404:
        return HIDDEN
    return response.status_code


def test_who_may_see_and_download_what_is_as_the_readme_says(casts, client):
    """Each role of programme A, and programme B's leader, asks for programme A's draft, its
    attachment, an application on the agenda of A's board and its attachment, a decision, the minutes
    of A's meeting and A's annual report, through the portal's and the admin's URLs."""
    home, _away = casts
    role_groups.role_groups_sync()
    group = {name: Group.objects.get(name=name) for name in role_groups.ROLE_PERMISSIONS}
    home.leader.groups.add(group[role_groups.PROGRAMME_LEADER])
    home.people[OTHER_LEADER].groups.add(group[role_groups.PROGRAMME_LEADER])
    for seat in (home.chair, home.member, home.deputy):
        seat.user.groups.add(group[role_groups.BOARD_MEMBER])
    home.observer.user.groups.add(group[role_groups.OBSERVER])

    unsubmitted = draft(home)
    draft_file = attachment_add(unsubmitted, actor=home.applicant, upload=upload("utkast.pdf"), kind="other")
    on_agenda = draft(home, de_minimis_declared=True)
    agenda_file = attachment_add(on_agenda, actor=home.applicant, upload=upload("plan.pdf"), kind="other")
    application_submit(on_agenda, actor=home.applicant)
    assessment_submit(on_agenda, actor=home.leader, **_assessment(home))
    case = case_add(meeting(home, home.voting_seats), actor=home.leader, application=on_agenda)
    decision = decided(home)
    minutes = Letter(kind=Letter.Kind.MINUTES, meeting=decision.case.meeting, sha256="0" * 64)
    minutes.file.save("motebok.pdf", ContentFile(PDF), save=False)
    minutes.save()
    grant_letter = Letter(kind=Letter.Kind.GRANT_LETTER, decision=decision, sha256="0" * 64)
    grant_letter.file.save("tilsagnsbrev.pdf", ContentFile(PDF), save=False)
    grant_letter.save()
    ApplicationCopy.objects.create(
        snapshot=on_agenda.snapshot,
        state=ApplicationCopy.State.DONE,
        file=ContentFile(PDF, name="soknad.pdf"),
        sha256=hashlib.sha256(PDF).hexdigest(),
        built_at=timezone.now(),
    )
    report = ReportJobFactory(
        programme=home.programme,
        state=ReportJob.State.DONE,
        progress=100,
        file=ContentFile(PDF, name="omstillingsplan.pdf"),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )

    urls = {
        "draft in the admin": reverse("admin:applications_application_change", args=[unsubmitted.pk]),
        "draft's attachment, portal": reverse("attachment_download", args=[draft_file.pk]),
        "draft's attachment, admin": reverse(
            "admin:applications_application_attachment", args=[unsubmitted.pk, draft_file.pk]
        ),
        "agenda application in the admin": reverse(
            "admin:applications_application_change", args=[case.application_id]
        ),
        "its attachment, portal": reverse("attachment_download", args=[agenda_file.pk]),
        "its attachment, admin": reverse(
            "admin:applications_application_attachment", args=[on_agenda.pk, agenda_file.pk]
        ),
        "decision": reverse("admin:applications_decision_change", args=[decision.pk]),
        "minutes": reverse("admin:applications_letter_download", args=[minutes.pk]),
        "annual report": reverse("admin:reports_reportjob_download", args=[report.pk]),
        "tilsagnsbrev, portal": reverse("letter_download", args=[grant_letter.pk]),
        "application as submitted (PDF), portal": reverse("application_copy", args=[on_agenda.pk]),
    }
    portal_documents = ("tilsagnsbrev, portal", "application as submitted (PDF), portal")
    staff = dict.fromkeys(urls, 200)
    applicant = {name: LOGIN for name in urls} | {
        "draft's attachment, portal": 200,
        "its attachment, portal": 200,
        **dict.fromkeys(portal_documents, 200),
    }
    board = {name: HIDDEN for name in urls} | {
        "agenda application in the admin": 200,
        "its attachment, admin": 200,
        "decision": 200,
        "minutes": 200,
        "annual report": 403,
        **dict.fromkeys(portal_documents, HIDDEN),
    }
    expected = {
        OWN: applicant,
        OTHER: {name: LOGIN for name in urls}
        | {"draft's attachment, portal": HIDDEN, "its attachment, portal": HIDDEN}
        | dict.fromkeys(portal_documents, HIDDEN),
        LEADER: staff,
        CHAIR: board,
        MEMBER: board,
        DEPUTY: board,
        OBSERVER: board,
        ADMIN: staff,
        OTHER_LEADER: dict.fromkeys(urls, HIDDEN),
    }
    seen = {}
    for role in ROLES:
        client.force_login(home.people[role])
        seen[role] = {name: _answer_of(client.get(url)) for name, url in urls.items()}
    wrong = {
        f"{role}: {name}": f"{answer}, not {expected[role][name]}"
        for role in ROLES
        for name, answer in seen[role].items()
        if answer != expected[role][name]
    }
    assert not wrong, wrong


def test_the_applicants_form_says_that_programme_staff_see_the_draft(casts, client):
    home, _away = casts
    unsubmitted = draft(home)
    client.force_login(home.applicant)
    page = client.get(reverse("application_step", args=[unsubmitted.pk, STEP_NAMES[0]]))
    assert "Programmets administrasjon kan også se det" in page.content.decode()
