"""Accepting a grant and its conditions: a confirmation step, who and when recorded, never too late."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from omstilling.models import AuditEntry
from projects.models import Grant
from projects.services import grant_lapse

from .conftest import reload

pytestmark = pytest.mark.django_db


def past_deadline(grant):
    grant.acceptance_deadline = timezone.localdate() - dt.timedelta(days=1)
    grant.save(update_fields=["acceptance_deadline"])
    return grant


def test_confirmation_page_shows_the_terms_a_checkbox_and_a_button(applicant_client, offered):
    response = applicant_client.get(reverse("grant_accept", args=[offered.pk]))
    page = response.content.decode()

    assert response.status_code == 200
    assert "Sluttrapport innen 1. mars." in page
    assert 'type="checkbox" name="confirm"' in page
    assert "Jeg aksepterer tilsagnet og vilkårene for det" in page
    assert ">Aksepter tilsagnet</button>" in page


def test_accepting_without_ticking_the_box_changes_nothing_and_says_why(applicant_client, offered):
    response = applicant_client.post(reverse("grant_accept", args=[offered.pk]), {})
    page = response.content.decode()

    assert response.status_code == 400
    assert 'id="error-summary"' in page and 'href="#id_confirm"' in page
    assert "Kryss av for at du aksepterer vilkårene." in page
    assert reload(offered).state == Grant.State.OFFERED


def test_accepting_records_who_and_when_and_logs_it(applicant_client, offered, applicant):
    before = timezone.now()

    response = applicant_client.post(reverse("grant_accept", args=[offered.pk]), {"confirm": "on"})

    assert response.status_code == 302 and response.url == reverse("grant_detail", args=[offered.pk])
    grant = reload(offered)
    assert grant.state == Grant.State.ACCEPTED
    assert grant.accepted_by == applicant and grant.accepted_at >= before
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Grant), object_id=str(grant.pk), to_state="accepted"
    )
    assert entry.actor == applicant
    page = applicant_client.get(response.url).content.decode()
    assert "Du har akseptert tilsagnet" in page and "Kari Nordmann" in page


def test_after_the_deadline_the_page_says_it_lapsed_and_offers_no_form(applicant_client, offered):
    past_deadline(offered)

    page = applicant_client.get(reverse("grant_accept", args=[offered.pk])).content.decode()

    assert "Fristen for å akseptere tilsagnet gikk ut" in page and "kan ikke aksepteres" in page
    assert 'name="confirm"' not in page
    detail = applicant_client.get(reverse("grant_detail", args=[offered.pk])).content.decode()
    assert "Tilsagnet er bortfalt og kan ikke aksepteres." in detail
    assert reverse("grant_accept", args=[offered.pk]) not in detail


def test_accepting_after_the_deadline_is_refused(applicant_client, offered):
    past_deadline(offered)

    response = applicant_client.post(reverse("grant_accept", args=[offered.pk]), {"confirm": "on"})

    assert response.status_code == 400
    grant = reload(offered)
    assert grant.state == Grant.State.OFFERED and grant.accepted_at is None


def test_a_lapsed_grant_cannot_be_accepted(applicant_client, offered):
    grant_lapse(past_deadline(offered))

    response = applicant_client.post(reverse("grant_accept", args=[offered.pk]), {"confirm": "on"})

    assert response.status_code == 400
    assert "kan ikke aksepteres" in response.content.decode()
    assert reload(offered).state == Grant.State.LAPSED


def test_an_accepted_grant_is_not_accepted_twice(applicant_client, accepted):
    first = reload(accepted).accepted_at

    response = applicant_client.post(reverse("grant_accept", args=[accepted.pk]), {"confirm": "on"})

    assert response.status_code == 302
    assert reload(accepted).accepted_at == first
