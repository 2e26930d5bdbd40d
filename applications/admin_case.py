"""The programme's side of the written exchanges on a case, beside the application's admin page:
messages with the applicant and requests for more information (ettersending). The board reads them
for the applications on its agenda; only the programme's staff write."""

from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _

from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied

from . import selectors
from .forms_case import CaseMessageForm, SupplementRequestForm
from .policies import can_request_supplement, is_programme_staff
from .services.case import SUPPLEMENT_STATES, case_message_send, supplement_request
from .views.common import add_service_error


class CaseExchangeAdminMixin:
    """Adds ``<id>/saken/`` to the application's admin (uses ScopedPagesMixin's helpers)."""

    def case_exchange_urls(self):
        return [
            path(
                "<path:object_id>/saken/",
                self.admin_site.admin_view(self.case_exchange_view),
                name="applications_application_case_exchange",
            )
        ]

    def case_exchange_view(self, request, object_id):
        application = self._scoped_object(request, object_id)
        action = request.POST.get("action") if request.method == "POST" else None
        message_form = CaseMessageForm(request.POST if action == "message" else None, prefix="message")
        supplement_form = SupplementRequestForm(
            request.POST if action == "supplement" else None, prefix="supplement"
        )
        exchange = selectors.case_exchange(application)
        # The staff write on the case (can_message_on_case); the board only reads here.
        may_write = is_programme_staff(request.user, application.programme_id)
        may_request = (
            can_request_supplement(request.user, application) is None
            and application.state in SUPPLEMENT_STATES
            and not any(supplement.is_open for supplement in exchange["supplements"])
        )
        here = reverse("admin:applications_application_case_exchange", args=[application.pk])
        if action == "message" and message_form.is_valid():
            try:
                case_message_send(application, actor=request.user, body=message_form.cleaned_data["body"])
            except Refused as exc:
                raise as_permission_denied(exc) from exc
            except ServiceError as exc:
                add_service_error(message_form, exc)
            else:
                self.message_user(request, _("Meldingen er sendt til søkeren."))
                return HttpResponseRedirect(here)
        if action == "supplement" and supplement_form.is_valid():
            try:
                supplement_request(
                    application,
                    actor=request.user,
                    message=supplement_form.cleaned_data["message"],
                    reply_deadline=supplement_form.cleaned_data["reply_deadline"],
                )
            except Refused as exc:
                raise as_permission_denied(exc) from exc
            except ServiceError as exc:
                add_service_error(supplement_form, exc)
            else:
                self.message_user(
                    request, _("Søkeren er bedt om å ettersende informasjon og har fått e-post om det.")
                )
                return HttpResponseRedirect(here)
        response = self._page(
            request,
            "admin/applications/application/case_exchange.html",
            _("Meldinger og ettersending: %(reference)s") % {"reference": application.reference},
            application,
            change_url=reverse("admin:applications_application_change", args=[application.pk]),
            message_form=message_form if may_write else None,
            supplement_form=supplement_form if may_request else None,
            **exchange,
        )
        if action:
            response.status_code = 400
        return response
