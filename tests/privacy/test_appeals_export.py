"""The appeals a person lodged, and the documents she sent with them, are in her personal data export."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.services.appeals import appeal_lodge
from projects.models import PersonalDataExport
from tests.appeals.conftest import applicant_of, decide
from tests.board.conftest import board  # noqa: F401 - fixture

from .conftest import PDF

pytestmark = pytest.mark.django_db

REASONS = "Prosjektet hører til innsatsområde 2, ikke utenfor planen."


def test_her_export_holds_the_appeal_she_lodged_and_its_document(
    board,  # noqa: F811 - fixture
    client,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        rejection = decide(board)
    kari = applicant_of(rejection.application)
    upload = SimpleUploadedFile("ny-plan.pdf", PDF, content_type="application/pdf")
    appeal = appeal_lodge(rejection.application, actor=kari, reasons=REASONS, uploads=[upload])
    client.force_login(kari)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("personal_data_export_new"))
    export = PersonalDataExport.objects.get(user=kari)
    assert export.state == PersonalDataExport.State.DONE
    response = client.get(reverse("personal_data_export_download", args=[export.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))

    [lodged] = data["appeals_lodged"]
    assert lodged["reasons"] == REASONS
    assert lodged["application"] == rejection.application.reference
    assert lodged["decision_id"] == rejection.pk
    assert (lodged["state"], lodged["is_late"]) == ("received", False)
    assert lodged["lodged_at"] and lodged["deadline"] == appeal.deadline.isoformat()
    [document] = lodged["attachments"]
    assert document["name"] == "ny-plan.pdf"
    assert archive.read(document["file"]) == PDF
