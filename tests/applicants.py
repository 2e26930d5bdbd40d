"""The applicant fixtures the portal tests and the grants portal tests share: Kari Nordmann, a verified
user who is the admin of one organisation, and a client logged in as her.

Each directory names its own applicant and organisation (its tests check those names), so its
conftest.py makes the three fixtures with

    applicant, organisation, applicant_client = applicant_fixtures("kari@bedrift.no", "Elverum Reiseliv AS")
"""

import pytest
from django.utils import timezone

from applications.models import OrganisationMembership
from tests.factories import OrganisationFactory, OrganisationMembershipFactory, UserFactory


def applicant_fixtures(email, organisation_name):
    """The fixtures ``applicant``, ``organisation`` and ``applicant_client``, in that order."""

    @pytest.fixture
    def applicant(db):
        return UserFactory(email=email, full_name="Kari Nordmann", email_verified_at=timezone.now())

    @pytest.fixture
    def organisation(applicant):
        organisation = OrganisationFactory(name=organisation_name)
        OrganisationMembershipFactory(
            organisation=organisation, user=applicant, role=OrganisationMembership.Role.ADMIN
        )
        return organisation

    @pytest.fixture
    def applicant_client(client, applicant):
        client.force_login(applicant)
        return client

    return applicant, organisation, applicant_client
