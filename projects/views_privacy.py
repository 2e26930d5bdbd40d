"""A person's own data: the "Personvern" page of her account (download everything held about her,
close her account). The public privacy and accessibility statements are in :mod:`omstilling.views`."""

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from applications.views.common import add_service_error, error_summary, private_download
from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied

from .models import PersonalDataExport
from .policies import account_close_refusal
from .services.privacy import account_close, personal_data_export_order


class AccountCloseForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("Passordet ditt"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=gettext_lazy("Vi spør om passordet for å være sikre på at det er du som sletter kontoen."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("Jeg forstår at kontoen og utkastene mine slettes, og at dette ikke kan angres"),
        error_messages={"required": gettext_lazy("Kryss av for å bekrefte at du vil slette kontoen.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Passordet er feil."))
        return password


def _page(request, form, status=200):
    return render(
        request,
        "portal/privacy/my_data.html",
        {
            "exports": PersonalDataExport.objects.filter(user=request.user)[:5],
            "close_refusal": account_close_refusal(request.user),
            "form": form,
            "errors": error_summary(form) if form.is_bound else [],
        },
        status=status,
    )


@login_required
@require_GET
def my_data(request):
    return _page(request, AccountCloseForm(user=request.user))


@login_required
@require_POST
def personal_data_export_new(request):
    try:
        personal_data_export_order(actor=request.user)
    except Refused as exc:
        raise as_permission_denied(exc) from exc
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Vi lager et uttrekk av alt vi har lagret om deg. "
                "Last inn siden på nytt om litt for å laste det ned."
            ),
        )
    return redirect("my_data")


@login_required
@require_GET
def personal_data_export_download(request, pk):
    export = PersonalDataExport.objects.filter(
        pk=pk, user=request.user, state=PersonalDataExport.State.DONE
    ).first()
    if export is None or not export.file:
        raise Http404
    return private_download(
        export.file, f"mine-opplysninger-{export.created_at:%Y-%m-%d}.zip", "application/zip"
    )


@sensitive_post_parameters("password")
@login_required
@require_http_methods(["POST"])
def account_close_view(request):
    form = AccountCloseForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            account_close(actor=request.user)
        except Refused as exc:
            raise as_permission_denied(exc) from exc
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            logout(request)
            messages.success(request, _("Kontoen din er slettet. Takk for at du brukte portalen."))
            return redirect("front_page")
    return _page(request, form, status=400)
