"""A grant for the demo applicant, made the way every grant is made (``seed_demo_users``, dev only).

The Elverum demo organisation applies in the open demo call, the programme leader assesses the
application, the demo board meets, every voting seat votes for, and the chair closes the case: the
decision becomes an offered grant the demo applicant can accept, ask payouts on and report on. Every
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


@system_service
def demo_grant_seed(call: Call, *, orgnr: str) -> Grant | None:
    """The demo applicant's grant in ``call``; returns the Grant, or None when the demo users are missing.

    Idempotent: once the demo application exists, nothing more is done.
    """
    organisation = Organisation.objects.filter(orgnr=orgnr).first()
    if organisation is None:
        return None
    existing = Application.objects.filter(organisation=organisation, title=DEMO_GRANT_TITLE).first()
    if existing is not None:
        return existing.grants.first()
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
            title=DEMO_GRANT_TITLE,
        )
        application = application_save_step(
            application,
            actor=applicant,
            summary="Et forprosjekt som prøver ut guidede kanoturer og villmarksleir langs Glomma "
            "for tilreisende familier og bedrifter.",
            description="Prosjektet utvikler tre pakker, tester dem med 20 grupper og lager en "
            "forretningsplan for helårsdrift.",
            start_date=today,
            end_date=today + dt.timedelta(days=365),
            expected_new_jobs=2,
            expected_secured_jobs=1,
            expected_new_firms=0,
            de_minimis_declared=True,
            de_minimis_received=Decimal(0),
        )
        application = application_save_budget(
            application,
            actor=applicant,
            cost_lines=[
                ("Utvikling av pakker", Decimal(400000)),
                ("Utprøving og markedsføring", Decimal(200000)),
            ],
            financing_lines=[
                (FinancingLine.Kind.OWN_FUNDS, "Egne midler", Decimal(300000)),
                (FinancingLine.Kind.PROGRAMME, "", DEMO_GRANT_AMOUNT),
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
            proposed_amount=DEMO_GRANT_AMOUNT,
            conditions="Sluttrapport innen tre måneder etter prosjektslutt.",
            reasoning="Prosjektet treffer innsatsområdet og har en realistisk plan.",
        )
        application.refresh_from_db()
        meeting = meeting_create(
            programme, actor=leader, starts_at=timezone.now(), place="Demo: Elverum rådhus"
        )
        for seat in seats:
            attendance_register(meeting, actor=leader, member=seat)
        case = case_open(case_add(meeting, actor=leader, application=application), actor=leader)
        for seat in seats:
            vote_cast(case, actor=seat.user, choice="for")
        decision = case_close(case, actor=chair.user)
    return decision.grant
