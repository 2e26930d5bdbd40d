"""The programme leader orders the annual report in the admin, follows it and downloads it."""

import hashlib
import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from omstilling import roles
from omstilling.models import BoardMembership, Programme
from reports.models import ReportJob
from reports.services import report_job_fail
from tests.factories import (
    BoardMembershipFactory,
    ProgrammeFactory,
    ReportJobFactory,
    StaffMembershipFactory,
    UserFactory,
)
from tests.projects.vestre_toten import SHIPPED_CSV

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"admin:reports_reportjob_{name}", args=args)


def leader_of(programme, email):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.PROGRAMME_LEADER))
    StaffMembershipFactory(programme=programme, user=user)
    return user


@pytest.fixture
def vestre_toten():
    call_command("seed_programmes", stdout=io.StringIO())
    call_command("import_grants", str(SHIPPED_CSV), programme="vestre-toten", stdout=io.StringIO())
    return Programme.objects.get(slug="vestre-toten")


@pytest.fixture
def leader(vestre_toten):
    return leader_of(vestre_toten, "leder@vestre-toten.no")


def order(client, programme, year=2012, fmt="pdf", capture=None):
    with capture(execute=True):
        response = client.post(url("request"), {"programme": programme.pk, "year": year, "format": fmt})
    return response


def test_leader_orders_the_vestre_toten_2012_report_and_downloads_the_pdf(
    client, leader, vestre_toten, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    changelist = client.get(url("changelist"))
    assert url("request") in changelist.content.decode()
    form = client.get(url("request"))
    assert list(form.context["form"].fields["programme"].queryset) == [vestre_toten]

    response = order(client, vestre_toten, capture=django_capture_on_commit_callbacks)

    job = ReportJob.objects.get()
    assert response.status_code == 302 and response.url == url("job", job.pk)
    assert (job.kind, job.year, job.state, job.requested_by) == (
        ReportJob.Kind.ANNUAL_PLAN_PDF,
        2012,
        ReportJob.State.DONE,
        leader,
    )
    page = client.get(url("job", job.pk)).content.decode()
    assert url("download", job.pk) in page
    assert client.get(url("status", job.pk)).json() == {
        "state": "done",
        "state_label": "Ferdig",
        "progress": 100,
    }
    download = client.get(url("download", job.pk))
    content = b"".join(download.streaming_content)
    assert download["Content-Type"] == "application/pdf"
    assert hashlib.sha256(content).hexdigest() == job.sha256
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "5\xa0240\xa0000" in text or "5 240 000" in text


def test_a_running_job_page_shows_the_progress_bar_and_refreshes_without_javascript(
    client, leader, vestre_toten
):
    job = ReportJobFactory(programme=vestre_toten, state=ReportJob.State.RUNNING, progress=40)
    client.force_login(leader)

    page = client.get(url("job", job.pk)).content.decode()

    assert 'value="40"' in page
    assert '<meta http-equiv="refresh"' in page
    assert "reports/job-progress.js" in page
    assert "<script>" not in page  # CSP: no inline script
    assert client.get(url("download", job.pk)).status_code == 404


def test_the_csv_format_orders_the_grant_table(
    client, leader, vestre_toten, django_capture_on_commit_callbacks
):
    client.force_login(leader)

    order(client, vestre_toten, year=2011, fmt="csv", capture=django_capture_on_commit_callbacks)

    job = ReportJob.objects.get()
    assert job.kind == ReportJob.Kind.GRANT_TABLE_CSV
    content = b"".join(client.get(url("download", job.pk)).streaming_content).decode("utf-8-sig")
    assert content.splitlines()[-1] == "Sum;;;;2600000;"


def test_a_year_outside_the_status_period_is_refused_on_the_field(client, leader, vestre_toten):
    client.force_login(leader)

    response = client.post(url("request"), {"programme": vestre_toten.pk, "year": 2030, "format": "pdf"})

    assert response.status_code == 200
    assert "omstillingsstatus 2010–2016" in str(response.context["form"].errors["year"])
    assert 'value="2030"' in response.content.decode()
    assert not ReportJob.objects.exists()


def test_a_leader_cannot_order_for_another_programme(client, leader):
    other = ProgrammeFactory()
    client.force_login(leader)

    response = client.post(url("request"), {"programme": other.pk, "year": 2012, "format": "pdf"})

    assert response.status_code == 200
    assert "programme" in response.context["form"].errors
    assert not ReportJob.objects.exists()


def test_a_failed_job_shows_the_error_and_retry_runs_it_again(
    client, leader, vestre_toten, django_capture_on_commit_callbacks
):
    job = ReportJobFactory(programme=vestre_toten, state=ReportJob.State.RUNNING)
    report_job_fail(job, error="Databasen var nede")
    client.force_login(leader)

    page = client.get(url("job", job.pk)).content.decode()
    assert "Databasen var nede" in page
    assert url("retry", job.pk) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("retry", job.pk))

    job.refresh_from_db()
    assert response.url == url("job", job.pk)
    assert job.state == ReportJob.State.DONE
    assert job.sha256


