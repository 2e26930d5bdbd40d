"""Rows the services expect to find before they act: a finished assessment, an approving decision."""

from decimal import Decimal

from django.utils import timezone

from applications.models import Assessment, Decision


def finish_assessment(application, assessor):
    return Assessment.objects.create(
        application=application,
        assessor=assessor,
        recommendation=Assessment.Recommendation.APPROVE,
        proposed_amount=Decimal(75000),
        reasoning="Godt forankret i innsatsområdet.",
        submitted_at=timezone.now(),
    )


def approving_decision(application, amount=Decimal(75000), decided_at=None):
    return Decision.objects.create(
        application=application,
        outcome=Decision.Outcome.APPROVED,
        amount=amount,
        conditions="Sluttrapport innen 1. mars.",
        decided_at=decided_at or timezone.now(),
    )
