"""Forms of the applicant portal. They parse and check input; the services decide and write."""

import html

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.safestring import SafeData
from django.utils.translation import gettext_lazy as _
from stdnum.no import orgnr as stdnum_orgnr

from omstilling.exceptions import ServiceError
from omstilling.models import Category, FocusArea, User

from .models import Application, Attachment, FinancingLine, Organisation
from .uploads import ACCEPT, check_upload

# Rendering a widget through Django's templates (input.html including attrs.html, select.html including
# select_option.html per option) costs 0.1–0.3 ms per field, most of a form page. The renderer below writes
# out the few widget templates the application steps use in Python, character for character as Django's
# templates do (tests/portal/test_application_form.py compares the two); any other template, and any
# widget whose options use another template, goes through Django's templates as before.

_VALUE_CONTEXT = Context(autoescape=True)


def _as_text(value):
    """``{{ value }}`` in a widget template: localised and escaped."""
    if type(value) is str:
        return html.escape(value)  # what django.utils.html.escape does, without its laziness wrapper
    return render_value_in_context(value, _VALUE_CONTEXT)


def _as_string(value):
    """``{{ value|stringformat:'s' }}`` in a widget template."""
    if isinstance(value, tuple):
        value = str(value)
    text = "%s" % value  # noqa: UP031 -- exactly what the filter does
    return text if isinstance(value, SafeData) else html.escape(text)