@pytest.fixture
def done_job(vestre_toten, leader, client, django_capture_on_commit_callbacks):
    client.force_login(leader)
    order(client, vestre_toten, capture=django_capture_on_commit_callbacks)
    client.logout()
    return ReportJob.objects.get()


def board_person(programme, role):
    user = UserFactory(is_staff=True)
    group = roles.OBSERVER if role == BoardMembership.Role.OBSERVER else roles.BOARD_MEMBER
    user.groups.add(Group.objects.get(name=group))
    BoardMembershipFactory(programme=programme, user=user, role=role)
    return user


@pytest.mark.parametrize(
    "role",
    [
        BoardMembership.Role.CHAIR,
        BoardMembership.Role.MEMBER,
        BoardMembership.Role.DEPUTY,
        BoardMembership.Role.OBSERVER,
    ],
)
def test_the_board_and_observers_of_the_programme_may_not_have_the_report_jobs(
    client, vestre_toten, done_job, role
):
    """The jobs are the programme staff's working documents (reports.policies): the board gets the plan
    when it is put before it to adopt. Every door to a job is refused, with the reason."""
    client.force_login(board_person(vestre_toten, role))
    ReportJob.objects.filter(pk=done_job.pk).update(state=ReportJob.State.FAILED)
    failed_job = ReportJobFactory(programme=vestre_toten, state=ReportJob.State.FAILED)

    for response in [
        client.get(url("download", done_job.pk)),
        client.get(url("job", done_job.pk)),
        client.get(url("status", done_job.pk)),
        client.post(url("retry", failed_job.pk)),
    ]:
        assert response.status_code == 403
        assert "arbeidsdokumenter for programmets administrasjon" in response.content.decode() or (
            "Bare programmets administrasjon kan bestille" in response.content.decode()
        )
    job_list = client.get(url("changelist"))
    assert job_list.status_code == 403
    assert "Bare programmets administrasjon kan bestille" in job_list.content.decode()
    order_page = client.get(url("request"))
    assert order_page.status_code == 403
    assert "Bare programmets administrasjon kan bestille" in order_page.content.decode()
    failed_job.refresh_from_db()
    assert failed_job.state == ReportJob.State.FAILED


def test_a_board_member_who_also_holds_the_job_permission_sees_no_job_in_the_list(
    client, vestre_toten, done_job
):
    member = board_person(vestre_toten, BoardMembership.Role.MEMBER)
    member.groups.add(Group.objects.get(name=roles.PROGRAMME_LEADER))
    leader_elsewhere = ProgrammeFactory(slug="elverumregionen-test")
    StaffMembershipFactory(programme=leader_elsewhere, user=member)
    client.force_login(member)

    changelist = client.get(url("changelist"))

    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == []
    assert client.get(url("download", done_job.pk)).status_code == 403


def test_another_programmes_staff_get_404_for_the_job_and_its_download(client, done_job):
    stranger = leader_of(ProgrammeFactory(slug="elverumregionen-test"), "leder@elverum.no")
    client.force_login(stranger)

    assert client.get(url("download", done_job.pk)).status_code == 404
    assert client.get(url("job", done_job.pk)).status_code == 404
    assert client.get(url("status", done_job.pk)).status_code == 404


def test_an_applicant_never_gets_the_file(client, done_job):
    applicant = UserFactory(is_staff=False)
    client.force_login(applicant)

    response = client.get(url("download", done_job.pk))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert client.get(url("request")).status_code == 302


def test_the_programme_page_links_to_its_ledger_and_to_the_report_order_with_the_programme_chosen(
    client, leader, vestre_toten
):
    elverum = Programme.objects.get(slug="elverumregionen")
    StaffMembershipFactory(programme=elverum, user=leader)
    client.force_login(leader)

    page = client.get(reverse("admin:omstilling_programme_change", args=[vestre_toten.pk])).content.decode()
    order = f"{url('request')}?programme={vestre_toten.pk}"
    assert order in page
    assert f"{reverse('admin:projects_grant_ledger')}?programme={vestre_toten.pk}" in page

    form = client.get(order).context["form"]
    assert form["programme"].value() == vestre_toten.pk
    # A programme the leader does not run is not chosen for her, whatever the link says.
    other = ProgrammeFactory()
    assert client.get(url("request"), {"programme": other.pk}).context["form"]["programme"].value() is None
