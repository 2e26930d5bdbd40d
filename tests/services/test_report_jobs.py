import csv
import hashlib
import io
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from omstilling import celery_app
from omstilling.exceptions import ServiceError
from omstilling.models import AuditEntry, Category, StaffMembership
from projects.models import Grant
from reports import tasks
from reports.models import ReportJob
from reports.services import (
    MAX_ATTEMPTS,
    report_job_fail,
    report_job_finish,
    report_job_progress,
    report_job_request,
    report_job_retry,
    report_job_start,
)
from tests.factories import (
    GrantFactory,
    ProgrammeFactory,
    ReportJobFactory,
    StaffMembershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

J = ReportJob.State


def entries_for(job):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ReportJob), object_id=str(job.pk)
    ).order_by("id")


@pytest.fixture
def programme():
    """Three grants of 2012 in one programme: two forstudier (one cancelled) and a hovedprosjekt."""
    programme = ProgrammeFactory(slug="vestre-toten")
    first = GrantFactory(
        decision__application__programme=programme,
        decision__application__focus_area__name="Nyskaping i næringslivet",
        decision__amount=Decimal(100000),
        year=2012,
    )
    area = first.application.focus_area
    GrantFactory(
        decision__application__programme=programme,
        decision__application__focus_area=area,
        decision__amount=Decimal(50000),
        year=2012,
        state=Grant.State.CANCELLED,
    )
    GrantFactory(
        decision__application__programme=programme,
        decision__application__focus_area=area,
        decision__application__category=Category.HOVEDPROSJEKT,
        decision__amount=Decimal(400000),
        year=2012,
    )
    return programme


@pytest.fixture
def officer(programme):
    """The programme leader, who orders the programme's reports and retries one that failed."""
    user = UserFactory(email="leder@program.no", full_name="Programleder")
    StaffMembershipFactory(programme=programme, user=user, role=StaffMembership.Role.LEADER)
    return user


def worker_retries(monkeypatch):
    """Let in-process tasks retry as a worker would, instead of raising the Retry to the caller."""
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)


def run_requested(programme, kind, actor, capture):
    with capture(execute=True):
        job = report_job_request(programme, actor=actor, year=2012, kind=kind)
    job.refresh_from_db()
    return job


def stored_bytes(job):
    with job.file.open("rb") as fh:
        return fh.read()


def test_request_queues_the_job_and_starts_it_only_after_commit(
    programme, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = report_job_request(programme, actor=officer, year=2012, kind=ReportJob.Kind.GRANT_TABLE_JSON)

    job.refresh_from_db()
    assert (job.state, job.requested_by, job.attempts) == (J.QUEUED, officer, 0)
    assert job.task_id
    assert len(callbacks) == 1
    entry = entries_for(job).get()
    assert (entry.actor, entry.to_state) == (officer, "queued")

    callbacks[0]()

    job.refresh_from_db()
    assert job.state == J.DONE


def test_grant_table_json_is_built_stored_and_checksummed(
    programme, officer, django_capture_on_commit_callbacks
):
    job = run_requested(
        programme, ReportJob.Kind.GRANT_TABLE_JSON, officer, django_capture_on_commit_callbacks
    )

    assert (job.state, job.progress, job.attempts, job.error) == (J.DONE, 100, 1, "")
    assert job.file.name.endswith(".json")
    content = stored_bytes(job)
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    document = json.loads(content)
    assert document["year"] == 2012
    assert document["total_granted_amount"] == "550000"
    assert [
        (row["category"], row["focus_area"], row["granted_count"], row["active_count"], row["granted_amount"])
        for row in document["rows"]
    ] == [
        ("forstudie", "Nyskaping i næringslivet", 2, 1, "150000"),
        ("hovedprosjekt", "Nyskaping i næringslivet", 1, 1, "400000"),
    ]
    assert [(e.from_state, e.to_state) for e in entries_for(job)] == [
        ("", "queued"),
        ("queued", "running"),
        ("running", "done"),
    ]


def test_grant_table_csv_reads_in_a_norwegian_spreadsheet(
    programme, officer, django_capture_on_commit_callbacks
):
    job = run_requested(
        programme, ReportJob.Kind.GRANT_TABLE_CSV, officer, django_capture_on_commit_callbacks
    )

    assert job.state == J.DONE
    content = stored_bytes(job)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        [
            "Kategori",
            "Innsatsområde",
            "Antall bevilget",
            "Antall aktive",
            "Bevilget beløp",
            "Bevilget aktive",
        ],
        ["Forstudie", "Nyskaping i næringslivet", "2", "1", "150000", "100000"],
        ["Hovedprosjekt", "Nyskaping i næringslivet", "1", "1", "400000", "400000"],
        ["Sum", "", "", "", "550000", ""],
    ]


