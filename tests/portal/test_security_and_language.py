"""CSRF, the content security policy, no inline script or style, and the language switch."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import Application
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_posts_without_a_csrf_token_are_refused(applicant, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)

    for url in (
        reverse("application_step", args=[draft.pk, "prosjekt"]),
        reverse("application_submit", args=[draft.pk]),
        reverse("application_withdraw", args=[draft.pk]),
        reverse("organisation_register"),
    ):
        assert client.post(url, {"title": "x"}).status_code == 403, url
    assert Application.objects.get(pk=draft.pk).state == Application.State.DRAFT


def test_every_form_carries_a_csrf_token(applicant_client, draft):
    page = applicant_client.get(reverse("application_step", args=[draft.pk, "vedlegg"])).content.decode()

    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", page, re.S)
    assert forms and all("csrfmiddlewaretoken" in form for form in forms)


def test_pages_send_a_csp_without_inline_script_and_contain_none(applicant_client, draft, call):
    for url in (
        reverse("front_page"),
        reverse("my_applications"),
        reverse("application_step", args=[draft.pk, "prosjekt"]),
        reverse("application_step", args=[draft.pk, "budsjett"]),
        reverse("application_step", args=[draft.pk, "oppsummering"]),
    ):
        response = applicant_client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        page = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page), url


def test_bokmal_by_default_and_english_after_the_switch(client, call):
    assert '<html lang="nb">' in client.get(reverse("front_page")).content.decode()

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("front_page")})
    assert response.status_code == 302

    page = client.get(reverse("front_page")).content.decode()
    assert '<html lang="en">' in page
    assert 'value="nb"' in page  # the way back


def test_pages_work_for_a_user_without_organisations(client):
    client.force_login(UserFactory())

    assert client.get(reverse("organisations")).status_code == 200
    assert client.get(reverse("my_applications")).status_code == 200
