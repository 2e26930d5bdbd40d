from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied

from .. import selectors, services
from ..forms import OrganisationJoinForm, OrganisationRegisterForm
from .common import add_service_error, error_summary


def _next_or(request, fallback):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


@login_required
def organisation_list(request):
    return render(
        request,
        "portal/organisations.html",
        {
            "memberships": selectors.memberships_for_user(request.user),
            "to_decide": selectors.join_requests_to_decide(request.user),
            "my_requests": selectors.join_requests_of(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_register(request):
    form = OrganisationRegisterForm(request.POST or None)
    join_url = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organisation = services.organisation_register(actor=request.user, **data)
        except services.OrganisationAlreadyRegisteredError as exc:
            add_service_error(form, exc)
            join_url = f"{reverse('organisation_join')}?{urlencode({'orgnr': exc.orgnr})}"
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("%(name)s er registrert, og du er administrator.") % {"name": organisation.name}
            )
            return redirect(_next_or(request, "organisations"))
    return render(
        request,
        "portal/organisation_form.html",
        {"form": form, "errors": error_summary(form), "next": _next_or(request, ""), "join_url": join_url},
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_join(request):
    # "Be om tilgang" from a registration refused because the number is taken brings the number along.
    form = OrganisationJoinForm(request.POST or None, initial={"orgnr": request.GET.get("orgnr", "")[:20]})
    if request.method == "POST" and form.is_valid():
        try:
            join_request = services.organisation_join_request(
                actor=request.user, orgnr=form.cleaned_data["orgnr"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Forespørselen er sendt til administratorene for %(name)s. Du får tilgang når en av "
                    "dem har godkjent den."
                )
                % {"name": join_request.organisation.name},
            )
            return redirect("organisations")
    return render(request, "portal/organisation_join.html", {"form": form, "errors": error_summary(form)})


@login_required
@require_POST
def organisation_join_decide(request, pk):
    join_request = selectors.join_request_to_decide(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.organisation_join_decide(join_request, actor=request.user, approve=approve)
    except Refused as exc:
        raise as_permission_denied(exc) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if approve:
            messages.success(request, _("%(user)s har nå tilgang.") % {"user": join_request.user.email})
        else:
            messages.info(
                request, _("Forespørselen fra %(user)s er avslått.") % {"user": join_request.user.email}
            )
    return redirect("organisations")