def test_the_annual_plan_job_stores_a_real_pdf_with_its_checksum(
    programme, officer, django_capture_on_commit_callbacks
):
    job = run_requested(
        programme, ReportJob.Kind.ANNUAL_PLAN_PDF, officer, django_capture_on_commit_callbacks
    )

    assert job.state == J.DONE, job.error
    content = stored_bytes(job)
    assert content.startswith(b"%PDF")
    assert job.sha256 == hashlib.sha256(content).hexdigest()
    assert job.file.name.endswith(".pdf")


def test_a_job_already_done_is_left_alone_when_the_task_is_delivered_again(
    programme, officer, django_capture_on_commit_callbacks
):
    job = run_requested(
        programme, ReportJob.Kind.GRANT_TABLE_JSON, officer, django_capture_on_commit_callbacks
    )
    before = ReportJob.objects.filter(pk=job.pk).values().get()
    entries = entries_for(job).count()

    assert report_job_start(job) is False
    tasks.report_job_run.apply_async(args=[job.pk], task_id=job.task_id)

    assert ReportJob.objects.filter(pk=job.pk).values().get() == before
    assert entries_for(job).count() == entries


def test_a_late_delivery_of_the_task_a_job_was_retried_from_does_nothing(programme, officer):
    job = ReportJobFactory(
        programme=programme, kind=ReportJob.Kind.GRANT_TABLE_JSON, state=J.FAILED, task_id="old"
    )
    job = report_job_retry(job, actor=officer)  # not committed here, so the new task has not run

    tasks.report_job_run.apply_async(args=[job.pk], task_id="old")

    job.refresh_from_db()
    assert (job.state, job.attempts) == (J.QUEUED, 0)


def test_start_moves_a_queued_job_to_running():
    job = ReportJobFactory(kind=ReportJob.Kind.GRANT_TABLE_CSV)

    assert report_job_start(job) is True

    job.refresh_from_db()
    assert (job.state, job.attempts) == (J.RUNNING, 1)
    assert job.started_at is not None


def test_a_job_interrupted_while_running_is_started_again():
    job = ReportJobFactory(kind=ReportJob.Kind.GRANT_TABLE_CSV, state=J.RUNNING, attempts=1, progress=60)

    assert report_job_start(job) is True

    job.refresh_from_db()
    assert (job.state, job.attempts, job.progress) == (J.RUNNING, 2, 0)
    assert [(e.from_state, e.to_state) for e in entries_for(job)] == [
        ("running", "queued"),
        ("queued", "running"),
    ]


def test_a_job_interrupted_too_often_fails_instead_of_looping():
    job = ReportJobFactory(kind=ReportJob.Kind.GRANT_TABLE_CSV, state=J.RUNNING, attempts=MAX_ATTEMPTS)

    assert report_job_start(job) is False

    job.refresh_from_db()
    assert job.state == J.FAILED
    assert f"avbrutt {MAX_ATTEMPTS} ganger" in job.error


def test_progress_only_grows():
    job = ReportJobFactory(state=J.RUNNING)

    report_job_progress(job, percent=40)
    report_job_progress(job, percent=20)
    job.refresh_from_db()
    assert job.progress == 40

    report_job_progress(job, percent=250)
    job.refresh_from_db()
    assert job.progress == 100


def test_progress_of_a_job_that_is_not_running_is_ignored():
    job = ReportJobFactory(state=J.QUEUED)
    report_job_progress(job, percent=50)
    job.refresh_from_db()
    assert job.progress == 0


def test_finish_only_a_running_job():
    job = ReportJobFactory(state=J.QUEUED)
    with pytest.raises(ServiceError, match="kan ikke fullføres"):
        report_job_finish(job, content=b"{}", filename="x.json")
    job.refresh_from_db()
    assert (job.state, job.sha256, job.file.name) == (J.QUEUED, "", "")


def test_finish_stores_the_bytes_under_a_safe_name():
    job = ReportJobFactory(state=J.RUNNING)

    report_job_finish(job, content=b"a;b\r\n", filename="../tilsagn 2012.csv")

    job.refresh_from_db()
    assert job.file.name.startswith("reports/")
    assert ".." not in job.file.name
    assert stored_bytes(job) == b"a;b\r\n"
    assert job.sha256 == hashlib.sha256(b"a;b\r\n").hexdigest()
    assert job.finished_at is not None


