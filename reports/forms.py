from django import forms
from django.utils.translation import gettext_lazy as _

from omstilling.models import NarrativeSection, Programme

from .models import ReportJob
from .selectors import report_year_refusal

FORMAT_KINDS = {
    "pdf": ReportJob.Kind.ANNUAL_PLAN_PDF,
    "appendix_pdf": ReportJob.Kind.ANNUAL_APPENDIX_PDF,
    "report_json": ReportJob.Kind.ANNUAL_REPORT_JSON,
    "report_zip": ReportJob.Kind.ANNUAL_REPORT_CSV_ZIP,
    "csv": ReportJob.Kind.GRANT_TABLE_CSV,
    "json": ReportJob.Kind.GRANT_TABLE_JSON,
}


class AnnualReportRequestForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Program"), queryset=Programme.objects.none())
    year = forms.IntegerField(
        label=_("Statusår"),
        min_value=2000,
        max_value=2100,
        help_text=_("Rapporten viser status pr. desember dette året og planen for perioden etter."),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("pdf", _("PDF – omstillingsplan/årsrapport")),
            ("appendix_pdf", _("PDF – vedlegg til omstillingsplanen: alle tilsagn i statusperioden")),
            ("report_json", _("JSON – alle tabellene i årsrapporten")),
            ("report_zip", _("CSV – alle tabellene i årsrapporten, én fil per tabell i en ZIP-fil")),
            ("csv", _("CSV – tilsagnstabellen for året")),
            ("json", _("JSON – tilsagnstabellen for året")),
        ],
        initial="pdf",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes
        if len(programmes) == 1:
            self.fields["programme"].initial = programmes[0].pk

    def clean(self):
        cleaned = super().clean()
        programme, year = cleaned.get("programme"), cleaned.get("year")
        refusal = report_year_refusal(programme, year) if programme and year else None
        if refusal:
            self.add_error("year", refusal)
        return cleaned

    @property
    def kind(self):
        return FORMAT_KINDS[self.cleaned_data["format"]]


class NarrativeForm(forms.Form):
    """The programme leader's texts of one year's report, one Markdown field per fixed place."""

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        for place, label in NarrativeSection.Place.choices:
            section = sections.get(place)
            self.fields[place] = forms.CharField(
                label=label,
                required=False,
                initial=section.body if section else "",
                widget=forms.Textarea(attrs={"rows": 8, "cols": 100}),
                help_text=_("Versjon %(version)d") % {"version": section.version} if section else "",
            )
