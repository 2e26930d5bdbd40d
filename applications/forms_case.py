"""Forms for the written exchanges on a case: a message, a request for more information, an answer."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models_case import ANSWER_MAX_CHARS, MESSAGE_MAX_CHARS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class CaseMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Ny melding"),
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Meldingen følger saken, sendes på e-post til den andre parten og kan ikke endres."),
        error_messages={"required": _("Skriv en melding.")},
    )


class SupplementRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Hva må søkeren ettersende eller rette?"),
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Skriv hva søkeren må ettersende.")},
    )
    reply_deadline = forms.DateField(
        label=_("Svarfrist"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Sett en svarfrist."), "invalid": _("Skriv datoen som dd.mm.åååå.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("reply_deadline", timezone.localdate() + dt.timedelta(days=14))


class SupplementAnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Svar"),
        required=False,
        max_length=ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    files = MultipleFileField(
        label=_("Dokumenter"),
        required=False,
        help_text=_("PDF, Word (DOCX), Excel (XLSX), PNG eller JPEG. Du kan velge flere filer."),
    )
