"""Every URL with an id is 404 for anyone but the owner organisation's members; anonymous must log in."""

import pytest
from django.urls import reverse

from applications.models import Application, Attachment, OrganisationJoinRequest
from tests.factories import (
    OrganisationFactory,
    OrganisationMembershipFactory,
    ProgrammeFactory,
    StaffMembershipFactory,
    UserFactory,
)

from . import files

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(applicant_client, draft):
    applicant_client.post(
        reverse("attachment_upload", args=[draft.pk]),
        {"kind": "other", "file": files.upload("a.pdf", files.PDF)},
    )
    applicant_client.logout()
    return draft, Attachment.objects.get()


def urls(application, attachment):
    pk = application.pk
    gets = [
        reverse("application_detail", args=[pk]),
        reverse("application_receipt", args=[pk]),
        reverse("application_withdraw", args=[pk]),
        *[
            reverse("application_step", args=[pk, step])
            for step in (
                "kontakt",
                "prosjekt",
                "budsjett",
                "resultater",
                "bagatellstotte",
                "vedlegg",
                "oppsummering",
            )
        ],
    ]
    posts = [
        reverse("application_submit", args=[pk]),
        reverse("application_withdraw", args=[pk]),
        reverse("attachment_upload", args=[pk]),
        reverse("attachment_remove", args=[pk, attachment.pk]),
        reverse("application_step", args=[pk, "prosjekt"]),
    ]
    return gets, posts


@pytest.fixture
def other_applicant():
    user = UserFactory(email="konkurrent@annen.no")
    OrganisationMembershipFactory(organisation=OrganisationFactory(), user=user)
    return user


@pytest.fixture
def other_programme_staff():
    user = UserFactory(email="leder@annet-program.no", is_staff=True)
    StaffMembershipFactory(programme=ProgrammeFactory(), user=user)
    return user


@pytest.mark.parametrize("who", ["other_applicant", "other_programme_staff"])
def test_strangers_get_404_on_every_url_with_an_id(client, owned, who, request):
    application, attachment = owned
    client.force_login(request.getfixturevalue(who))
    gets, posts = urls(application, attachment)

    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, {"title": "Kapret", "reason": "x"}).status_code == 404, url
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 404

    application.refresh_from_db()
    assert application.state == Application.State.DRAFT and application.title != "Kapret"
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_anonymous_is_sent_to_log_in(client, owned):
    application, attachment = owned
    gets, posts = urls(application, attachment)

    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    for url in posts:
        response = client.post(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 404


def test_a_join_request_can_only_be_decided_by_the_organisations_admin(client, organisation, other_applicant):
    join_request = OrganisationJoinRequest.objects.create(organisation=organisation, user=UserFactory())
    client.force_login(other_applicant)

    response = client.post(
        reverse("organisation_join_decide", args=[join_request.pk]), {"decision": "approve"}
    )

    assert response.status_code == 404
    assert not organisation.memberships.filter(user=join_request.user).exists()


def test_unknown_step_is_404(applicant_client, draft):
    assert applicant_client.get(reverse("application_step", args=[draft.pk, "ukjent"])).status_code == 404
