"""The board's admin pages: meetings (``admin_meetings``), cases and their votes (``admin_cases``),
decisions and letters (``admin_decisions``), appeals (``admin_appeals``), and the read-only records below.
"""

from django.contrib import admin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from applications.models import (
    CaseStandIn,
    ConflictDeclaration,
    Vote,
)
from omstilling.admin_mixins import (
    ProgrammeScopedAdmin,
    ReadOnlyAdminMixin,
)

from . import (  # noqa: F401  (they register their pages)
    admin_appeals,
    admin_cases,
    admin_decisions,
    admin_meetings,
)


class BoardCaseRecordAdmin(ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """Votes and conflict declarations, shown read-only: they are written only by the board services
    (``vote_cast``, ``conflict_declare``), which check recusal, the case's state and the audit trail."""

    programme_path = "case__meeting__programme"
    list_select_related = ("member__user", "member__programme", "case__application")
    list_filter = ("case__meeting__programme",)
    search_fields = (
        "member__user__full_name",
        "member__user__email",
        "case__application__reference",
        "case__application__title",
    )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "case", "member") if obj is not None else fields


@admin.register(ConflictDeclaration)
class ConflictDeclarationAdmin(BoardCaseRecordAdmin):
    str_select_related = ("member__user", "case__application")
    list_display = ("member", "case", "reason_excerpt", "declared_at")

    @admin.display(description=_("grunn"), ordering="reason")
    def reason_excerpt(self, conflict):
        return Truncator(conflict.reason).chars(80)


@admin.register(Vote)
class VoteAdmin(BoardCaseRecordAdmin):
    str_select_related = ("member__user",)
    list_display = ("member", "case", "choice", "cast_at", "changed_at")
    list_filter = ("choice", *BoardCaseRecordAdmin.list_filter)


@admin.register(CaseStandIn)
class CaseStandInAdmin(ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """Deputies who took a recused member's seat in one case, shown read-only: written only by
    ``case_deputy_step_in`` / ``case_deputy_step_out``."""

    programme_path = "case__meeting__programme"
    str_select_related = ("deputy__user", "stands_in_for__user", "case__application")
    list_display = ("deputy", "stands_in_for", "case", "registered_at")
    list_select_related = (
        "deputy__user",
        "deputy__programme",
        "stands_in_for__user",
        "stands_in_for__programme",
        "case__application",
    )
    list_filter = ("case__meeting__programme",)
    search_fields = (
        "deputy__user__full_name",
        "stands_in_for__user__full_name",
        "case__application__reference",
        "case__application__title",
    )

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "case", "deputy", "stands_in_for") if obj is not None else fields
