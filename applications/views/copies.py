"""The applicant's PDF of her application as submitted (Mine søknader, the receipt)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied

from .. import selectors
from ..models import ApplicationCopy
from ..services.copies import application_copy_request
from .common import private_download


def _request(request, application):
    try:
        return application_copy_request(application, actor=request.user)
    except Refused as exc:
        raise as_permission_denied(exc) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
        return None


@login_required
@require_http_methods(["GET", "POST"])
def application_copy(request, pk):
    """The PDF once built; before that a page that says it is being prepared (the first visit orders
    it), or why it failed, with a button to try again."""
    application = selectors.submitted_application_for_reader(request.user, pk)
    copy = selectors.application_copy_of(application)
    if request.method == "POST" or copy is None:
        if _request(request, application) is None:
            return redirect("my_applications")
        if request.method == "POST":
            return redirect("application_copy", pk=application.pk)
        # Run in-process (no broker), the task has built it already.
        copy = selectors.application_copy_of(application)
    if copy.state == ApplicationCopy.State.DONE:
        return private_download(copy.file, f"soknad-{application.reference}.pdf", "application/pdf")
    return render(request, "portal/application_copy.html", {"application": application, "copy": copy})
