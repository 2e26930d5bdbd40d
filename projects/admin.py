from django.contrib import admin
from django.db.models import OuterRef, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from omstilling.admin_mixins import (
    ProgrammeScopedAdmin,
    ReadOnlyAdminMixin,
    money_annotation,
    money_column,
    plain_column,
    related_column,
)

from .models import Grant, Payout, PayoutAttachment, ResultFunding, ResultReport

grant_year = plain_column(Grant, "year")


class PayoutInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Payout
    fields = ("number", "kind", "state", "amount", "requested_at", "approved_at", "paid_at")
    readonly_fields = fields
    show_change_link = True
    extra = 0


@admin.register(Grant)
class GrantAdmin(ProgrammeScopedAdmin):
    """Tilsagn. A grant is created from a decision and moves through its states only through the
    grant services, so there is no add form and the money, the payout plan and the state are
    read-only here.
    """

    programme_path = "application__programme"
    str_select_related = ("application",)
    list_display = (
        "reference",
        "application",
        related_column(Grant, "application__organisation"),
        grant_year,
        money_column(Grant, "amount"),
        money_annotation("committed_payouts", _("godkjent til utbetaling (kr)")),
        money_column(Grant, "released_amount"),
        "state",
        "acceptance_deadline",
        "accepted_at",
    )
    list_select_related = ("application__organisation",)
    list_filter = ("state", "year", "application__programme", "is_de_minimis")
    search_fields = (
        "reference",
        "application__reference",
        "application__title",
        "application__organisation__name",
        "application__organisation__orgnr",
    )
    fields = (
        "reference",
        "application",
        "decision",
        grant_year,
        "amount",
        "released_amount",
        "payout_on_acceptance_percent",
        "holdback_percent",
        "is_de_minimis",
        "conditions",
        "acceptance_deadline",
        "state",
        "accepted_at",
        "accepted_by",
        "completed_at",
        "cancelled_at",
        "cancel_reason",
        "created_at",
    )
    readonly_fields = (
        "reference",
        "application",
        "decision",
        grant_year,
        "amount",
        "released_amount",
        "payout_on_acceptance_percent",
        "holdback_percent",
        "state",
        "accepted_at",
        "accepted_by",
        "completed_at",
        "cancelled_at",
        "cancel_reason",
        "created_at",
    )
    inlines = (PayoutInline,)

    def get_queryset(self, request):
        committed = (
            Payout.objects.filter(grant=OuterRef("pk"), state__in=Payout.COMMITTED_STATES)
            .order_by()
            .values("grant")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return super().get_queryset(request).annotate(committed_payouts=Subquery(committed))

    def has_add_permission(self, request):
        return False


class PayoutAttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PayoutAttachment
    fields = ("original_name", "content_type", "size", "sha256", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(Payout)
class PayoutAdmin(ProgrammeScopedAdmin):
    """Utbetalinger. A payout is requested, approved and paid only through the payout services,
    which lock the grant so that the payouts never exceed it; the admin shows them read-only.
    """

    programme_path = "grant__application__programme"
    str_select_related = ("grant",)
    list_display = (
        "grant",
        "number",
        "kind",
        "state",
        money_column(Payout, "amount"),
        money_column(Payout, "accumulated_costs"),
        "requested_at",
        "requested_by",
        "approved_by",
        "paid_at",
    )
    list_select_related = ("grant__application", "requested_by", "approved_by")
    list_filter = ("state", "kind", "grant__application__programme")
    search_fields = (
        "grant__reference",
        "grant__application__title",
        "grant__application__organisation__name",
    )
    date_hierarchy = "requested_at"
    readonly_fields = (
        "grant",
        "number",
        "kind",
        "state",
        "amount",
        "accumulated_costs",
        "progress_note",
        "requested_at",
        "requested_by",
        "approved_at",
        "approved_by",
        "rejection_reason",
        "paid_at",
    )
    inlines = (PayoutAttachmentInline,)

    def has_add_permission(self, request):
        return False


class ResultFundingInline(admin.TabularInline):
    model = ResultFunding
    fields = ("source", "amount")
    extra = 0


@admin.register(ResultReport)
class ResultReportAdmin(ProgrammeScopedAdmin):
    programme_path = "grant__application__programme"
    str_select_related = ("grant",)
    list_display = (
        "grant",
        plain_column(ResultReport, "year"),
        "is_final",
        "new_jobs",
        "secured_jobs",
        "new_firms",
        "networks",
        money_column(ResultReport, "other_funding"),
        "submitted_at",
    )
    list_select_related = ("grant__application",)
    list_filter = ("is_final", "year", "grant__application__programme")
    search_fields = ("grant__reference", "grant__application__title", "narrative")
    date_hierarchy = "submitted_at"
    autocomplete_fields = ("grant",)
    readonly_fields = ("submitted_at", "submitted_by")
    inlines = (ResultFundingInline,)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.submitted_by = request.user
        super().save_model(request, obj, form, change)
