"""The public journal in the admin: the programme's staff read every entry and decide what the public
version withholds (the screening goes through ``journal_entry_screen``, audited)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from omstilling.admin_mixins import ProgrammeScopedAdminMixin
from omstilling.exceptions import ServiceError
from omstilling.policies import Refused, as_permission_denied

from .models import JournalEntry
from .services.journal import journal_entry_screen

SCREENING_FIELDS = ("title_screened", "screening_basis", "party_is_private_person")


class JournalScreeningForm(forms.ModelForm):
    class Meta:
        model = JournalEntry
        fields = SCREENING_FIELDS

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("title_screened") and not cleaned.get("screening_basis"):
            self.add_error("screening_basis", _("Oppgi hjemmelen for å skjerme tittelen."))
        return cleaned


@admin.register(JournalEntry)
class JournalEntryAdmin(ProgrammeScopedAdminMixin, admin.ModelAdmin):
    form = JournalScreeningForm
    list_display = (
        "number",
        "registered_at",
        "direction",
        "kind",
        "title",
        "party",
        "case_reference",
        "screened",
    )
    list_select_related = ("programme",)
    list_filter = ("programme", "direction", "kind", "title_screened", "party_is_private_person")
    search_fields = ("title", "party", "case_reference")
    date_hierarchy = "registered_at"
    readonly_fields = (
        "programme",
        "number",
        "registered_at",
        "direction",
        "kind",
        "title",
        "party",
        "case_reference",
        "application",
        "screened_by",
    )
    fieldsets = (
        (None, {"fields": ("programme", "number", "registered_at", "direction", "kind", "title", "party")}),
        (None, {"fields": ("case_reference", "application")}),
        (_("Skjerming i den offentlige journalen"), {"fields": (*SCREENING_FIELDS, "screened_by")}),
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("journalnr."), ordering="sequence")
    def number(self, obj):
        return obj.number

    @admin.display(description=_("skjermet"), boolean=True)
    def screened(self, obj):
        return obj.title_screened or obj.party_is_private_person

    def save_model(self, request, obj, form, change):
        try:
            journal_entry_screen(
                obj,
                actor=request.user,
                title_screened=form.cleaned_data["title_screened"],
                screening_basis=form.cleaned_data["screening_basis"],
                party_is_private_person=form.cleaned_data["party_is_private_person"],
            )
        except Refused as exc:
            raise as_permission_denied(exc) from exc
        except ServiceError as exc:
            raise ValidationError(exc.message) from exc
