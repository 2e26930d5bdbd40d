from django.contrib import admin
from django.db.models import Avg, Count, OuterRef, Q, Subquery, Sum
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from omstilling.admin_mixins import (
    ProgrammeScopedAdmin,
    ProgrammeScopedChoicesMixin,
    ReadOnlyAdminMixin,
    money_annotation,
    money_column,
    programme_ids_for,
    related_column,
    stored_file_name,
)

from .models import (
    Application,
    ApplicationSnapshot,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    Attachment,
    BoardCase,
    BoardMeeting,
    ConflictDeclaration,
    CostLine,
    Decision,
    FinancingLine,
    Letter,
    MeetingAttendance,
    Organisation,
    OrganisationMembership,
    Vote,
)


class OrganisationMembershipInline(ProgrammeScopedChoicesMixin, admin.TabularInline):
    model = OrganisationMembership
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 0


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
    inlines = (OrganisationMembershipInline,)

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


class ApplicationPartInline(admin.TabularInline):
    """Parts of the application's form: editable only while the application is a draft."""

    extra = 0

    def _parent_editable(self, application):
        return application is None or application.is_editable

    def has_add_permission(self, request, obj):
        return self._parent_editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent_editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._parent_editable(obj) and super().has_delete_permission(request, obj)


class CostLineInline(ApplicationPartInline):
    model = CostLine
    fields = ("order", "description", "amount")


class FinancingLineInline(ApplicationPartInline):
    model = FinancingLine
    fields = ("order", "kind", "source", "amount")


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Attachments arrive through the applicant portal (checked and hashed there); here they are listed.

    The file itself is not linked: uploads are private and served by a permission-checked view.
    """

    model = Attachment
    fields = ("original_name", "kind", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


def _sum_of_lines(model, **filters):
    lines = model.objects.filter(application=OuterRef("pk"), **filters).order_by()
    return Subquery(lines.values("application").annotate(total=Sum("amount")).values("total"))


@admin.register(Application)
class ApplicationAdmin(ProgrammeScopedAdmin):
    """Applications. Once submitted an application is frozen and shown read-only; its state changes
    only through the case-handling services, never by editing the field.
    """

    list_display = (
        "reference",
        "title",
        "organisation",
        "programme",
        "category",
        "focus_area",
        "state",
        money_annotation("total_cost", _("kostnader (kr)")),
        money_annotation("applied_amount", _("søkt beløp (kr)")),
        "submitted_at",
    )
    list_select_related = ("organisation", "programme", "focus_area")
    list_filter = ("state", "category", "programme", "call", "focus_area", "is_historical")
    search_fields = ("reference", "title", "organisation__name", "organisation__orgnr")
    autocomplete_fields = ("organisation",)
    readonly_fields = (
        "state",
        "created_by",
        "created_at",
        "updated_at",
        "submitted_at",
        "decided_at",
        "withdrawn_at",
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "reference",
                    "programme",
                    "call",
                    "organisation",
                    "category",
                    "focus_area",
                    "title",
                    "summary",
                    "description",
                    "start_date",
                    "end_date",
                )
            },
        ),
        (_("Kontaktperson"), {"fields": ("contact_name", "contact_email", "contact_phone")}),
        (
            _("Forventede resultater"),
            {"fields": ("expected_new_jobs", "expected_secured_jobs", "expected_new_firms")},
        ),
        (
            _("Bagatellstøtte"),
            {"fields": ("de_minimis_declared", "de_minimis_received", "de_minimis_details")},
        ),
        (
            _("Status"),
            {
                "fields": (
                    "state",
                    "created_by",
                    "created_at",
                    "updated_at",
                    "submitted_at",
                    "decided_at",
                    "withdrawn_at",
                )
            },
        ),
        (_("Import"), {"fields": ("is_historical", "import_key"), "classes": ("collapse",)}),
    )
    inlines = (CostLineInline, FinancingLineInline, AttachmentInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                total_cost=_sum_of_lines(CostLine),
                applied_amount=_sum_of_lines(FinancingLine, kind=FinancingLine.Kind.PROGRAMME),
            )
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ApplicationSnapshot)
class ApplicationSnapshotAdmin(ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """What the applicant submitted, exactly; it is evidence and never changes."""

    programme_path = "application__programme"
    str_select_related = ("application",)
    list_display = (
        "application",
        related_column(ApplicationSnapshot, "application__organisation"),
        "submitted_at",
        "submitted_by",
    )
    list_select_related = ("application__organisation", "submitted_by")
    list_filter = ("application__programme",)
    search_fields = ("application__reference", "application__title", "application__organisation__name")
    date_hierarchy = "submitted_at"


@admin.register(AssessmentCriterion)
class AssessmentCriterionAdmin(ProgrammeScopedAdmin):
    list_display = ("name", "order", "programme")
    list_select_related = ("programme",)
    list_filter = ("programme",)
    search_fields = ("name", "description")


class AssessmentScoreInline(ProgrammeScopedChoicesMixin, admin.TabularInline):
    model = AssessmentScore
    fields = ("criterion", "score", "comment")
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(ProgrammeScopedAdmin):
    programme_path = "application__programme"
    str_select_related = ("application",)
    list_display = (
        "application",
        "assessor",
        "recommendation",
        money_column(Assessment, "proposed_amount"),
        "average_score",
        "submitted_at",
    )
    list_select_related = ("application", "assessor")
    list_filter = ("recommendation", "application__programme")
    search_fields = ("application__reference", "application__title", "reasoning")
    autocomplete_fields = ("application", "assessor")
    inlines = (AssessmentScoreInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(average_score=Avg("scores__score"))

    @admin.display(description=_("snittpoeng"), ordering="average_score")
    def average_score(self, assessment):
        if assessment.average_score is None:
            return None
        return f"{assessment.average_score:.1f}".replace(".", ",")


class BoardCaseInline(ProgrammeScopedChoicesMixin, admin.TabularInline):
    """The meeting's agenda. A case opens, closes and is decided through the voting services."""

    model = BoardCase
    fields = ("number", "application", "recommendation", "proposed_amount", "state")
    readonly_fields = ("state",)
    autocomplete_fields = ("application",)
    extra = 0


