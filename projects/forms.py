"""Forms of the grant holder's pages. They parse and check input; the services decide and write."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from applications.forms import MultipleFileField, NokField
from applications.uploads import ACCEPT, check_upload
from omstilling.exceptions import ServiceError

from .models import Attestation, Payout

MAX_PAYOUT_FILES = 10


class AcceptForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Jeg aksepterer tilsagnet og vilkårene for det"),
        error_messages={"required": _("Kryss av for at du aksepterer vilkårene.")},
    )


class RadioSelect(forms.RadioSelect):
    """Radio buttons whose field id is the first button's, so the error summary can link to the group."""

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)


class PayoutRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type utbetaling"),
        choices=Payout.Kind.choices,
        widget=RadioSelect,
        initial=Payout.Kind.PARTIAL,
    )
    amount = NokField(label=_("Beløp du ber om (kr)"), min_value=1)
    accumulated_costs = NokField(
        label=_("Påløpte kostnader hittil (kr)"),
        help_text=_("Summen av prosjektets kostnader fra start til nå, målt mot kostnadsplanen."),
    )
    progress_note = forms.CharField(
        label=_("Fremdrift"),
        help_text=_("Hva er gjort siden sist, og går prosjektet etter planen?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    files = MultipleFileField(
        max_files=MAX_PAYOUT_FILES,
        label=_("Vedlegg"),
        required=False,
        help_text=_(
            "For eksempel regnskapsutskrift eller kostnadsoversikt. PDF, Word (DOCX), Excel (XLSX), "
            "PNG eller JPEG. Du kan velge flere filer."
        ),
    )

    accounts_file = forms.FileField(
        label=_("Prosjektregnskap (ved sluttutbetaling)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_(
            "Regnskapet for hele prosjektet, satt opp mot kostnadsplanen. PDF, DOCX, XLSX, PNG eller JPEG."
        ),
    )
    accounts_attestation = forms.ChoiceField(
        label=_("Hvem har attestert prosjektregnskapet? (ved sluttutbetaling)"),
        choices=Attestation.choices,
        required=False,
        widget=RadioSelect,
    )

    def __init__(self, *args, has_final_report, has_final_payout, accounts_rule=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_final_report = has_final_report
        self.has_final_payout = has_final_payout
        if accounts_rule is not None:
            self.fields["accounts_attestation"].help_text = _(
                "For dette tilsagnet må prosjektregnskapet være: %(required)s."
            ) % {"required": accounts_rule.required_label}

    def clean_accounts_file(self):
        uploaded = self.cleaned_data.get("accounts_file")
        if uploaded:
            try:
                check_upload(uploaded)
            except ServiceError as exc:
                raise ValidationError(exc.message) from exc
        return uploaded

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Payout.Kind.FINAL:
            if not cleaned.get("accounts_file") and "accounts_file" not in self.errors:
                self.add_error(
                    "accounts_file",
                    _("Sluttutbetalingen krever prosjektregnskapet. Legg det ved anmodningen."),
                )
            if not cleaned.get("accounts_attestation"):
                self.add_error("accounts_attestation", _("Oppgi hvem som har attestert prosjektregnskapet."))
        return cleaned

    def clean_kind(self):
        kind = self.cleaned_data["kind"]
        if self.has_final_payout:
            raise ValidationError(_("Det er allerede bedt om sluttutbetaling; det kan ikke bes om mer."))
        if kind == Payout.Kind.FINAL and not self.has_final_report:
            raise ValidationError(
                _("Sluttutbetaling forutsetter at sluttrapporten er levert. Lever sluttrapporten først.")
            )
        return kind


class ResultReportForm(forms.Form):
    year = forms.TypedChoiceField(label=_("År"), coerce=int)
    new_jobs = forms.IntegerField(label=_("Nye arbeidsplasser"), min_value=0, max_value=100000, initial=0)
    secured_jobs = forms.IntegerField(
        label=_("Sikrede arbeidsplasser"), min_value=0, max_value=100000, initial=0
    )
    new_firms = forms.IntegerField(label=_("Nye bedrifter"), min_value=0, max_value=100000, initial=0)
    networks = forms.IntegerField(label=_("Nye nettverk"), min_value=0, max_value=100000, initial=0)
    narrative = forms.CharField(
        label=_("Beskrivelse av resultatene"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, years, is_final=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["narrative"].required = is_final
        if is_final:
            self.fields["year"].label = _("Rapporteringsår")
            self.fields["year"].help_text = _("Året prosjektet ble avsluttet.")
            self.fields["narrative"].label = _("Sluttrapport: hva ble gjort, og hva ble oppnådd?")
        for name in ("new_jobs", "secured_jobs", "new_firms", "networks"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})


class FundingLineForm(forms.Form):
    source = forms.CharField(label=_("Kilde"), max_length=200)
    amount = NokField(label=_("Beløp (kr)"))


FundingLineFormSet = forms.formset_factory(
    FundingLineForm, extra=3, can_delete=True, max_num=30, validate_max=True
)


class PublicGrantFilterForm(forms.Form):
    programme = forms.ChoiceField(label=_("Program"), required=False)
    year = forms.TypedChoiceField(label=_("År"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, programmes, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", _("Alle programmer"))] + [
            (programme.slug, programme.name) for programme in programmes
        ]
        self.fields["year"].choices = [("", _("Alle år"))] + [(year, str(year)) for year in years]


class DeadlineExtensionForm(forms.Form):
    new_deadline = forms.DateField(
        label=_("Ønsket ny frist"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Oppgi datoen du ønsker som ny frist."),
            "invalid": _("Skriv datoen som dd.mm.åååå."),
        },
    )
    reason = forms.CharField(
        label=_("Begrunnelse"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        help_text=_("Forklar hvorfor prosjektet trenger mer tid, og hva som gjenstår."),
        error_messages={"required": _("Du må oppgi en begrunnelse.")},
    )
