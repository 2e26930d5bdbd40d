"""Every portal page renders for the person it is meant for."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_public_pages_render(client, call):
    for name in ("front_page", "login", "register", "password_reset"):
        assert client.get(reverse(name)).status_code == 200, name


def test_applicant_pages_render(applicant_client, complete_draft, call):
    urls = (
        [
            reverse("my_applications"),
            reverse("organisations"),
            reverse("organisation_register"),
            reverse("organisation_join"),
            reverse("application_start", args=[call.pk]),
        ]
        + [
            reverse("application_step", args=[complete_draft.pk, step])
            for step in (
                "kontakt",
                "prosjekt",
                "budsjett",
                "resultater",
                "bagatellstotte",
                "vedlegg",
                "oppsummering",
            )
        ]
        + [reverse("application_withdraw", args=[complete_draft.pk])]
    )
    for url in urls:
        response = applicant_client.get(url)
        assert response.status_code == 200, url
