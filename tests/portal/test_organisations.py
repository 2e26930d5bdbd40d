"""Registering or joining an organisation by organisasjonsnummer."""

import pytest
from django.urls import reverse

from applications.models import Organisation, OrganisationJoinRequest, OrganisationMembership
from tests.factories import OrganisationFactory, OrganisationMembershipFactory, UserFactory, valid_orgnr

pytestmark = pytest.mark.django_db


def test_registering_an_organisation_makes_the_user_its_admin(applicant_client, applicant):
    number = valid_orgnr(500)
    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"

    response = applicant_client.post(
        reverse("organisation_register"), {"orgnr": spaced, "name": "Åmot Tre AS", "contact_email": ""}
    )

    assert response.status_code == 302
    organisation = Organisation.objects.get(orgnr=number)
    assert organisation.memberships.get(user=applicant).role == OrganisationMembership.Role.ADMIN


def test_a_wrong_organisation_number_gets_a_clear_norwegian_message_on_the_field(applicant_client):
    response = applicant_client.post(
        reverse("organisation_register"), {"orgnr": "123456789", "name": "Feil AS"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "«123456789» er ikke et gyldig organisasjonsnummer" in page
    assert 'href="#id_orgnr"' in page
    assert 'value="Feil AS"' in page
    assert not Organisation.objects.filter(name="Feil AS").exists()


def test_registering_a_known_number_points_to_asking_for_access(applicant_client):
    existing = OrganisationFactory()

    response = applicant_client.post(
        reverse("organisation_register"), {"orgnr": existing.orgnr, "name": "Kopi AS"}
    )

    assert "Be om tilgang" in response.content.decode()
    assert Organisation.objects.filter(orgnr=existing.orgnr).count() == 1


def test_joining_needs_an_admins_approval_before_any_application_is_visible(
    client, call, organisation, applicant
):
    from .conftest import make_draft

    application = make_draft(call, organisation, applicant)
    colleague = UserFactory(email="per@bedrift.no")
    client.force_login(colleague)

    response = client.post(reverse("organisation_join"), {"orgnr": organisation.orgnr})

    assert response.status_code == 302
    join_request = OrganisationJoinRequest.objects.get(user=colleague)
    assert not organisation.memberships.filter(user=colleague).exists()
    assert client.get(reverse("application_step", args=[application.pk, "kontakt"])).status_code == 404
    assert application.reference not in client.get(reverse("my_applications")).content.decode()
    # Only an admin of the organisation can decide.
    assert (
        client.post(
            reverse("organisation_join_decide", args=[join_request.pk]), {"decision": "approve"}
        ).status_code
        == 404
    )

    client.force_login(applicant)
    assert "per@bedrift.no" in client.get(reverse("organisations")).content.decode()
    client.post(reverse("organisation_join_decide", args=[join_request.pk]), {"decision": "approve"})

    client.force_login(colleague)
    assert organisation.memberships.get(user=colleague).role == OrganisationMembership.Role.MEMBER
    assert client.get(reverse("application_step", args=[application.pk, "kontakt"])).status_code == 200


def test_a_declined_request_gives_no_access(client, organisation, applicant):
    colleague = UserFactory()
    client.force_login(colleague)
    client.post(reverse("organisation_join"), {"orgnr": organisation.orgnr})
    join_request = OrganisationJoinRequest.objects.get(user=colleague)

    client.force_login(applicant)
    client.post(reverse("organisation_join_decide", args=[join_request.pk]), {"decision": "decline"})

    join_request.refresh_from_db()
    assert join_request.approved is False
    assert not organisation.memberships.filter(user=colleague).exists()


def test_joining_an_unknown_number_says_to_register_it(applicant_client):
    response = applicant_client.post(reverse("organisation_join"), {"orgnr": valid_orgnr(777)})

    assert "Registrer den i stedet" in response.content.decode()


def test_a_user_can_act_for_several_organisations(applicant_client, applicant, call, organisation):
    second = OrganisationFactory(name="Våler Bygg AS")
    OrganisationMembershipFactory(organisation=second, user=applicant)

    page = applicant_client.get(reverse("application_start", args=[call.pk])).content.decode()

    assert "Elverum Reiseliv AS" in page and "Våler Bygg AS" in page
