"""A grant and a rejection for the demo applicant, made the way every decision is made
(``seed_demo_users``, dev only).

The Elverum demo organisation applies in the open demo call, the programme leader assesses the
application, the demo board meets, every voting seat votes, and the chair closes the case: one
decision becomes an offered grant the demo applicant can accept, ask payouts on and report on; the
other is a rejection she can appeal (klage). Every
step goes through the same services as the portal and the admin, so the demo's audit log and e-mails
are the real ones.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from applications.board.decisions import case_close
from applications.board.selectors import voting_seats
from applications.board.services import attendance_register, case_add, case_open, meeting_create, vote_cast
from applications.models import Application, AssessmentCriterion, FinancingLine, Organisation
from applications.services import (
    application_create,
    application_save_budget,
    application_save_step,
    application_submit_from_portal,
)
from applications.services.assessment import assessment_submit
from omstilling.models import BoardMembership, Call, StaffMembership
from omstilling.policies import system_service

from ..models import Grant

DEMO_GRANT_TITLE = "Demo: Kanopadling og villmarksopplevelser på Glomma"
DEMO_GRANT_AMOUNT = Decimal(300000)
DEMO_REJECTION_TITLE = "Demo: Vinterfestival på Terningen"
DEMO_REJECTION_AMOUNT = Decimal(150000)
DEMO_DRAFT_TITLE = "Demo: Sykkelturisme i Finnskogen (utkast)"


@system_service
def demo_grant_seed(call: Call, *, orgnr: str) -> Grant | None:
    """The demo applicant's grant in ``call``; returns the Grant, or None when the demo users are missing.

    Idempotent: once the demo application exists, nothing more is done.
    """
    decision = _demo_decision(
        call,
        orgnr=orgnr,
        title=DEMO_GRANT_TITLE,
        summary="Et forprosjekt som prøver ut guidede kanoturer og villmarksleir langs Glomma "
        "for tilreisende familier og bedrifter.",
        description="Prosjektet utvikler tre pakker, tester dem med 20 grupper og lager en "
        "forretningsplan for helårsdrift.",
        costs=[("Utvikling av pakker", Decimal(400000)), ("Utprøving og markedsføring", Decimal(200000))],
        amount=DEMO_GRANT_AMOUNT,
        reasoning="Prosjektet treffer innsatsområdet og har en realistisk plan.",
        vote="for",
    )
    if decision is None:
        return None
    return decision.application.grants.first()


@system_service
def demo_rejection_seed(call: Call, *, orgnr: str) -> Application | None:
    """A second demo application the board rejected, so that the demo applicant can appeal (klage)
    and the demo shows the whole of an appeal; None when the demo users are missing. Idempotent."""
    decision = _demo_decision(
        call,
        orgnr=orgnr,
        title=DEMO_REJECTION_TITLE,
        summary="En vinterfestival med konserter og skileik på Terningen for familier i regionen.",
        description="Festivalen varer en helg i februar og skal trekke 3 000 besøkende.",
        costs=[("Artister og scene", Decimal(250000)), ("Markedsføring", Decimal(50000))],
        amount=DEMO_REJECTION_AMOUNT,
        reasoning="Et arrangement uten varige arbeidsplasser; styret bør vurdere om det treffer planen.",
        vote="against",
    )
    return decision.application if decision is not None else None


@system_service
def demo_draft_seed(call: Call, *, orgnr: str) -> Application | None:
    """A draft the demo applicant started and has not sent: the portal's "Mine søknader" finds it,
    and the retention rules (``apply_retention``) warn about and delete it once the call has been
    closed long enough. None when the demo users are missing. Idempotent."""
    organisation = Organisation.objects.filter(orgnr=orgnr).first()
    if organisation is None:
        return None
    existing = Application.objects.filter(organisation=organisation, title=DEMO_DRAFT_TITLE).first()
    if existing is not None:
        return existing
    applicant = organisation.memberships.select_related("user").first().user
    with transaction.atomic():
        application = application_create(
            organisation,
            actor=applicant,
            call=call,
            category=call.admitted_categories[0],
            focus_area=call.focus_areas.order_by("number").first(),
            title=DEMO_DRAFT_TITLE,
        )
        return application_save_step(
            application,
            actor=applicant,
            summary="Utkast: merkede sykkelruter og overnatting i Finnskogen, med lokale guider.",
        )


def _demo_decision(call, *, orgnr, title, summary, description, costs, amount, reasoning, vote):
    """Apply in ``call`` for the demo organisation, assess (proposing ``amount``), meet, let every
    voting seat vote ``vote`` and close the case: the board's Decision (None without the demo users)."""
    organisation = Organisation.objects.filter(orgnr=orgnr).first()
    if organisation is None:
        return None
    existing = Application.objects.filter(organisation=organisation, title=title).first()
    if existing is not None:
        return existing.decisions.order_by("-decided_at", "-pk").first()
    programme = call.programme
    applicant = organisation.memberships.select_related("user").first().user
    leader = (
        StaffMembership.objects.filter(programme=programme, role=StaffMembership.Role.LEADER)
        .select_related("user")
        .first()
        .user
    )
    seats = list(voting_seats(programme))
    chair = next(seat for seat in seats if seat.role == BoardMembership.Role.CHAIR)
    today = timezone.localdate()
    with transaction.atomic():
        application = application_create(
            organisation,
            actor=applicant,
            call=call,
            category=call.admitted_categories[0],
            focus_area=call.focus_areas.order_by("number").first(),
            title=title,
        )
        application = application_save_step(
            application,
            actor=applicant,
            summary=summary,
            description=description,
            start_date=today,
            end_date=today + dt.timedelta(days=365),
            expected_new_jobs=2,
            expected_secured_jobs=1,
            expected_new_firms=0,
            de_minimis_declared=True,
            de_minimis_received=Decimal(0),
        )
        total = sum(cost for _, cost in costs)
        application = application_save_budget(
            application,
            actor=applicant,
            cost_lines=costs,
            financing_lines=[
                (FinancingLine.Kind.OWN_FUNDS, "Egne midler", total - amount),
                (FinancingLine.Kind.PROGRAMME, "", amount),
            ],
        )
        application_submit_from_portal(application, actor=applicant, confirmed=True)
        application.refresh_from_db()
        criteria = AssessmentCriterion.objects.filter(programme=programme)
        assessment_submit(
            application,
            actor=leader,
            scores={criterion.pk: 5 for criterion in criteria},
            recommendation="approve",
            proposed_amount=amount,
            conditions="Sluttrapport innen tre måneder etter prosjektslutt.",
            reasoning=reasoning,
        )
        application.refresh_from_db()
        meeting = meeting_create(
            programme, actor=leader, starts_at=timezone.now(), place="Demo: Elverum rådhus"
        )
        for seat in seats:
            attendance_register(meeting, actor=leader, member=seat)
        case = case_open(case_add(meeting, actor=leader, application=application), actor=leader)
        for seat in seats:
            vote_cast(case, actor=seat.user, choice=vote)
        return case_close(case, actor=chair.user)
