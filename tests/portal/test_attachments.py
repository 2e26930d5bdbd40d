"""Attachments: checked by content, size-limited, stored privately, served only to those who may read."""

import pytest
from django.urls import reverse

from applications.models import Attachment
from tests.factories import (
    BoardMembershipFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    ProgrammeFactory,
    StaffMembershipFactory,
    UserFactory,
)

from . import files

pytestmark = pytest.mark.django_db


def post_file(client, application, name, content, kind="project_plan"):
    return client.post(
        reverse("attachment_upload", args=[application.pk]),
        {"kind": kind, "file": files.upload(name, content)},
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("plan.pdf", files.PDF, "application/pdf"),
        ("logo.png", files.PNG, "image/png"),
        ("bilde.JPG", files.JPEG, "image/jpeg"),
        (
            "plan.docx",
            files.docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("budsjett.xlsx", files.xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_the_five_allowed_kinds_are_accepted(applicant_client, draft, name, content, content_type):
    response = post_file(applicant_client, draft, name, content)

    assert response.status_code == 302
    attachment = Attachment.objects.get(application=draft)
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        name,
        content_type,
        len(content),
    )
    assert name not in attachment.file.name  # stored under a random name
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("program.pdf", b"MZ\x90\x00 this is a windows executable"),
        ("bilde.pdf", files.PNG),
        ("plan.docx", files.PDF),
        ("plan.docx", files.xlsx()),
        ("arkiv.docx", files.ooxml("application/zip")),
        ("arkiv.zip", files.docx()),
        ("plan.docx", b"PK\x03\x04 not really a zip"),
        ("side.html", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_files_are_judged_by_their_content_not_their_name(applicant_client, draft, name, content):
    response = post_file(applicant_client, draft, name, content)

    page = response.content.decode()
    assert response.status_code == 400
    assert "er ikke en fil vi kan ta imot" in page
    assert 'href="#id_file"' in page
    assert not Attachment.objects.exists()


def test_a_zip_bomb_dressed_as_a_word_document_is_refused(applicant_client, draft):
    response = post_file(applicant_client, draft, "plan.docx", files.zip_bomb())

    assert response.status_code == 400
    assert "unormalt mye data" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused_with_the_limit(applicant_client, draft, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024

    response = post_file(applicant_client, draft, "stor.pdf", files.PDF + b"0" * (2 * 1024 * 1024))

    assert response.status_code == 400
    assert "Største tillatte filstørrelse er 1,0 MB" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_removed_attachment_is_gone_with_its_file(
    applicant_client, draft, django_capture_on_commit_callbacks
):
    post_file(applicant_client, draft, "plan.pdf", files.PDF)
    attachment = Attachment.objects.get()
    storage, name = attachment.file.storage, attachment.file.name

    with django_capture_on_commit_callbacks(execute=True):
        applicant_client.post(reverse("attachment_remove", args=[draft.pk, attachment.pk]))

    assert not Attachment.objects.exists()
    assert not storage.exists(name)


@pytest.fixture
def attachment(applicant_client, draft):
    post_file(applicant_client, draft, "plan.pdf", files.PDF)
    return Attachment.objects.get()


def download(client, attachment):
    return client.get(reverse("attachment_download", args=[attachment.pk]))


def test_owner_and_staff_of_the_programme_can_download(client, attachment, applicant, programme):
    leader = UserFactory()
    StaffMembershipFactory(programme=programme, user=leader)

    for reader in (applicant, leader):
        client.force_login(reader)
        response = download(client, attachment)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == files.PDF
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_board_reads_attachments_in_the_admin_not_through_the_portal(client, attachment, programme):
    """The board reads the attachments of the applications on its agenda on the application's admin
    page (tests/board/test_board_integrity.py); the portal's download is not a door for it."""
    board_member = UserFactory()
    BoardMembershipFactory(programme=programme, user=board_member)
    client.force_login(board_member)

    assert download(client, attachment).status_code == 404


def test_nobody_else_can_download(client, attachment):
    other_programme = ProgrammeFactory()
    other_staff = UserFactory()
    StaffMembershipFactory(programme=other_programme, user=other_staff)
    other_applicant = UserFactory()
    OrganisationMembershipFactory(organisation=OrganisationFactory(), user=other_applicant)

    client.logout()
    assert download(client, attachment).status_code == 404  # anonymous
    for outsider in (other_staff, other_applicant):
        client.force_login(outsider)
        assert download(client, attachment).status_code == 404


def test_uploads_have_no_public_url(client, attachment):
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


def test_a_submitted_application_takes_no_new_attachments(applicant_client, complete_draft):
    complete_draft.state = "submitted"
    complete_draft.save()

    response = post_file(applicant_client, complete_draft, "plan.pdf", files.PDF)

    assert response.status_code == 302
    assert not Attachment.objects.exists()
