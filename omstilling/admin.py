from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.db.models import Count, Prefetch, Q, Sum
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .admin_mixins import (
    AuditedAdminMixin,
    InlineQueriesMixin,
    ProgrammeScopedAdmin,
    ProgrammeScopedAdminMixin,
    ProgrammeScopedChoicesMixin,
    ReadOnlyAdminMixin,
    money_annotation,
    money_column,
    plain_column,
    programme_ids_for,
    related_column,
)
from .models import (
    AuditEntry,
    BoardMembership,
    BudgetAllocation,
    Call,
    FocusArea,
    Funding,
    FundingSource,
    Goal,
    Indicator,
    IndicatorValue,
    Municipality,
    PlanPeriod,
    Programme,
    StaffMembership,
    SubGoal,
    User,
)


def _normalized_email(form):
    return User.objects.normalize_email(form.cleaned_data["email"]).lower()


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")

    def clean_email(self):
        # The manager stores addresses in lower case; the admin must not create a look-alike.
        return _normalized_email(self)


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        return _normalized_email(self)


class StaffMembershipInline(InlineQueriesMixin, ProgrammeScopedChoicesMixin, admin.TabularInline):
    model = StaffMembership
    fk_name = "user"
    inline_select_related = ("user", "programme")
    fields = ("programme", "role", "title", "is_active")
    extra = 0


class BoardMembershipInline(InlineQueriesMixin, ProgrammeScopedChoicesMixin, admin.TabularInline):
    model = BoardMembership
    fk_name = "user"
    inline_select_related = ("user", "programme", "deputy_for__user")
    fields = ("programme", "role", "represents", "deputy_for", "valid_from", "valid_to", "is_active")
    extra = 0


@admin.register(User)
class UserAdmin(AuditedAdminMixin, ProgrammeScopedAdminMixin, BaseUserAdmin):
    """People and their roles. Only superusers (the portal's operators) may change them.

    A programme's staff may look people up: the programme's staff and board, and the members of
    organisations that applied to it.
    """

    programme_path = None
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personalia"), {"fields": ("full_name", "phone", "email_verified_at")}),
        (
            _("Tilganger"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Viktige datoer"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = (StaffMembershipInline, BoardMembershipInline)
    list_display = ("email", "full_name", "roles", "is_staff", "is_superuser", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "full_name", "phone")
    ordering = ("email",)
    date_hierarchy = "date_joined"

    def scope_queryset(self, queryset, request):
        if request.user.is_superuser:
            return queryset
        programme_ids = programme_ids_for(request)
        return queryset.filter(
            Q(pk=request.user.pk)
            | Q(pk__in=StaffMembership.objects.filter(programme__in=programme_ids).values("user"))
            | Q(pk__in=BoardMembership.objects.filter(programme__in=programme_ids).values("user"))
            # Applicants, through the reverse relations' names: this app imports none of the apps above it.
            | Q(
                pk__in=User.objects.filter(
                    organisation_memberships__organisation__applications__programme__in=programme_ids
                ).values("pk")
            )
        )

    def get_queryset(self, request):
        staff = StaffMembership.objects.filter(is_active=True).select_related("programme")
        board = BoardMembership.objects.filter(is_active=True).select_related("programme")
        if not request.user.is_superuser:
            # The roles column shows only the roles held in the viewer's own programmes.
            staff = staff.filter(programme__in=programme_ids_for(request))
            board = board.filter(programme__in=programme_ids_for(request))
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("staff_memberships", staff), Prefetch("board_memberships", board))
        )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    @admin.display(description=_("roller"))
    def roles(self, user):
        return ", ".join(
            f"{m.get_role_display()} ({m.programme.short_name or m.programme.name})"
            for m in [*user.staff_memberships.all(), *user.board_memberships.all()]
        )

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Municipality)
class MunicipalityAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("number", "name")
    search_fields = ("number", "name")
    ordering = ("name",)


