"""The applicant's side of the written exchanges on her case: messages, and answering a request for
more information (ettersending)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied

from .. import selectors
from ..forms_case import CaseMessageForm, SupplementAnswerForm
from ..models import SupplementRequest
from ..services.case import case_message_send, supplement_answer
from .common import add_service_error, error_summary


@login_required
@require_POST
def case_message_post(request, pk):
    application = selectors.application_for_member(request.user, pk)
    form = CaseMessageForm(request.POST)
    if form.is_valid():
        try:
            case_message_send(application, actor=request.user, body=form.cleaned_data["body"])
        except Refused as exc:
            raise as_permission_denied(exc) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Meldingen er sendt til programmet."))
            return redirect(reverse("application_detail", args=[application.pk]) + "#meldinger")
    # The page again, with the message as typed and the problem at the field.
    from .applications import application_detail_page

    return application_detail_page(request, application, message_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def supplement_answer_view(request, pk, request_pk):
    application = selectors.application_for_member(request.user, pk)
    supplement = SupplementRequest.objects.filter(pk=request_pk, application=application).first()
    if supplement is None:
        raise Http404
    if not supplement.is_open:
        messages.info(request, _("Anmodningen er allerede besvart."))
        return redirect("application_detail", pk=application.pk)
    form = SupplementAnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            supplement_answer(
                supplement,
                actor=request.user,
                answer=form.cleaned_data["answer"],
                uploads=form.cleaned_data["files"],
            )
        except Refused as exc:
            raise as_permission_denied(exc) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Svaret er sendt og lagt til saken."))
            return redirect("application_detail", pk=application.pk)
    return render(
        request,
        "portal/supplement_answer.html",
        {"application": application, "supplement": supplement, "form": form, "errors": error_summary(form)},
        status=400 if form.is_bound else 200,
    )
