"""Applicants in the admin: organisations and who acts for them."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from omstilling.admin_mixins import (
    InlineQueriesMixin,
    ProgrammeScopedAdmin,
    ProgrammeScopedChoicesMixin,
    ReadOnlyAdminMixin,
    programme_ids_for,
)

from .models import (
    Organisation,
    OrganisationJoinRequest,
    OrganisationMembership,
)


class OrganisationMembershipInline(InlineQueriesMixin, ProgrammeScopedChoicesMixin, admin.TabularInline):
    """The organisation's people; their role can be changed here. New members join through the portal
    (a join request the organisation's administrator decides) or are added under "Medlemskap i
    organisasjoner" — an autocomplete box per row here would cost a query per member."""

    model = OrganisationMembership
    fields = ("user", "role")
    readonly_fields = ("user",)
    inline_select_related = ("organisation", "user")
    extra = 0

    def has_add_permission(self, request, obj):
        return False


class OrganisationJoinRequestInline(InlineQueriesMixin, ReadOnlyAdminMixin, admin.TabularInline):
    """Requests for access; the organisation's own administrators decide them in the portal."""

    model = OrganisationJoinRequest
    inline_select_related = ("organisation", "user", "decided_by")
    fk_name = "organisation"
    fields = ("user", "created_at", "decided_at", "decided_by", "approved")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "decided_by")


@admin.register(Organisation)
class OrganisationAdmin(ProgrammeScopedAdmin):
    """Applicants. A programme's staff see the organisations that applied to their programme."""

    programme_path = "applications__programme"
    list_display = (
        "name",
        "orgnr",
        "municipality",
        "city",
        "contact_name",
        "contact_email",
        "application_count",
    )
    list_select_related = ("municipality",)
    list_filter = ("municipality",)
    search_fields = ("name", "orgnr", "contact_name", "contact_email")
    inlines = (OrganisationMembershipInline, OrganisationJoinRequestInline)

    def get_queryset(self, request):
        # Count only the applications the user may see, so the column reveals nothing about the
        # organisation's applications to other programmes.
        in_scope = None
        if not request.user.is_superuser:
            in_scope = Q(applications__programme__in=programme_ids_for(request))
        return (
            super().get_queryset(request).annotate(application_count=Count("applications", filter=in_scope))
        )

    @admin.display(description=_("søknader"), ordering="application_count")
    def application_count(self, organisation):
        return organisation.application_count


@admin.register(OrganisationMembership)
class OrganisationMembershipAdmin(ProgrammeScopedAdmin):
    programme_path = "organisation__applications__programme"
    str_select_related = ("user", "organisation")
    list_display = ("user", "organisation", "role", "created_at")
    list_select_related = ("user", "organisation")
    list_filter = ("role",)
    search_fields = ("user__email", "user__full_name", "organisation__name", "organisation__orgnr")
    autocomplete_fields = ("user", "organisation")
