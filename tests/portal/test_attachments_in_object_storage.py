"""Attachments in S3-compatible object storage (a real moto server, tests/s3.py): stored as private
objects, served only through the access-checked view, deleted from the bucket with the attachment."""

import pytest
from django.urls import reverse

from applications.models import Attachment
from tests.factories import OrganisationFactory, OrganisationMembershipFactory, UserFactory

from . import files

pytestmark = pytest.mark.django_db


def upload(client, application, name="plan.pdf", content=files.PDF):
    return client.post(
        reverse("attachment_upload", args=[application.pk]),
        {"kind": "project_plan", "file": files.upload(name, content)},
    )


def test_an_applicants_upload_lands_in_the_bucket_and_only_the_owner_downloads_it(
    object_storage, applicant_client, draft, client
):
    content = files.PDF + b"% object storage\n"
    response = upload(applicant_client, draft, content=content)

    assert response.status_code == 302
    attachment = Attachment.objects.get(application=draft)
    assert object_storage.keys() == [attachment.file.name]
    assert attachment.file.name.startswith(f"attachments/{draft.pk}/")
    assert object_storage.read(attachment.file.name) == content

    download = applicant_client.get(reverse("attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert download["Cache-Control"] == "private, no-store"
    # Streamed through the view, not a redirect to the bucket: no address of the object leaks out.
    assert object_storage.endpoint not in str(download.headers)

    stranger = UserFactory()
    OrganisationMembershipFactory(organisation=OrganisationFactory(), user=stranger)
    client.force_login(stranger)
    refused = client.get(reverse("attachment_download", args=[attachment.pk]))
    assert refused.status_code == 404
    assert content not in refused.content
    client.logout()
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code in (302, 404)


def test_the_bucket_itself_refuses_an_anonymous_read(object_storage, applicant_client, draft):
    """The object is private: without the store's credentials (a link to it), nothing comes back."""
    import urllib.error
    import urllib.request

    upload(applicant_client, draft)
    key = Attachment.objects.get().file.name

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{object_storage.endpoint}/{object_storage.name}/{key}", timeout=5)
    assert refused.value.code == 403


def test_removing_a_draft_attachment_deletes_the_object(
    object_storage, applicant_client, draft, django_capture_on_commit_callbacks
):
    upload(applicant_client, draft, name="budsjett.pdf")
    upload(applicant_client, draft, name="plan.pdf")
    kept, removed = Attachment.objects.order_by("original_name")
    assert len(object_storage.keys()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(reverse("attachment_remove", args=[draft.pk, removed.pk]))

    assert response.status_code == 302
    assert list(Attachment.objects.all()) == [kept]
    assert object_storage.keys() == [kept.file.name]


def test_a_refused_upload_leaves_nothing_in_the_bucket(object_storage, applicant_client, draft):
    response = upload(applicant_client, draft, name="program.pdf", content=b"MZ\x90\x00 an executable")

    assert response.status_code == 400
    assert object_storage.keys() == []
