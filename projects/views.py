"""The grant holder's pages (Mine tilsagn) and the public list of granted projects.

Thin: parse the request, call a service or selector, render. Every page with an id finds the grant
through the user's own organisations, so anyone else gets 404.
"""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from applications.views.common import add_service_error, error_summary, private_download
from omstilling.csvsafe import spreadsheet_safe
from omstilling.exceptions import ServiceError
from omstilling.formatting import long_date

from . import selectors, services
from .forms import (
    AcceptForm,
    DeadlineExtensionForm,
    FundingLineFormSet,
    PayoutRequestForm,
    PublicGrantFilterForm,
    ResultReportForm,
)
from .models import Grant, Payout
from .services.deadlines import deadline_extension_request
from .services.portal import payout_request_from_portal

PUBLIC_PAGE_SIZE = 50


@login_required
def my_grants(request):
    grants = list(selectors.grants_for_user(request.user))
    letters = selectors.grant_letters(grants)
    rows = [
        (grant, selectors.payout_summary(grant), selectors.acceptance_closed(grant), letters[grant.pk])
        for grant in grants
    ]
    return render(request, "portal/grants/my_grants.html", {"rows": rows})


def _documents(grant):
    """What the documents include (``portal/grants/_documents.html``) shows: the letters, and the
    rules of the final payout's accounts."""
    return {
        "letters": selectors.grant_letters([grant])[grant.pk],
        "accounts_rule": selectors.accounts_rule(grant),
    }


@login_required
def grant_detail(request, pk):
    grant = selectors.grant_for_member(request.user, pk)
    return render(
        request,
        "portal/grants/grant_detail.html",
        {
            "grant": grant,
            "summary": selectors.payout_summary(grant),
            "acceptance_closed": selectors.acceptance_closed(grant),
            "money_moves": selectors.money_moves(grant),
            "payouts": list(selectors.payouts_of(grant)),
            "reports": list(selectors.result_reports_of(grant)),
            **_deadline_context(grant),
            **_documents(grant),
        },
    )