def _attrs(attrs):
    """django/forms/widgets/attrs.html."""
    return "".join(
        f" {_as_text(name)}" if value is True else f' {_as_text(name)}="{_as_string(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget):
    value = "" if widget["value"] is None else f' value="{_as_string(widget["value"])}"'
    return (
        f'<input type="{_as_text(widget["type"])}" name="{_as_text(widget["name"])}"{value}'
        f"{_attrs(widget['attrs'])}>"
    )


def _textarea(widget):
    value = _as_text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_as_text(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


SELECT_OPTION = "django/forms/widgets/select_option.html"


def _select(widget):
    parts = [f'<select name="{_as_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_as_text(group_name)}">')
        for option in group_choices:
            # select_option.html, included with the newline that ends the file.
            parts.append(
                f'\n  <option value="{_as_string(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_as_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _is_plain_select(widget):
    groups = widget["optgroups"]
    return all(option["template_name"] == SELECT_OPTION for _n, group, _i in groups for option in group)


class PortalFormRenderer(DjangoTemplates):
    """Django's default form renderer, with the widget templates of the application steps in Python."""

    # Each of these is just {% include "django/forms/widgets/input.html" %}.
    INPUTS = {
        f"django/forms/widgets/{name}.html"
        for name in ("text", "email", "number", "date", "hidden", "checkbox")
    }

    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None:
            if template_name in self.INPUTS:
                return _input(widget)
            if template_name == "django/forms/widgets/textarea.html":
                return _textarea(widget)
            if template_name == "django/forms/widgets/select.html" and _is_plain_select(widget):
                return _select(widget)
        return super().render(template_name, context, request)


PORTAL_RENDERER = PortalFormRenderer()


class TextField(forms.CharField):
    """A text area's text with its line breaks as one character each, as the page's counter counts
    them: a browser sends a line break as CR LF, which would make 500 counted characters 505."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _keep_overlong_text(fields):
    """No ``maxlength`` on the page: a browser would cut a longer text (pasted, say) without a word.
    The limit goes to ``data-maxlength`` for the counter, and the server says at the field how much
    too long the text is, keeping all of it for the applicant to shorten."""
    for form_field in fields.values():
        if isinstance(form_field, forms.CharField) and form_field.max_length:
            form_field.widget.attrs.pop("maxlength", None)
            form_field.widget.attrs["data-maxlength"] = form_field.max_length
            form_field.error_messages["max_length"] = TOO_LONG


TOO_LONG = _(
    "Teksten har %(show_value)d tegn, men høyst %(limit_value)d er tillatt. Kort den ned; det du har "
    "skrevet, er tatt vare på her."
)


class PortalForm:
    """Mixin for the application steps' forms: their widgets render through ``PORTAL_RENDERER``.

    ``required_to_submit`` names the fields a draft may lack but a submitted application may not.
    They are marked as required on the page (asterisk, ``required``, ``aria-required``) and are
    required when the applicant goes on to the next step; "Lagre utkast" (``draft=True``) saves the
    step without them.
    """

    default_renderer = PORTAL_RENDERER
    required_to_submit = ()

    def __init__(self, *args, draft=False, **kwargs):
        super().__init__(*args, **kwargs)
        _keep_overlong_text(self.fields)
        for name in self.required_to_submit:
            form_field = self.fields[name]
            form_field.required = not draft
            form_field.required_to_submit = True
            form_field.widget.attrs.update({"required": True, "aria-required": "true"})
            form_field.error_messages["required"] = _(
                "%(label)s må fylles ut før søknaden kan sendes inn."
            ) % {"label": form_field.label}


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


class FetchedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over objects fetched once, in one query: the select lists them and a choice is
    checked against them, where a plain ModelChoiceField runs a query to render (with a server-side cursor)
    and another to validate. ``queryset`` is the query ``objects`` came from."""

    def __init__(self, objects, *, queryset, **kwargs):
        super().__init__(queryset, **kwargs)
        self.objects = {str(obj.pk): obj for obj in objects}
        self.choices = [(obj.pk, str(obj)) for obj in objects]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            value = value.pk
        try:
            return self.objects[str(value)]
        except KeyError:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


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

    def _get_validation_exclusions(self):
        # Nor by the constraint on the address in any case (the form field has checked it is one).
        exclusions = super()._get_validation_exclusions()
        exclusions.add("email")
        return exclusions


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
        _keep_overlong_text(self.fields)

    def clean_orgnr(self):
        return clean_orgnr_value(self.cleaned_data["orgnr"])

    def validate_unique(self):
        # organisation_register says so in plain words, with what to do instead.
        pass

    def _get_validation_exclusions(self):
        # Nor may the model's constraint on the number answer first, with its bare message.
        exclusions = super()._get_validation_exclusions()
        exclusions.add("orgnr")
        return exclusions


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
        _keep_overlong_text(self.fields)
        self.fields["organisation"].queryset = organisations
        self.fields["organisation"].empty_label = None
        self.fields["category"].choices = _category_choices(call)
        areas = call.focus_areas.order_by("number", "name")
        self.fields["focus_area"].queryset = areas
        self.fields["focus_area"].choices = [(area.pk, area.name) for area in areas]


class ContactForm(PortalForm, forms.ModelForm):
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


class ProjectForm(PortalForm, forms.ModelForm):
    required_to_submit = ("summary", "description", "start_date", "end_date")

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
            "summary": forms.Textarea(attrs={"rows": 4, "data-counter": "true"}),
            "description": forms.Textarea(attrs={"rows": 10}),
            "start_date": DateInput(),
            "end_date": DateInput(),
        }
        field_classes = {"summary": TextField, "description": TextField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        call = self.instance.call
        self.fields["category"].choices = _category_choices(call)
        generated = self.fields["focus_area"]
        queryset = call.focus_areas.order_by("number", "name")
        self.fields["focus_area"] = FetchedModelChoiceField(
            list(queryset), queryset=queryset, label=generated.label, required=generated.required
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Sluttdatoen kan ikke være før startdatoen."))
        return cleaned

    def _post_clean(self):
        # The model's own checks run in the service; here only the form's.
        pass


class CostLineForm(PortalForm, forms.Form):
    description = forms.CharField(label=_("Kostnad"), max_length=200)
    amount = NokField(label=_("Beløp (kr)"))


class FinancingLineForm(PortalForm, forms.Form):
    # A blank first choice, so that an untouched extra row posts nothing and is skipped.
    kind = forms.ChoiceField(
        label=_("Type finansiering"), choices=[("", _("Velg type")), *FinancingLine.Kind.choices]
    )
    source = forms.CharField(label=_("Kilde"), max_length=200, required=False)
    amount = NokField(label=_("Beløp (kr)"))


CostLineFormSet = forms.formset_factory(
    CostLineForm, extra=2, can_delete=True, max_num=50, validate_max=True, renderer=PORTAL_RENDERER
)


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
        renderer=PORTAL_RENDERER,
    )
    return formset_class(data, prefix="fin", initial=initial)


class ResultsForm(PortalForm, forms.ModelForm):
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


class StateAidForm(PortalForm, forms.ModelForm):
    required_to_submit = ("de_minimis_declared",)
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
        field_classes = {"de_minimis_details": TextField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["de_minimis_declared"].error_messages["required"] = _(
            "Kryss av for erklæringen om bagatellstøtte før søknaden kan sendes inn."
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("de_minimis_received") and not (cleaned.get("de_minimis_details") or "").strip():
            self.add_error("de_minimis_details", _("Oppgi hvilken støtte dere har fått, fra hvem og når."))
        return cleaned


class AttachmentForm(PortalForm, forms.Form):
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _keep_overlong_text(self.fields)


class SubmitForm(forms.Form):
    """The review page's confirmation; the service refuses a submit without it."""

    confirmed = forms.BooleanField(
        label=_("Jeg bekrefter at opplysningene er riktige"),
        required=True,
        error_messages={"required": _("Kryss av for at opplysningene er riktige før du sender inn.")},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, at most ``max_files``; each is checked by content as the
    application's attachments are (the services check them again)."""

    def __init__(self, *args, max_files, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)
        self.max_files = max_files

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [super(MultipleFileField, self).clean(item, initial) for item in files]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > self.max_files:
            raise ValidationError(
                _("Du kan laste opp høyst %(max)d filer om gangen."), params={"max": self.max_files}
            )
        errors = []
        for item in files:
            try:
                check_upload(item)
            except ServiceError as exc:
                errors.append(exc.message)
        if errors:
            raise ValidationError(errors)
        return files
