"""The applicant's appeal (klage, forvaltningsloven §§ 28–33) on the decision on her application."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied

from .. import selectors
from ..forms_case import AppealForm
from ..services.appeals import appeal_lodge
from .common import add_service_error, error_summary


@login_required
@require_http_methods(["GET", "POST"])
def appeal_lodge_view(request, pk):
    application = selectors.application_for_member(request.user, pk)
    standing = selectors.appeal_standing(application)
    if standing.refusal:
        messages.info(request, standing.refusal)
        return redirect("application_detail", pk=application.pk)
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_lodge(
                application,
                actor=request.user,
                reasons=form.cleaned_data["reasons"],
                uploads=form.cleaned_data["files"],
            )
        except Refused as exc:
            raise as_permission_denied(exc) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Klagen er sendt. Dere får en bekreftelse på e-post, og styret behandler klagen på nytt."),
            )
            return redirect(reverse("application_detail", args=[application.pk]) + "#klage")
    return render(
        request,
        "portal/appeal_lodge.html",
        {"application": application, "standing": standing, "form": form, "errors": error_summary(form)},
        status=400 if form.is_bound else 200,
    )