@admin.register(Programme)
class ProgrammeAdmin(ProgrammeScopedAdmin):
    programme_path = ""
    list_display = (
        "name",
        "short_name",
        "slug",
        plain_column(Programme, "status_start_year"),
        plain_column(Programme, "status_end_year"),
        "municipality_names",
    )
    list_filter = ("status_start_year",)
    search_fields = ("name", "short_name", "slug", "municipalities__name")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("municipalities",)
    fieldsets = (
        (None, {"fields": ("name", "short_name", "slug", "municipalities", "website", "contact_email")}),
        (_("Oppfølging"), {"fields": ("follow_up_links",)}),
        (
            _("Omstillingsstatus"),
            {"fields": ("status_start_year", "status_end_year", "owner", "operator")},
        ),
        (_("Tekster til omstillingsplanen"), {"fields": ("logo", "background", "organisation_text")}),
        (
            _("Regler for styret og tilsagn"),
            {
                "fields": (
                    "quorum_share",
                    "acceptance_days",
                    "payout_on_acceptance_percent",
                    "holdback_percent",
                    "final_report_months",
                )
            },
        ),
        (
            _("Klage på styrets vedtak"),
            {
                "fields": ("appeal_period_weeks", "appeal_body"),
                "description": _(
                    "Vedtaksbrevene nevner klagefristen og klageinstansen. Opprettholder styret vedtaket "
                    "etter en klage, sendes klagen til klageinstansen (forvaltningsloven §§ 28–33)."
                ),
            },
        ),
        (
            _("Prosjektregnskap ved sluttutbetaling"),
            {
                "fields": ("accounts_leader_limit", "accounts_accountant_limit"),
                "description": _(
                    "Hvem som må attestere prosjektregnskapet, etter tilsagnets størrelse: daglig leder "
                    "under den første grensen, autorisert regnskapsfører til og med den andre, og "
                    "statsautorisert eller registrert revisor over den."
                ),
            },
        ),
    )

    readonly_fields = ("follow_up_links",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("municipalities")

    @admin.display(description=_("sider for programmet"))
    def follow_up_links(self, programme):
        """Where the programme leader goes from here: the budget ledger and the annual report."""
        if not programme.pk:
            return "–"
        return format_html(
            '<a href="{}?programme={}">{}</a> · <a href="{}?programme={}">{}</a>',
            reverse("admin:projects_grant_ledger"),
            programme.pk,
            _("Budsjett og regnskap for tilsagn"),
            reverse("admin:reports_reportjob_request"),
            programme.pk,
            _("Bestill årsrapport/omstillingsplan"),
        )

    @admin.display(description=_("kommuner"))
    def municipality_names(self, programme):
        return ", ".join(municipality.name for municipality in programme.municipalities.all())


class SubGoalInline(admin.TabularInline):
    model = SubGoal
    fields = ("order", "text")
    extra = 0


@admin.register(PlanPeriod)
class PlanPeriodAdmin(ProgrammeScopedAdmin):
    str_select_related = ("programme",)
    list_display = ("period", "programme", "title", "focus_area_count")
    list_select_related = ("programme",)
    list_filter = ("programme",)
    search_fields = ("title", "programme__name", "programme__short_name")
    ordering = ("programme__name", "start_year")
    inlines = (SubGoalInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(focus_area_count=Count("focus_areas"))

    @admin.display(description=_("periode"), ordering="start_year")
    def period(self, plan_period):
        return f"{plan_period.start_year}–{plan_period.end_year}"

    @admin.display(description=_("innsatsområder"), ordering="focus_area_count")
    def focus_area_count(self, plan_period):
        return plan_period.focus_area_count


@admin.register(SubGoal)
class SubGoalAdmin(ProgrammeScopedAdmin):
    programme_path = "plan_period__programme"
    list_display = ("excerpt", "order", "plan_period")
    list_select_related = ("plan_period__programme",)
    list_filter = ("plan_period__programme",)
    search_fields = ("text",)

    @admin.display(description=_("delmål"), ordering="text")
    def excerpt(self, sub_goal):
        return Truncator(sub_goal.text).chars(100)


@admin.register(FocusArea)
class FocusAreaAdmin(ProgrammeScopedAdmin):
    programme_path = "plan_period__programme"
    list_display = ("name", "number", "plan_period", "is_catch_all")
    list_select_related = ("plan_period__programme",)
    list_filter = ("plan_period__programme", "is_catch_all")
    search_fields = ("name", "description")


@admin.register(Goal)
class GoalAdmin(ProgrammeScopedAdmin):
    list_display = (
        "excerpt",
        "kind",
        "metric",
        "target",
        "per",
        plain_column(Goal, "start_year"),
        plain_column(Goal, "end_year"),
        "programme",
        "plan_period",
        "focus_area",
    )
    list_select_related = ("programme", "plan_period__programme", "focus_area")
    list_filter = ("kind", "metric", "programme")
    search_fields = ("text", "topic")

    @admin.display(description=_("beskrivelse"), ordering="text")
    def excerpt(self, goal):
        return Truncator(goal.text).chars(80)


class IndicatorValueInline(InlineQueriesMixin, admin.TabularInline):
    model = IndicatorValue
    inline_select_related = ("indicator",)
    fields = ("year", "breakdown", "order", "value")
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(ProgrammeScopedAdmin):
    str_select_related = ("programme",)
    list_display = (
        "name",
        "code",
        "programme",
        "unit",
        plain_column(Indicator, "base_year"),
        "base_value",
        "annual_growth_percent",
        plain_column(Indicator, "target_end_year"),
        "value_count",
    )
    list_select_related = ("programme",)
    list_filter = ("programme",)
    search_fields = ("name", "code", "source")
    inlines = (IndicatorValueInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(value_count=Count("values"))

    @admin.display(description=_("antall verdier"), ordering="value_count")
    def value_count(self, indicator):
        return indicator.value_count


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ProgrammeScopedAdmin):
    programme_path = "indicator__programme"
    str_select_related = ("indicator",)
    list_display = ("indicator", plain_column(IndicatorValue, "year"), "breakdown", "value")
    list_select_related = ("indicator__programme",)
    list_filter = ("indicator__programme", "year")
    search_fields = ("indicator__name", "indicator__code", "breakdown")


class FundingInline(InlineQueriesMixin, admin.TabularInline):
    model = Funding
    inline_select_related = ("source",)
    fields = ("year", "amount")
    extra = 0


@admin.register(FundingSource)
class FundingSourceAdmin(ProgrammeScopedAdmin):
    list_display = ("name", "kind", "programme", money_annotation("total_amount", _("sum finansiering (kr)")))
    list_select_related = ("programme",)
    list_filter = ("kind", "programme")
    search_fields = ("name",)
    inlines = (FundingInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(total_amount=Sum("fundings__amount"))


@admin.register(Funding)
class FundingAdmin(ProgrammeScopedAdmin):
    programme_path = "source__programme"
    str_select_related = ("source",)
    list_display = (
        "source",
        plain_column(Funding, "year"),
        money_column(Funding, "amount"),
        related_column(Funding, "source__programme"),
    )
    list_select_related = ("source__programme",)
    list_filter = ("year", "source__programme")
    search_fields = ("source__name",)
    ordering = ("source__programme__name", "year", "source__order")


@admin.register(BudgetAllocation)
class BudgetAllocationAdmin(ProgrammeScopedAdmin):
    programme_path = "plan_period__programme"
    list_display = ("label", money_column(BudgetAllocation, "amount"), "plan_period", "focus_area", "order")
    list_select_related = ("plan_period__programme", "focus_area")
    list_filter = ("plan_period__programme",)
    search_fields = ("label",)


@admin.register(Call)
class CallAdmin(ProgrammeScopedAdmin):
    list_display = (
        "title",
        "programme",
        plain_column(Call, "year"),
        money_column(Call, "budget"),
        "opens_at",
        "deadline",
        "application_count",
    )
    list_select_related = ("programme",)
    list_filter = ("programme", "year", "is_historical")
    search_fields = ("title", "description")
    date_hierarchy = "deadline"
    filter_horizontal = ("focus_areas",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(application_count=Count("applications"))

    @admin.display(description=_("søknader"), ordering="application_count")
    def application_count(self, call):
        return call.application_count


@admin.register(BoardMembership)
class BoardMembershipAdmin(ProgrammeScopedAdmin):
    str_select_related = ("user", "programme")
    list_display = (
        "user",
        "programme",
        "role",
        "represents",
        "deputy_for",
        "is_active",
        "valid_from",
        "valid_to",
    )
    list_select_related = ("user", "programme", "deputy_for__user", "deputy_for__programme")
    list_filter = ("programme", "role", "is_active")
    search_fields = ("user__email", "user__full_name", "represents")
    autocomplete_fields = ("user",)


@admin.register(StaffMembership)
class StaffMembershipAdmin(ProgrammeScopedAdmin):
    str_select_related = ("user", "programme")
    list_display = ("user", "programme", "role", "title", "is_active")
    list_select_related = ("user", "programme")
    list_filter = ("programme", "role", "is_active")
    search_fields = ("user__email", "user__full_name", "title")
    autocomplete_fields = ("user",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """The audit log is evidence: nobody, not even a superuser, adds, edits or deletes entries.

    Entries without a programme (e.g. about users) are visible to superusers only.
    """

    list_display = (
        "created_at",
        "actor_label",
        "action",
        "object_repr",
        "from_state",
        "to_state",
        "programme",
    )
    list_select_related = ("programme",)
    list_filter = ("programme", "content_type", "action")
    search_fields = ("object_repr", "actor_label", "action", "reason", "object_id")
    date_hierarchy = "created_at"