@admin.register(BoardMeeting)
class BoardMeetingAdmin(ProgrammeScopedAdmin):
    str_select_related = ("programme",)
    list_display = ("starts_at", "programme", "place", "state", "case_count")
    list_select_related = ("programme",)
    list_filter = ("state", "programme")
    search_fields = ("place", "programme__name", "programme__short_name")
    date_hierarchy = "starts_at"
    readonly_fields = ("state", "created_by")
    inlines = (BoardCaseInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(case_count=Count("cases"))

    @admin.display(description=_("saker"), ordering="case_count")
    def case_count(self, meeting):
        return meeting.case_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


def _votes(choice):
    return Count("votes", filter=Q(votes__choice=choice))


@admin.register(BoardCase)
class BoardCaseAdmin(ProgrammeScopedAdmin):
    programme_path = "meeting__programme"
    str_select_related = ("application",)
    list_display = (
        "number",
        "application",
        "meeting",
        "state",
        money_column(BoardCase, "proposed_amount"),
        "votes_for",
        "votes_against",
        "votes_abstain",
    )
    list_select_related = ("application", "meeting__programme")
    list_filter = ("state", "meeting__programme")
    search_fields = ("application__reference", "application__title", "recommendation")
    autocomplete_fields = ("application",)
    readonly_fields = ("state", "opened_at", "closed_at")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                votes_for=_votes(Vote.Choice.FOR),
                votes_against=_votes(Vote.Choice.AGAINST),
                votes_abstain=_votes(Vote.Choice.ABSTAIN),
            )
        )

    @admin.display(description=_("for"), ordering="votes_for")
    def votes_for(self, case):
        return case.votes_for

    @admin.display(description=_("mot"), ordering="votes_against")
    def votes_against(self, case):
        return case.votes_against

    @admin.display(description=_("avstår"), ordering="votes_abstain")
    def votes_abstain(self, case):
        return case.votes_abstain


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


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """A vedtak is recorded once, by ``decision_record`` when the chair closes a case (quorum, tally,
    casting vote), and never edited or deleted here; a correction is a new decision."""

    programme_path = "application__programme"
    str_select_related = ("application",)
    list_display = (
        "application",
        "outcome",
        money_column(Decision, "amount"),
        "decided_at",
        "votes_for",
        "votes_against",
        "votes_abstain",
        "casting_vote_used",
        "case",
    )
    list_select_related = ("application", "case__application")
    list_filter = ("outcome", "is_historical", "application__programme")
    search_fields = ("application__reference", "application__title", "reason")


@admin.register(MeetingAttendance)
class MeetingAttendanceAdmin(ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """Who was present decides whether the board had a quorum; the rows are kept as registered."""

    programme_path = "meeting__programme"
    str_select_related = ("member__user", "meeting__programme")
    list_display = ("member", "meeting", "stands_in_for", "registered_at")
    list_select_related = (
        "member__user",
        "member__programme",
        "meeting__programme",
        "stands_in_for__user",
        "stands_in_for__programme",
    )
    list_filter = ("meeting__programme",)
    search_fields = ("member__user__full_name", "member__user__email", "meeting__place")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "meeting", "member") if obj is not None else fields


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """Generated tilsagnsbrev, avslagsbrev and møtebøker: documents that are issued, never edited."""

    programme_path = None
    list_display = ("kind", "decision", "meeting", "created_at", "sha256")
    list_select_related = ("decision__application", "meeting__programme")
    list_filter = ("kind",)
    search_fields = ("decision__application__reference", "decision__application__title", "meeting__place")
    date_hierarchy = "created_at"
    fields = ("kind", "decision", "meeting", stored_file_name, "sha256", "created_at")

    def scope_queryset(self, queryset, request):
        if request.user.is_superuser:
            return queryset
        # A letter belongs to its decision's programme; the minutes to their meeting's.
        programme_ids = programme_ids_for(request)
        return queryset.filter(
            Q(decision__application__programme__in=programme_ids) | Q(meeting__programme__in=programme_ids)
        )
