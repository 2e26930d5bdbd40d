"""Report files in S3-compatible object storage (a real moto server, tests/s3.py): the report job
stores its file in the bucket, the download view streams it to the leader, a stranger gets nothing,
and deleting the job deletes the object."""

import hashlib
import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from omstilling.models import Programme
from reports.models import ReportJob
from tests.factories import ProgrammeFactory, UserFactory
from tests.projects.vestre_toten import SHIPPED_CSV

from .test_report_admin import leader_of, order, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def vestre_toten():
    call_command("seed_programmes", stdout=io.StringIO())
    call_command("import_grants", str(SHIPPED_CSV), programme="vestre-toten", stdout=io.StringIO())
    return Programme.objects.get(slug="vestre-toten")


@pytest.fixture
def leader(vestre_toten):
    return leader_of(vestre_toten, "leder@vestre-toten.no")


def test_the_report_zip_is_stored_in_the_bucket_and_served_to_the_leader_only(
    object_storage, client, leader, vestre_toten, django_capture_on_commit_callbacks
):
    client.force_login(leader)

    order(client, vestre_toten, year=2012, fmt="report_zip", capture=django_capture_on_commit_callbacks)

    job = ReportJob.objects.get()
    assert job.state == ReportJob.State.DONE, job.error
    assert object_storage.keys() == [job.file.name]
    stored = object_storage.read(job.file.name)
    assert hashlib.sha256(stored).hexdigest() == job.sha256

    response = client.get(url("download", job.pk))
    content = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert content == stored
    assert zipfile.ZipFile(io.BytesIO(content)).namelist()

    other_leader = leader_of(ProgrammeFactory(), "leder@annet.no")
    client.force_login(other_leader)
    refused = client.get(url("download", job.pk))
    assert refused.status_code == 404
    assert stored not in refused.content


def test_two_jobs_with_the_same_file_name_keep_two_objects(
    object_storage, client, leader, vestre_toten, django_capture_on_commit_callbacks
):
    client.force_login(leader)

    order(client, vestre_toten, year=2011, fmt="csv", capture=django_capture_on_commit_callbacks)
    order(client, vestre_toten, year=2012, fmt="csv", capture=django_capture_on_commit_callbacks)

    first, second = ReportJob.objects.order_by("year")
    assert first.file.name != second.file.name
    assert object_storage.keys() == sorted([first.file.name, second.file.name])
    for job in (first, second):
        content = b"".join(client.get(url("download", job.pk)).streaming_content)
        assert hashlib.sha256(content).hexdigest() == job.sha256


def test_a_site_admin_deleting_a_report_job_deletes_its_object(
    object_storage, client, leader, vestre_toten, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    order(client, vestre_toten, year=2012, fmt="csv", capture=django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    assert object_storage.keys() == [job.file.name]

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:reports_reportjob_delete", args=[job.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not ReportJob.objects.exists()
    assert object_storage.keys() == []
