"""The public journal (offentlig journal): each programme's incoming and outgoing documents, with what
the programme leader screened shown as withheld and on what basis. Also as CSV and JSON."""

import csv

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from omstilling.csvsafe import spreadsheet_safe
from omstilling.models import Programme

from ..selectors import public_journal, public_journal_row
from .common import error_summary

FIELDS = [
    "journalnummer",
    "journaldato",
    "retning",
    "dokumenttype",
    "tittel",
    "avsender_mottaker",
    "saksreferanse",
    "skjermet",
    "skjermingshjemmel",
]


class JournalFilterForm(forms.Form):
    q = forms.CharField(label=_("Søk i tittel, avsender/mottaker eller saksreferanse"), required=False)
    date_from = forms.DateField(
        label=_("Fra dato"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Til dato"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", _("Til-datoen kan ikke være før fra-datoen."))
        return cleaned


def _entries(request, programme):
    form = JournalFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        entries = public_journal(
            programme, date_from=data["date_from"], date_to=data["date_to"], query=data["q"].strip()
        )
    else:
        entries = public_journal(programme)
    return form, entries


@require_GET
def journal_index(request):
    return render(request, "portal/journal/index.html", {"programmes": Programme.objects.order_by("name")})


@require_GET
def journal(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    form, entries = _entries(request, programme)
    page = Paginator(entries, 50).get_page(request.GET.get("side"))
    query = request.GET.copy()
    query.pop("side", None)
    return render(
        request,
        "portal/journal/journal.html",
        {
            "programme": programme,
            "form": form,
            "page": page,
            "rows": [(entry, public_journal_row(entry)) for entry in page.object_list],
            "query": query.urlencode(),
            "errors": error_summary(form) if form.is_bound else [],
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
def journal_csv(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    _form, entries = _entries(request, programme)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="journal-{programme.slug}.csv"'
    writer = csv.DictWriter(response, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for entry in entries.iterator():
        writer.writerow({key: spreadsheet_safe(value) for key, value in public_journal_row(entry).items()})
    return response


@require_GET
def journal_json(request, slug):
    programme = get_object_or_404(Programme, slug=slug)
    _form, entries = _entries(request, programme)
    rows = [public_journal_row(entry) for entry in entries.iterator()]
    document = {
        "programme": programme.name,
        "generated_at": timezone.now().replace(microsecond=0).isoformat(),
        "count": len(rows),
        "entries": rows,
    }
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="journal-{programme.slug}.json"'
    return response
