"""Payout attachments in S3-compatible object storage (a real moto server, tests/s3.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from projects.models import Payout, PayoutAttachment
from tests.portal import files

from .test_payouts import request_data

pytestmark = pytest.mark.django_db


def test_a_payout_requests_attachments_are_objects_the_applicant_downloads(
    object_storage, applicant_client, accepted
):
    response = applicant_client.post(
        reverse("payout_request", args=[accepted.pk]),
        {
            **request_data(),
            "files": [files.upload("kostnader.pdf", files.PDF), files.upload("timeliste.xlsx", files.xlsx())],
        },
    )

    assert response.status_code == 302
    payout = Payout.objects.get()
    stored = {attachment.file.name: attachment for attachment in payout.attachments.all()}
    assert object_storage.keys() == sorted(stored)
    pdf = payout.attachments.get(original_name="kostnader.pdf")
    assert object_storage.read(pdf.file.name) == files.PDF

    download = applicant_client.get(reverse("payout_attachment_download", args=[pdf.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == files.PDF
    anonymous = Client().get(reverse("payout_attachment_download", args=[pdf.pk]))
    assert anonymous.status_code in (302, 404)
    assert files.PDF not in anonymous.content


def test_a_refused_file_leaves_no_object_of_the_files_stored_before_it(
    object_storage, applicant_client, accepted
):
    response = applicant_client.post(
        reverse("payout_request", args=[accepted.pk]),
        {
            **request_data(),
            "files": [
                files.upload("kostnader.pdf", files.PDF),
                files.upload("faktura.pdf", b"MZ\x90\x00 not a pdf"),
            ],
        },
    )

    assert response.status_code == 400
    assert not Payout.objects.exists() and not PayoutAttachment.objects.exists()
    assert object_storage.keys() == []
