"""The programme leader's assessment (vurdering) of an application before it goes to the board."""

from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Assessment, AssessmentCriterion, AssessmentScore
from omstilling.audit import audit_log, full_clean_or_refuse, locked
from omstilling.exceptions import ServiceError
from omstilling.policies import guarded

from ..policies import can_handle_case
from . import application_review_start, application_send_to_board


@guarded(can_handle_case)
def assessment_submit(
    application: Application,
    *,
    actor: User,
    scores,
    recommendation,
    reasoning,
    proposed_amount=0,
    conditions="",
):
    """The programme leader's assessment: a 1–6 score on each of the programme's criteria and a
    recommendation (approve with amount and conditions, or reject with the reason).

    ``scores`` maps criterion pk to score (or to ``(score, comment)``). Re-submitting replaces the
    earlier assessment while the application is still in case handling.
    """
    reasoning = (reasoning or "").strip()
    conditions = (conditions or "").strip()
    proposed_amount = Decimal(proposed_amount or 0)
    if not reasoning:
        raise ServiceError(_("Skriv en begrunnelse for innstillingen."), field="reasoning")
    if recommendation == Assessment.Recommendation.APPROVE:
        if proposed_amount <= 0:
            raise ServiceError(_("Oppgi beløpet som foreslås innvilget."), field="proposed_amount")
        if proposed_amount != proposed_amount.to_integral_value():
            raise ServiceError(_("Beløpet må være i hele kroner."), field="proposed_amount")
    elif recommendation == Assessment.Recommendation.REJECT:
        proposed_amount = Decimal(0)
        conditions = ""
    else:
        raise ServiceError(_("Velg en innstilling."), field="recommendation")

    with transaction.atomic():
        application = locked(application)
        if application.state == Application.State.SUBMITTED:
            application = application_review_start(application, actor=actor)
        if application.state != Application.State.IN_REVIEW:
            raise ServiceError(
                _("Søknaden har status «%(state)s» og kan ikke vurderes nå.")
                % {"state": application.get_state_display()}
            )
        criteria = list(AssessmentCriterion.objects.filter(programme=application.programme_id))
        if not criteria:
            raise ServiceError(_("Programmet har ingen vurderingskriterier. Legg dem inn først."))
        given = {}
        for criterion in criteria:
            value = scores.get(criterion.pk, scores.get(str(criterion.pk)))
            score, comment = value if isinstance(value, tuple) else (value, "")
            try:
                score = int(score)
            except (TypeError, ValueError):
                score = None
            if score is None or not 1 <= score <= 6:
                raise ServiceError(
                    _("Gi «%(criterion)s» en poengsum fra 1 til 6.") % {"criterion": criterion.name},
                    field=f"score_{criterion.pk}",
                )
            given[criterion] = (score, (comment or "").strip())

        assessment = Assessment.objects.filter(application=application).first() or Assessment(
            application=application
        )
        assessment.assessor = actor
        assessment.recommendation = recommendation
        assessment.proposed_amount = proposed_amount
        assessment.conditions = conditions
        assessment.reasoning = reasoning
        assessment.submitted_at = timezone.now()
        full_clean_or_refuse(assessment)
        assessment.save()
        assessment.scores.all().delete()
        for criterion, (score, comment) in given.items():
            row = AssessmentScore(assessment=assessment, criterion=criterion, score=score, comment=comment)
            full_clean_or_refuse(row)
            row.save()
        audit_log(
            actor=actor,
            obj=assessment,
            action="assessment:submitted",
            data={
                "recommendation": recommendation,
                "proposed_amount": str(proposed_amount),
                "scores": {criterion.name: score for criterion, (score, _c) in given.items()},
            },
        )
    return assessment


@guarded(can_handle_case)
def assessment_submit_and_send(application: Application, *, actor: User, **assessment) -> Application:
    """Assess and send to the board in one transaction: the assessment is kept only if the
    application goes to the board."""
    with transaction.atomic():
        assessment_submit(application, actor=actor, **assessment)
        return application_send_to_board(application, actor=actor)
