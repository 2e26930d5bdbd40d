"""Forms of the applicant portal. They parse and check input; the services decide and write."""

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.no import orgnr as stdnum_orgnr

from omstilling.models import Category, FocusArea, User

from .models import Application, Attachment, FinancingLine, Organisation
from .services import SUMMARY_MAX_LENGTH
from .uploads import ACCEPT


class NokField(forms.DecimalField):
    """Whole kroner, typed the Norwegian way: «1 900 000», «1 900 000 kr» or «1900000»."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 0)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("localize", True)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "class": "nok"}))
        super().__init__(**kwargs)
        self.error_messages["invalid"] = _("Skriv et beløp i hele kroner, for eksempel 150 000.")
        self.error_messages["max_decimal_places"] = _("Skriv beløpet i hele kroner, uten øre.")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removesuffix("kr").removesuffix(",-").strip()
        return super().to_python(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def clean_orgnr_value(value):
    digits = "".join(ch for ch in (value or "") if not ch.isspace())
    if not stdnum_orgnr.is_valid(digits):
        raise ValidationError(
            _(
                "«%(value)s» er ikke et gyldig organisasjonsnummer. Det har 9 siffer, og det siste er et "
                "kontrollsiffer. Sjekk at du har skrevet det riktig; du finner det i Enhetsregisteret "
                "(brreg.no)."
            ),
            params={"value": value},
            code="invalid_orgnr",
        )
    return digits


ORGNR_HELP = _("9 siffer, for eksempel 974 760 673.")


class RegistrationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("full_name", "email")
        labels = {"full_name": _("Fullt navn"), "email": _("E-postadresse")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["password1"].label = _("Passord")
        self.fields["password2"].label = _("Gjenta passordet")

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def validate_unique(self):
        # A taken address is handled by the view without saying so: nobody learns who has an account.
        pass


class OrganisationRegisterForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = (
            "orgnr",
            "name",
            "address",
            "postal_code",
            "city",
            "contact_name",
            "contact_email",
            "contact_phone",
        )
        labels = {
            "orgnr": _("Organisasjonsnummer"),
            "name": _("Navn på organisasjonen"),
            "address": _("Adresse"),
            "postal_code": _("Postnummer"),
            "city": _("Poststed"),
            "contact_name": _("Kontaktperson"),
            "contact_email": _("Kontaktpersonens e-post"),
            "contact_phone": _("Kontaktpersonens telefon"),
        }
        help_texts = {"orgnr": ORGNR_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orgnr"] = forms.CharField(
            label=_("Organisasjonsnummer"),
            help_text=ORGNR_HELP,
            max_length=20,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        )

    def clean_orgnr(self):
        return clean_orgnr_value(self.cleaned_data["orgnr"])

    def validate_unique(self):
        # organisation_register says so in plain words, with what to do instead.
        pass


class OrganisationJoinForm(forms.Form):
    orgnr = forms.CharField(
        label=_("Organisasjonsnummer"),
        help_text=ORGNR_HELP,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_orgnr(self):
        return clean_orgnr_value(self.cleaned_data["orgnr"])


def _category_choices(call):
    return [(category.value, category.label) for category in Category if category in call.admitted_categories]


class ApplicationStartForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Søker (organisasjon)"), queryset=Organisation.objects.none()
    )
    category = forms.ChoiceField(label=_("Kategori"))
    focus_area = forms.ModelChoiceField(label=_("Innsatsområde"), queryset=FocusArea.objects.none())
    title = forms.CharField(label=_("Prosjekttittel"), max_length=200)

    def __init__(self, *args, call, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].empty_label = None
        self.fields["category"].choices = _category_choices(call)
        areas = call.focus_areas.order_by("number", "name")
        self.fields["focus_area"].queryset = areas
        self.fields["focus_area"].choices = [(area.pk, area.name) for area in areas]


class ContactForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ("contact_name", "contact_email", "contact_phone")
        labels = {
            "contact_name": _("Kontaktperson for søknaden"),
            "contact_email": _("E-post"),
            "contact_phone": _("Telefon"),
        }
        widgets = {
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "contact_phone": forms.TextInput(attrs={"autocomplete": "tel"}),
        }


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ("category", "focus_area", "title", "summary", "description", "start_date", "end_date")
        labels = {
            "category": _("Kategori"),
            "focus_area": _("Innsatsområde"),
            "title": _("Prosjekttittel"),
            "summary": _("Sammendrag"),
            "description": _("Prosjektbeskrivelse"),
            "start_date": _("Startdato"),
            "end_date": _("Sluttdato"),
        }
        help_texts = {
            "summary": _("Høyst 500 tegn. Sammendraget kan bli brukt i styresaken."),
            "description": _(
                "Bakgrunn, mål, aktiviteter, organisering og hvordan prosjektet skaper arbeidsplasser."
            ),
        }
        widgets = {
            "summary": forms.Textarea(
                attrs={"rows": 4, "maxlength": SUMMARY_MAX_LENGTH, "data-counter": "true"}
            ),
            "description": forms.Textarea(attrs={"rows": 10}),
            "start_date": DateInput(),
            "end_date": DateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        call = self.instance.call
        self.fields["category"].choices = _category_choices(call)
        areas = call.focus_areas.order_by("number", "name")
        self.fields["focus_area"].queryset = areas
        # A fixed list: otherwise every rendering of the select runs its own (server-side cursor) query.
        self.fields["focus_area"].choices = [(area.pk, area.name) for area in areas]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Sluttdatoen kan ikke være før startdatoen."))
        return cleaned

    def _post_clean(self):
        # The model's own checks run in the service; here only the form's.
        pass


class CostLineForm(forms.Form):
    description = forms.CharField(label=_("Kostnad"), max_length=200)
    amount = NokField(label=_("Beløp (kr)"))


class FinancingLineForm(forms.Form):
    # A blank first choice, so that an untouched extra row posts nothing and is skipped.
    kind = forms.ChoiceField(
        label=_("Type finansiering"), choices=[("", _("Velg type")), *FinancingLine.Kind.choices]
    )
    source = forms.CharField(label=_("Kilde"), max_length=200, required=False)
    amount = NokField(label=_("Beløp (kr)"))


CostLineFormSet = forms.formset_factory(CostLineForm, extra=2, can_delete=True, max_num=50, validate_max=True)


class BaseFinancingFormSet(forms.BaseFormSet):
    """A new financing plan starts with one blank row per kind of financing, so nobody has to guess them.

    Such a row counts only once an amount is typed in; a row left as it was is skipped.
    """

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if not self.initial and index is not None:
            kinds = FinancingLine.Kind.values
            kwargs["initial"] = {"kind": kinds[index % len(kinds)]}
        return kwargs


def financing_formset(data, lines):
    """The financing plan's formset: the saved ``lines`` and blank rows to add more."""
    initial = [{"kind": line.kind, "source": line.source, "amount": line.amount} for line in lines]
    formset_class = forms.formset_factory(
        FinancingLineForm,
        formset=BaseFinancingFormSet,
        extra=2 if initial else len(FinancingLine.Kind.values),
        can_delete=True,
        max_num=50,
        validate_max=True,
    )
    return formset_class(data, prefix="fin", initial=initial)


class ResultsForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ("expected_new_jobs", "expected_secured_jobs", "expected_new_firms")
        labels = {
            "expected_new_jobs": _("Nye arbeidsplasser"),
            "expected_secured_jobs": _("Sikrede arbeidsplasser"),
            "expected_new_firms": _("Nye bedrifter"),
        }
        help_texts = {
            "expected_new_jobs": _("Antall årsverk prosjektet ventes å skape."),
            "expected_secured_jobs": _("Antall eksisterende årsverk prosjektet ventes å sikre."),
        }


class StateAidForm(forms.ModelForm):
    de_minimis_received = NokField(
        label=_("Bagatellstøtte mottatt de tre siste regnskapsårene (kr)"),
        help_text=_(
            "Summen av all bagatellstøtte organisasjonen har fått i år og de to foregående regnskapsårene. "
            "Skriv 0 hvis dere ikke har fått noe."
        ),
    )

    class Meta:
        model = Application
        fields = ("de_minimis_received", "de_minimis_details", "de_minimis_declared")
        labels = {
            "de_minimis_details": _("Hvilken støtte, fra hvem og når"),
            "de_minimis_declared": _(
                "Jeg erklærer at opplysningene om bagatellstøtte er riktige og fullstendige"
            ),
        }
        widgets = {"de_minimis_details": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("de_minimis_received") and not (cleaned.get("de_minimis_details") or "").strip():
            self.add_error("de_minimis_details", _("Oppgi hvilken støtte dere har fått, fra hvem og når."))
        return cleaned


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type vedlegg"), choices=Attachment.Kind.choices)
    file = forms.FileField(
        label=_("Fil"),
        help_text=_("PDF, Word (DOCX), Excel (XLSX), PNG eller JPEG."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrunnelse (valgfritt)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
