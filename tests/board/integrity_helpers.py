"""What the board-integrity tests share: doing the board's work through the admin pages as each
person would, and checking that a refused action answered as a refusal and changed nothing."""

import datetime as dt
import hashlib
import sys
from decimal import Decimal

from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Attachment, Decision, Vote
from omstilling.models import AuditEntry
from reports.models import ReportJob
from tests.board.pages import case_url
from tests.factories import (
    ApplicationFactory,
    BoardMeetingFactory,
    CallFactory,
    FocusAreaFactory,
    OrganisationFactory,
    ReportJobFactory,
)
from tests.portal.files import PDF

FOR, AGAINST = Vote.Choice.FOR, Vote.Choice.AGAINST

# Words an audit entry that only records a refusal would carry in its action.
REFUSAL_MARKERS = ("refus", "denied", "nekt", "avvis")


# The admin's and the portal's URLs ---------------------------------------------------------------


def application_url(application, view="change"):
    return reverse(f"admin:applications_application_{view}", args=[application.pk])


def decision_url(decision, view="change"):
    return reverse(f"admin:applications_decision_{view}", args=[decision.pk])


def agenda_url(meeting):
    return reverse("admin:applications_boardmeeting_agenda", args=[meeting.pk])


def attachment_url(attachment):
    return reverse("attachment_download", args=[attachment.pk])


def report_download_url(job):
    return reverse("admin:reports_reportjob_download", args=[job.pk])


# Setting the scene --------------------------------------------------------------------------------


def draft_application(board, *, title="Utkast: Sentrumsutvikling på Raufoss"):
    """An application the applicant is still writing, in the board's programme, with a PDF attached."""
    programme = board.programme
    application = ApplicationFactory(
        programme=programme,
        call=CallFactory(programme=programme),
        focus_area=FocusAreaFactory(plan_period__programme=programme, name="Attraktivitet for næringslivet"),
        organisation=OrganisationFactory(name="Raufoss Sentrum AS"),
        title=title,
        state=Application.State.DRAFT,
    )
    return application, attach_pdf(application)


def attach_pdf(application, name="prosjektplan.pdf"):
    return Attachment.objects.create(
        application=application,
        kind=Attachment.Kind.PROJECT_PLAN,
        file=ContentFile(PDF, name=name),
        original_name=name,
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )


def oslo_evening(days_from_today):
    """18:00 Europe/Oslo, ``days_from_today`` days from today's date in Oslo."""
    day = timezone.localdate() + dt.timedelta(days=days_from_today)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(18, 0)))


def planned_meeting(board, *, starts_at):
    return BoardMeetingFactory(
        programme=board.programme,
        starts_at=starts_at,
        place="Rådhuset, Raufoss",
        quorum_share=Decimal("0.50"),
        created_by=board.leader,
    )


def done_report_job(programme):
    """A finished annual report for ``programme``, its PDF stored as the Celery task would store it."""
    return ReportJobFactory(
        programme=programme,
        year=timezone.localdate().year - 1,
        kind=ReportJob.Kind.ANNUAL_PLAN_PDF,
        state=ReportJob.State.DONE,
        progress=100,
        file=ContentFile(PDF, name="omstillingsplan.pdf"),
        sha256=hashlib.sha256(PDF).hexdigest(),
    )


# The board's work, through the admin -------------------------------------------------------------


def prepare_case_on_agenda(client, board, meeting, application):
    """The programme leader, on the meeting's agenda page, puts ``application`` on the agenda and
    registers every voting seat as present; the case, not yet opened."""
    client.force_login(board.leader)
    client.post(agenda_url(meeting), {"action": "add_case", "application": application.pk})
    for seat in board.seats:
        client.post(agenda_url(meeting), {"action": "attend", "member": seat.pk})
    assert meeting.attendance.count() == len(board.seats), "setup: attendance not registered"
    return meeting.cases.get(application=application)


def vote(client, seat, case, choice=FOR):
    client.force_login(seat.user)
    return client.post(case_url(case), {"action": "vote", "choice": choice}, follow=True)


def vote_all(client, seats, case, choice=FOR):
    for seat in seats:
        vote(client, seat, case, choice)


def close(client, user, case):
    client.force_login(user)
    return client.post(case_url(case, "close"), {"confirm": "yes"}, follow=True)


def decide_in_the_admin(client, board, case, choice=FOR):
    """Every voting seat votes ``choice`` on the case page and the chair closes the case."""
    vote_all(client, board.seats, case, choice)
    assert Vote.objects.filter(case=case).count() == len(board.seats), "setup: the votes were not cast"
    close(client, board.chair.user, case)
    case.refresh_from_db()
    assert case.state == "closed", "setup: the chair could not close the case"
    return Decision.objects.filter(case=case).first()


# What a refusal looks like -------------------------------------------------------------------------


def audit_mark():
    """Where the audit log stands now; ``written_since`` lists what is added after it."""
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def written_since(mark):
    """Audit entries written after ``mark``, leaving out entries that only record a refusal."""
    entries = AuditEntry.objects.filter(pk__gt=mark).order_by("pk")
    return [
        (entry.action, entry.object_repr)
        for entry in entries
        if not any(marker in entry.action.lower() for marker in REFUSAL_MARKERS)
    ]


def error_messages(response):
    return [
        str(message) for message in get_messages(response.wsgi_request) if message.level >= messages.ERROR
    ]


def form_errors(response):
    form = (response.context or {}).get("form") if response.status_code == 200 else None
    if form is None or not getattr(form, "is_bound", False):
        return []
    return [str(error) for errors in form.errors.values() for error in errors]


def refusal_text(response):
    """Why the page said no: the permission-denied page's text, or the error messages and form errors
    the page came back with. Empty when nothing was refused."""
    if response.status_code == 403:
        return response.content.decode()
    return " ".join([*error_messages(response), *form_errors(response)])


def assert_forbidden(response, *reasons):
    """A 403 whose page says, in Norwegian, why (one of ``reasons`` appears in it)."""
    assert response.status_code == 403, f"expected 403, got {response.status_code}"
    if reasons:
        body = response.content.decode().lower()
        assert any(reason.lower() in body for reason in reasons), (
            f"the permission-denied page does not say why (none of {reasons}): {body[:500]}"
        )


def is_hidden(response):
    """The admin's or portal's answer for an object the user may not know of: a 404, or the admin's
    redirect to its index ("… doesn't exist. Perhaps it was deleted?")."""
    if response.status_code == 404:
        return True
    return response.status_code == 302 and response["Location"] == reverse("admin:index")


def patch_everywhere(monkeypatch, module_prefix, name, replacement):
    """Replace the function ``name`` in every loaded module under ``module_prefix`` that holds it,
    whichever module the caller imported it from. Returns how many places were patched."""
    patched = 0
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(module_prefix):
            continue
        if callable(getattr(module, name, None)):
            monkeypatch.setattr(module, name, replacement)
            patched += 1
    return patched


def meeting_day(meeting):
    return timezone.localtime(meeting.starts_at).date()
