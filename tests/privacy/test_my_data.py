"""A person's own data through the portal: download everything held about her, close her account."""

import io
import json
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from applications.models import Application, OrganisationMembership
from omstilling.models import AuditEntry, StaffMembership
from projects.models import PersonalDataExport
from tests.factories import StaffMembershipFactory, UserFactory
from tests.portal.conftest import make_draft

from .conftest import PDF, attach, closed_call

User = get_user_model()
PASSWORD = "Riktig-passord-1"


@pytest.fixture
def draft(programme, focus_area, organisation, applicant):
    draft = make_draft(closed_call(programme, focus_area, 5), organisation, applicant, title="Mitt utkast")
    attach(draft, name="budsjett.pdf")
    return draft


def order_export(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("personal_data_export_new"), follow=True)


def test_an_applicant_downloads_everything_held_about_her(
    applicant_client, applicant, draft, django_capture_on_commit_callbacks
):
    page = order_export(applicant_client, django_capture_on_commit_callbacks)
    assert "Vi lager et uttrekk" in page.content.decode()
    export = PersonalDataExport.objects.get(user=applicant)
    assert export.state == PersonalDataExport.State.DONE
    page = applicant_client.get(reverse("my_data")).content.decode()
    link = reverse("personal_data_export_download", args=[export.pk])
    assert link in page

    response = applicant_client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == "kari@bedrift.no"
    assert data["account"]["full_name"] == "Kari Nordmann"
    assert data["organisations"][0]["organisation"] == "Elverum Reiseliv AS"
    (started,) = data["applications_started"]
    assert started["reference"] == draft.reference and started["title"] == "Mitt utkast"
    (attachment,) = started["attachments"]
    assert archive.read(attachment["file"]) == PDF
    assert AuditEntry.objects.filter(action="personal_data_export_ordered", actor=applicant).exists()


def test_nobody_else_downloads_her_export(
    applicant_client, applicant, client, django_capture_on_commit_callbacks
):
    order_export(applicant_client, django_capture_on_commit_callbacks)
    export = PersonalDataExport.objects.get(user=applicant)
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(reverse("personal_data_export_download", args=[export.pk])).status_code == 404
    client.logout()
    anonymous = client.get(reverse("personal_data_export_download", args=[export.pk]))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_a_second_order_while_one_is_under_way_is_refused_with_a_message(applicant_client, applicant):
    PersonalDataExport.objects.create(user=applicant)
    page = applicant_client.post(reverse("personal_data_export_new"), follow=True).content.decode()
    assert "allerede under arbeid" in page
    assert PersonalDataExport.objects.filter(user=applicant).count() == 1


def test_an_applicant_with_only_a_draft_closes_her_account(
    applicant_client, applicant, organisation, draft, django_capture_on_commit_callbacks
):
    applicant.set_password(PASSWORD)
    applicant.save()
    applicant_client.force_login(applicant)
    attachment = draft.attachments.get()
    storage, name = attachment.file.storage, attachment.file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("account_close"), {"password": PASSWORD, "confirm": "on"}, follow=True
        )

    assert "Kontoen din er slettet" in response.content.decode()
    applicant.refresh_from_db()
    assert not applicant.is_active and not applicant.has_usable_password()
    assert applicant.email == f"slettet-{applicant.pk}@konto.invalid"
    assert applicant.full_name == "" and applicant.phone == ""
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not storage.exists(name)
    assert not OrganisationMembership.objects.filter(user=applicant).exists()
    assert AuditEntry.objects.filter(action="account_closed", object_id=str(applicant.pk)).exists()
    # Logged out, and the old address no longer logs in.
    assert applicant_client.get(reverse("my_data")).status_code == 302
    assert not applicant_client.login(username="kari@bedrift.no", password=PASSWORD)


def test_a_wrong_password_keeps_the_account_and_says_so_at_the_field(applicant_client, applicant, draft):
    response = applicant_client.post(reverse("account_close"), {"password": "feil", "confirm": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Passordet er feil." in page
    applicant.refresh_from_db()
    assert applicant.is_active and applicant.email == "kari@bedrift.no"
    assert Application.objects.filter(pk=draft.pk).exists()


def test_an_unticked_confirmation_keeps_the_account(applicant_client, applicant):
    applicant.set_password(PASSWORD)
    applicant.save()
    applicant_client.force_login(applicant)
    response = applicant_client.post(reverse("account_close"), {"password": PASSWORD})
    assert response.status_code == 400
    assert "Kryss av for å bekrefte" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.is_active


def test_an_applicant_who_submitted_an_application_is_told_why_she_cannot_close_her_account(
    applicant_client, applicant, draft
):
    Application.objects.filter(pk=draft.pk).update(state=Application.State.SUBMITTED)
    page = applicant_client.get(reverse("my_data")).content.decode()
    assert "Du har sendt inn søknader" in page
    assert reverse("account_close") not in page
    applicant.set_password(PASSWORD)
    applicant.save()
    applicant_client.force_login(applicant)
    response = applicant_client.post(reverse("account_close"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert "Du har sendt inn søknader" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.is_active


def test_a_programme_leader_cannot_close_her_account_while_she_holds_the_role(client, programme):
    leader = UserFactory(email="leder@ernu.no")
    leader.set_password(PASSWORD)
    leader.save()
    StaffMembershipFactory(programme=programme, user=leader, role=StaffMembership.Role.LEADER)
    client.force_login(leader)
    response = client.post(reverse("account_close"), {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    leader.refresh_from_db()
    assert leader.is_active
