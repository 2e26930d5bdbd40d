"""Forms for the written exchanges on a case: a message, a request for more information, an answer,
an appeal (klage) on the decision."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .forms import MultipleFileField, TextField, _keep_overlong_text
from .models_case import (
    ANSWER_MAX_CHARS,
    APPEAL_MAX_CHARS,
    APPEAL_REASONS_MISSING,
    MAX_APPEAL_FILES,
    MAX_SUPPLEMENT_FILES,
    MESSAGE_MAX_CHARS,
)


class KeepsOverlongText:
    """As the application's steps: no ``maxlength`` that would cut a pasted text without a word; the
    server says at the field how much too long it is and keeps all of it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _keep_overlong_text(self.fields)


class CaseMessageForm(KeepsOverlongText, forms.Form):
    body = TextField(
        label=_("Ny melding"),
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Meldingen følger saken, sendes på e-post til den andre parten og kan ikke endres."),
        error_messages={"required": _("Skriv en melding.")},
    )


class SupplementRequestForm(KeepsOverlongText, forms.Form):
    message = TextField(
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


class SupplementAnswerForm(KeepsOverlongText, forms.Form):
    answer = TextField(
        label=_("Svar"),
        required=False,
        max_length=ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    files = MultipleFileField(
        max_files=MAX_SUPPLEMENT_FILES,
        label=_("Dokumenter"),
        required=False,
        help_text=_("PDF, Word (DOCX), Excel (XLSX), PNG eller JPEG. Du kan velge flere filer."),
    )


class AppealForm(KeepsOverlongText, forms.Form):
    # Required, with the service's own message (``appeal_lodge``), which says what the reasons cover.
    reasons = TextField(
        label=_("Begrunnelse for klagen"),
        max_length=APPEAL_MAX_CHARS,
        error_messages={"required": APPEAL_REASONS_MISSING},
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Skriv hva i vedtaket dere mener er feil, og hvorfor. Nevn opplysninger styret ikke hadde "
            "da det behandlet søknaden."
        ),
    )
    files = MultipleFileField(
        max_files=MAX_APPEAL_FILES,
        label=_("Dokumenter"),
        required=False,
        help_text=_("PDF, Word (DOCX), Excel (XLSX), PNG eller JPEG. Du kan velge flere filer."),
    )
