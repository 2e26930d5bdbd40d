"""Only members of the grant holder's organisation see or touch a grant; everyone else gets 404."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from projects.models import Grant, Payout, PayoutAttachment, ResultReport
from projects.services import payout_attachment_add, payout_request, result_report_submit
from tests.factories import (
    OrganisationFactory,
    OrganisationMembershipFactory,
    ProgrammeFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.portal import files

from .conftest import make_offer, reload

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(accepted, applicant):
    payout = payout_request(
        accepted, actor=applicant, amount=10000, accumulated_costs=20000, progress_note="Godt i gang."
    )
    attachment = payout_attachment_add(
        payout, actor=applicant, uploaded_file=files.upload("kvittering.pdf", files.PDF)
    )
    report = result_report_submit(accepted, actor=applicant, year=accepted.year, new_jobs=1)
    return accepted, payout, attachment, report


def urls(grant, payout, attachment, report):
    pk = grant.pk
    gets = [
        reverse("grant_detail", args=[pk]),
        reverse("grant_accept", args=[pk]),
        reverse("payout_request", args=[pk]),
        reverse("payout_detail", args=[pk, payout.pk]),
        reverse("result_report_new", args=[pk]),
        reverse("final_report_new", args=[pk]),
        reverse("result_report_detail", args=[pk, report.pk]),
        reverse("payout_attachment_download", args=[attachment.pk]),
    ]
    posts = [
        reverse("grant_accept", args=[pk]),
        reverse("payout_request", args=[pk]),
        reverse("result_report_new", args=[pk]),
        reverse("final_report_new", args=[pk]),
    ]
    return gets, posts


POST_DATA = {
    "confirm": "on",
    "kind": "partial",
    "amount": "1000",
    "accumulated_costs": "1000",
    "progress_note": "Kapret",
    "year": "2025",
    "narrative": "Kapret",
    "funding-TOTAL_FORMS": "0",
    "funding-INITIAL_FORMS": "0",
}


@pytest.fixture
def other_applicant():
    user = UserFactory(email="konkurrent@annen.no")
    OrganisationMembershipFactory(organisation=OrganisationFactory(), user=user)
    return user


@pytest.fixture
def other_programme_staff():
    user = UserFactory(email="leder@annet-program.no", is_staff=True)
    StaffMembershipFactory(programme=ProgrammeFactory(slug="annet"), user=user)
    return user


@pytest.fixture
def own_programme_staff(programme):
    """Even the grant's own programme leader handles it in the admin, not through the applicant's pages."""
    user = UserFactory(email="kollega@vestre-toten.demo", is_staff=True)
    StaffMembershipFactory(programme=programme, user=user)
    return user


@pytest.mark.parametrize("who", ["other_applicant", "other_programme_staff", "own_programme_staff"])
def test_strangers_get_404_on_every_url_with_an_id(client, owned, who, request):
    client.force_login(request.getfixturevalue(who))
    gets, posts = urls(*owned)

    for url in gets:
        assert client.get(url).status_code == 404, url
    for url in posts:
        assert client.post(url, POST_DATA).status_code == 404, url

    grant = reload(owned[0])
    assert Payout.objects.count() == 1 and ResultReport.objects.count() == 1
    assert grant.state == Grant.State.ACCEPTED


def test_strangers_cannot_accept_an_offer(client, offered, other_applicant):
    client.force_login(other_applicant)

    assert client.post(reverse("grant_accept", args=[offered.pk]), {"confirm": "on"}).status_code == 404
    assert reload(offered).state == Grant.State.OFFERED


def test_a_grant_of_another_organisation_is_not_listed(client, owned, other_applicant):
    client.force_login(other_applicant)

    page = client.get(reverse("my_grants")).content.decode()

    assert owned[0].reference not in page


def test_anonymous_is_sent_to_log_in(client, owned):
    gets, posts = urls(*owned)

    for url in [reverse("my_grants"), *gets]:
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    for url in posts:
        response = client.post(url, POST_DATA)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    assert Payout.objects.count() == 1 and PayoutAttachment.objects.count() == 1


def test_posts_without_a_csrf_token_are_refused(applicant, offered):
    client = Client(enforce_csrf_checks=True)
    client.force_login(applicant)

    response = client.post(reverse("grant_accept", args=[offered.pk]), {"confirm": "on"})

    assert response.status_code == 403
    assert reload(offered).state == Grant.State.OFFERED


def test_every_form_carries_a_csrf_token(applicant_client, accepted):
    for url in (
        reverse("payout_request", args=[accepted.pk]),
        reverse("result_report_new", args=[accepted.pk]),
        reverse("final_report_new", args=[accepted.pk]),
    ):
        page = applicant_client.get(url).content.decode()
        forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", page, re.S)
        assert forms and all("csrfmiddlewaretoken" in form for form in forms), url


def test_pages_send_a_csp_and_contain_no_inline_script_or_style(
    applicant_client, owned, programme, organisation, officer
):
    grant, payout, _attachment, report = owned
    offered = make_offer(programme, organisation, officer, title="Nytt tilbud")
    for url in (
        reverse("my_grants"),
        reverse("grant_detail", args=[grant.pk]),
        reverse("grant_accept", args=[offered.pk]),
        reverse("payout_request", args=[grant.pk]),
        reverse("payout_detail", args=[grant.pk, payout.pk]),
        reverse("result_report_new", args=[grant.pk]),
        reverse("result_report_detail", args=[grant.pk, report.pk]),
        reverse("public_grants"),
    ):
        response = applicant_client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        page = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page), url


def test_attachment_download_is_private(applicant_client, owned):
    response = applicant_client.get(reverse("payout_attachment_download", args=[owned[2].pk]))

    assert response["Cache-Control"] == "private, no-store"
    assert 'attachment; filename="kvittering.pdf"' in response["Content-Disposition"]
