"""Grants with money in them, in a programme with a board and a budget, for the money tests."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from applications.models import Application
from omstilling.models import FocusArea, Funding, FundingSource
from projects.models import Attestation, Grant, Payout, PayoutAttachment
from tests.board.conftest import make_board
from tests.factories import (
    ApplicationFactory,
    DecisionFactory,
    FocusAreaFactory,
    GrantFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
)


@pytest.fixture
def board(db):
    return make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")


@pytest.fixture
def elverum(db):
    return make_board("elverumregionen", "Omstillingsprogrammet for Elverumregionen", "elverum.demo")


def fund(programme, year, *amounts):
    """Funding for ``year`` from one source per amount (OFK, the municipality …)."""
    names = ["Tilskudd OFK", "Egenandel kommune", "Annen kilde"]
    for order, (name, amount) in enumerate(zip(names, amounts, strict=False)):
        source, _created = FundingSource.objects.get_or_create(
            programme=programme, name=name, defaults={"order": order}
        )
        Funding.objects.create(source=source, year=year, amount=Decimal(amount))


def grant_in(programme, *, amount=100000, state=Grant.State.ACCEPTED, year=None, holdback=25, **fields):
    """A grant of ``programme``, to an organisation with a contact address the e-mails go to."""
    organisation = OrganisationFactory(name="Raufoss Velferd AS", contact_email="post@raufoss-velferd.no")
    focus_area = FocusArea.objects.filter(plan_period__programme=programme).first() or FocusAreaFactory(
        plan_period__programme=programme, name="Nyskaping i næringslivet"
    )
    application = ApplicationFactory(
        programme=programme,
        focus_area=focus_area,
        organisation=organisation,
        state=Application.State.APPROVED,
        title=fields.pop("title", "Velferdsteknologi på Raufoss"),
        contact_email="prosjekt@raufoss-velferd.no",
    )
    decision = DecisionFactory(application=application, amount=Decimal(amount))
    return GrantFactory(
        decision=decision,
        amount=Decimal(amount),
        state=state,
        year=year or timezone.localdate().year,
        holdback_percent=holdback,
        payout_on_acceptance_percent=min(50, 100 - holdback),
        acceptance_deadline=timezone.localdate() + dt.timedelta(days=14),
        **fields,
    )


def requested(grant, amount, *, kind=Payout.Kind.PARTIAL, number=None):
    """A pending request; a final one comes with the project accounts, attested by an auditor."""
    final = kind == Payout.Kind.FINAL
    payout = Payout.objects.create(
        grant=grant,
        number=number or (grant.payouts.count() + 1),
        kind=kind,
        amount=Decimal(amount),
        accumulated_costs=Decimal(amount) * 2,
        progress_note="Pilot i to omsorgsboliger er i gang.",
        accounts_attestation=Attestation.AUDITOR if final else "",
    )
    if final:
        PayoutAttachment.objects.create(
            payout=payout,
            kind=PayoutAttachment.Kind.ACCOUNTS,
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="prosjektregnskap.pdf"),
            original_name="prosjektregnskap.pdf",
            content_type="application/pdf",
            size=14,
            sha256="0" * 64,
        )
    return payout


@pytest.fixture
def grant(board):
    return grant_in(board.programme)


@pytest.fixture
def project_member(grant):
    user = UserFactory(email="prosjekt@raufoss-velferd.no", full_name="Per Prosjekt")
    OrganisationMembershipFactory(organisation=grant.application.organisation, user=user)
    return user