def _deadline_context(grant):
    """What the grant pages' deadline box (``portal/grants/_deadline.html``) shows."""
    return {
        "extensions": list(selectors.deadline_extensions_of(grant)),
        "may_ask_for_time": selectors.deadline_extension_refusal(grant) is None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def deadline_extension_new(request, pk):
    grant = selectors.grant_for_member(request.user, pk)
    refusal = selectors.deadline_extension_refusal(grant)
    if refusal:
        messages.info(request, refusal)
        return redirect("grant_detail", pk=grant.pk)
    form = DeadlineExtensionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            extension = deadline_extension_request(
                grant,
                actor=request.user,
                new_deadline=form.cleaned_data["new_deadline"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Søknaden om ny frist %(date)s er sendt til programmet.")
                % {"date": long_date(extension.requested_deadline)},
            )
            return redirect("grant_detail", pk=grant.pk)
    return render(
        request,
        "portal/grants/deadline_extension.html",
        {"grant": grant, "form": form, "errors": error_summary(form)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def grant_accept(request, pk):
    grant = selectors.grant_for_member(request.user, pk)
    if grant.state not in (Grant.State.OFFERED, Grant.State.LAPSED):
        messages.info(request, _("Tilsagnet er allerede akseptert."))
        return redirect("grant_detail", pk=grant.pk)
    closed = selectors.acceptance_closed(grant)
    # An unticked checkbox posts nothing at all; the form must still be bound to say so.
    form = AcceptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not closed and form.is_valid():
        try:
            services.grant_accept(grant, actor=request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Du har akseptert tilsagnet %(ref)s og vilkårene for det.") % {"ref": grant.reference},
            )
            return redirect("grant_detail", pk=grant.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "portal/grants/accept.html",
        {
            "grant": grant,
            "summary": selectors.payout_summary(grant),
            "acceptance_closed": closed,
            "form": form,
            "errors": error_summary(form),
            **_deadline_context(grant),
            **_documents(grant),
        },
        status=status,
    )


def _refuse_unless_money_moves(request, grant):
    if selectors.money_moves(grant):
        return None
    messages.error(
        request,
        _("Tilsagnet har status «%(state)s». Utbetalinger og resultater krever et akseptert tilsagn.")
        % {"state": grant.get_state_display()},
    )
    return redirect("grant_detail", pk=grant.pk)


def _payout_initial(request, grant, summary):
    if request.GET.get("type") == Payout.Kind.FINAL:
        return {"kind": Payout.Kind.FINAL, "amount": summary.remaining}
    if not (summary.paid or summary.approved or summary.requested) and summary.on_acceptance:
        return {"kind": Payout.Kind.PARTIAL, "amount": min(summary.on_acceptance, summary.partial_available)}
    return {"kind": Payout.Kind.PARTIAL}


@login_required
@require_http_methods(["GET", "POST"])
def payout_request(request, pk):
    grant = selectors.grant_for_member(request.user, pk)
    refused = _refuse_unless_money_moves(request, grant)
    if refused:
        return refused
    summary = selectors.payout_summary(grant)
    accounts_rule = selectors.accounts_rule(grant)
    form = PayoutRequestForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        has_final_report=grant.has_final_report,
        has_final_payout=grant.has_final_payout,
        accounts_rule=accounts_rule,
        initial=_payout_initial(request, grant, summary),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payout = payout_request_from_portal(
                grant,
                actor=request.user,
                amount=data["amount"],
                kind=data["kind"],
                accumulated_costs=data["accumulated_costs"],
                progress_note=data["progress_note"],
                files=data["files"],
                accounts_file=data["accounts_file"] or None,
                accounts_attestation=data["accounts_attestation"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                _("Utbetalingsanmodning nr. %(number)d er sendt til programmet.") % {"number": payout.number},
            )
            return redirect("payout_detail", pk=grant.pk, payout_pk=payout.pk)
    cost_lines, cost_total = selectors.cost_plan(grant.application)
    return render(
        request,
        "portal/grants/payout_form.html",
        {
            "grant": grant,
            "summary": summary,
            "form": form,
            "errors": error_summary(form),
            "cost_lines": cost_lines,
            "cost_total": cost_total,
            "last_costs": selectors.last_accumulated_costs(grant),
            "accounts_rule": accounts_rule,
        },
        status=400 if form.errors else 200,
    )


@login_required
def payout_detail(request, pk, payout_pk):
    grant = selectors.grant_for_member(request.user, pk)
    payout = selectors.payout_for_member(grant, payout_pk)
    return render(request, "portal/grants/payout_detail.html", {"grant": grant, "payout": payout})


@login_required
def payout_attachment_download(request, pk):
    attachment = selectors.payout_attachment_for_member(request.user, pk)
    return private_download(attachment.file, attachment.original_name, attachment.content_type)


def _funding_rows(formset):
    return [
        (form.cleaned_data["source"], form.cleaned_data["amount"])
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def _funding_total(formset):
    """What the typed rows add up to, shown again when the page comes back with errors."""
    forms = [form for form in formset.forms if hasattr(form, "cleaned_data")]
    return sum((form.cleaned_data.get("amount") or 0 for form in forms), 0)


@login_required
@require_http_methods(["GET", "POST"])
def result_report_new(request, pk, is_final=False):
    grant = selectors.grant_for_member(request.user, pk)
    refused = _refuse_unless_money_moves(request, grant)
    if refused:
        return refused
    if is_final and grant.has_final_report:
        messages.info(request, _("Sluttrapporten er allerede levert."))
        return redirect("grant_detail", pk=grant.pk)
    years = selectors.report_years(grant)
    if not is_final:
        taken = selectors.reported_years(grant)
        years = [year for year in years if year not in taken]
        if not years:
            messages.info(request, _("Resultatene er rapportert for alle år så langt."))
            return redirect("grant_detail", pk=grant.pk)
    data = request.POST if request.method == "POST" else None
    form = ResultReportForm(data, years=years, is_final=is_final, initial={"year": years[-1]})
    funding = FundingLineFormSet(data, prefix="funding")
    # Both are checked, so that every error on the page is shown at once.
    valid = data is not None and all([form.is_valid(), funding.is_valid()])
    if valid:
        fields = {name: form.cleaned_data[name] for name in form.fields if name != "year"}
        try:
            report = services.result_report_submit(
                grant,
                actor=request.user,
                year=form.cleaned_data["year"],
                funding_lines=_funding_rows(funding),
                is_final=is_final,
                **fields,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            if is_final:
                messages.success(
                    request,
                    _("Sluttrapporten er levert. Be om sluttutbetaling for å avslutte prosjektet."),
                )
            else:
                messages.success(
                    request, _("Resultatrapporten for %(year)d er levert.") % {"year": report.year}
                )
            return redirect("grant_detail", pk=grant.pk)
    errors = error_summary(form, funding)
    return render(
        request,
        "portal/grants/report_form.html",
        {
            "grant": grant,
            "form": form,
            "funding": funding,
            "funding_total": _funding_total(funding),
            "errors": errors,
            "is_final": is_final,
        },
        status=400 if errors else 200,
    )


@login_required
def result_report_detail(request, pk, report_pk):
    grant = selectors.grant_for_member(request.user, pk)
    report = selectors.result_report_for_member(grant, report_pk)
    return render(request, "portal/grants/report_detail.html", {"grant": grant, "report": report})


# Public open data ------------------------------------------------------------------------------

PUBLIC_COLUMNS = [
    ("year", gettext_lazy("År")),
    ("organisation", gettext_lazy("Organisasjon")),
    ("project", gettext_lazy("Prosjekt")),
    ("focus_area", gettext_lazy("Innsatsområde")),
    ("programme", gettext_lazy("Program")),
    ("amount", gettext_lazy("Beløp")),
]


def _public_query(request):
    """The filter form, and the (programme, year, sort) it asks for; anything unknown is ignored."""
    programmes = list(selectors.public_grant_programmes())
    years = selectors.public_grant_years()
    form = PublicGrantFilterForm(request.GET or None, programmes=programmes, years=years)
    programme = year = None
    if form.is_bound:
        form.is_valid()
        programme = form.cleaned_data.get("programme") or None
        year = form.cleaned_data.get("year") or None
    sort = request.GET.get("sort") or selectors.PUBLIC_DEFAULT_SORT
    if sort.removeprefix("-") not in selectors.PUBLIC_SORTS:
        sort = selectors.PUBLIC_DEFAULT_SORT
    return form, programme, year, sort


def _public_filters(programme, year, sort=None):
    params = {"programme": programme, "year": year, "sort": sort}
    return {key: value for key, value in params.items() if value}


@require_GET
def public_grant_list(request):
    form, programme, year, sort = _public_query(request)
    grants = selectors.public_grant_list(programme=programme, year=year, sort=sort)
    page = Paginator(grants, PUBLIC_PAGE_SIZE).get_page(request.GET.get("page"))
    columns = []
    for key, label in PUBLIC_COLUMNS:
        current = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        if current:
            next_sort = key if descending else f"-{key}"
        else:
            # Newest and largest first on the first click, names from A.
            next_sort = f"-{key}" if key in ("year", "amount") else key
        aria_sort = ("descending" if descending else "ascending") if current else ""
        url = "?" + urlencode(_public_filters(programme, year, next_sort))
        columns.append({"key": key, "label": label, "url": url, "aria_sort": aria_sort})
    filters = _public_filters(programme, year, sort if sort != selectors.PUBLIC_DEFAULT_SORT else None)
    query = urlencode(filters)
    return render(
        request,
        "portal/public_grants.html",
        {
            "form": form,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
            "ellipsis": Paginator.ELLIPSIS,
            "columns": columns,
            "page_query": f"{query}&" if query else "",
            "download_query": f"?{urlencode(_public_filters(programme, year))}" if programme or year else "",
        },
    )


def _public_rows(request):
    _form, programme, year, sort = _public_query(request)
    return selectors.public_grant_rows(selectors.public_grant_list(programme=programme, year=year, sort=sort))


OPEN_DATA_FIELDS = ["year", "programme", "focus_area", "organisation", "project", "amount"]


@require_GET
def public_grant_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="tilsagn.csv"'
    writer = csv.DictWriter(response, fieldnames=OPEN_DATA_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(
        {key: spreadsheet_safe(value) for key, value in row.items()} for row in _public_rows(request)
    )
    return response


@require_GET
def public_grant_json(request):
    rows = _public_rows(request)
    document = {
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "count": len(rows),
        "grants": rows,
    }
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = 'attachment; filename="tilsagn.json"'
    return response