def test_a_failed_job_is_retried_and_then_done(programme, officer, django_capture_on_commit_callbacks):
    job = ReportJobFactory(
        programme=programme, kind=ReportJob.Kind.GRANT_TABLE_JSON, state=J.RUNNING, attempts=1
    )
    report_job_fail(job, error="Databasen svarte ikke.")
    job.refresh_from_db()
    assert (job.state, job.error) == (J.FAILED, "Databasen svarte ikke.")
    old_task_id = job.task_id

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report_job_retry(job, actor=officer)
    assert len(callbacks) == 1

    job.refresh_from_db()
    assert (job.state, job.error, job.attempts) == (J.DONE, "", 1)
    assert job.task_id != old_task_id
    retried = entries_for(job).get(from_state="failed")
    assert (retried.actor, retried.to_state) == (officer, "queued")


@pytest.mark.parametrize("state", [J.QUEUED, J.RUNNING, J.DONE])
def test_only_a_failed_job_can_be_retried(programme, officer, state):
    job = ReportJobFactory(programme=programme, state=state, sha256="0" * 64 if state == J.DONE else "")
    with pytest.raises(ServiceError):
        report_job_retry(job, actor=officer)
    job.refresh_from_db()
    assert job.state == state


def test_a_failing_builder_is_retried_a_bounded_number_of_times(
    programme, officer, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []

    def broken(job, progress):
        calls.append(job.attempts)
        raise ConnectionError("tilkoblingen ble brutt")

    monkeypatch.setitem(tasks.BUILDERS, ReportJob.Kind.GRANT_TABLE_JSON, broken)
    worker_retries(monkeypatch)

    job = run_requested(
        programme, ReportJob.Kind.GRANT_TABLE_JSON, officer, django_capture_on_commit_callbacks
    )

    assert calls == [1, 2, 3, 4]
    assert (job.state, job.attempts) == (J.FAILED, MAX_ATTEMPTS)
    assert "tilkoblingen ble brutt" in job.error


def test_a_builder_that_fails_once_succeeds_on_the_retry(
    programme, officer, django_capture_on_commit_callbacks, monkeypatch
):
    real = tasks.BUILDERS[ReportJob.Kind.GRANT_TABLE_JSON]
    calls = []

    def flaky(job, progress):
        calls.append(job.attempts)
        if len(calls) == 1:
            raise ConnectionError("tilkoblingen ble brutt")
        return real(job, progress)

    monkeypatch.setitem(tasks.BUILDERS, ReportJob.Kind.GRANT_TABLE_JSON, flaky)
    worker_retries(monkeypatch)

    job = run_requested(
        programme, ReportJob.Kind.GRANT_TABLE_JSON, officer, django_capture_on_commit_callbacks
    )

    assert calls == [1, 2]
    assert (job.state, job.attempts) == (J.DONE, 2)


def test_an_in_process_run_that_raises_leaves_the_job_failed_not_running(
    programme, officer, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(job, progress):
        raise ConnectionError("tilkoblingen ble brutt")

    monkeypatch.setitem(tasks.BUILDERS, ReportJob.Kind.GRANT_TABLE_JSON, broken)

    job = run_requested(
        programme, ReportJob.Kind.GRANT_TABLE_JSON, officer, django_capture_on_commit_callbacks
    )

    assert job.state == J.FAILED
    assert "stoppet uventet" in job.error


def test_a_broker_that_refuses_the_task_fails_the_job_so_it_can_be_retried(
    programme, officer, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args, **kwargs):
        raise ConnectionError("Redis svarer ikke")

    monkeypatch.setattr(tasks.report_job_run, "apply_async", refuse)

    job = run_requested(
        programme, ReportJob.Kind.GRANT_TABLE_CSV, officer, django_capture_on_commit_callbacks
    )

    assert job.state == J.FAILED
    assert "kunne ikke legges i kø" in job.error


def test_a_year_without_grants_gives_an_empty_table(officer, django_capture_on_commit_callbacks):
    without_grants = ProgrammeFactory()
    StaffMembershipFactory(programme=without_grants, user=officer, role=StaffMembership.Role.LEADER)

    job = run_requested(
        without_grants, ReportJob.Kind.GRANT_TABLE_JSON, officer, django_capture_on_commit_callbacks
    )

    assert job.state == J.DONE
    document = json.loads(stored_bytes(job))
    assert (document["rows"], document["total_granted_amount"]) == ([], "0")
