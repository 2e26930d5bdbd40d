from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, OuterRef, Q, Subquery, Sum
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, smart_split, unescape_string_literal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omstilling.admin_mixins import (
    InlineQueriesMixin,
    ProgrammeScopedAdmin,
    ProgrammeScopedChoicesMixin,
    ReadOnlyAdminMixin,
    ScopedPagesMixin,
    money_annotation,
    money_column,
    programme_ids_for,
    related_column,
    stored_file_name,
)
from omstilling.exceptions import ServiceError
from omstilling.formatting import format_nok, long_date
from omstilling.models import BoardMembership
from projects.models import Grant

from . import selectors
from .letters import letters_for_application
from .models import (
    Application,
    ApplicationSnapshot,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    Attachment,
    BoardCase,
    BoardMeeting,
    CaseStandIn,
    ConflictDeclaration,
    CostLine,
    Decision,
    FinancingLine,
    Letter,
    MeetingAttendance,
    Organisation,
    OrganisationJoinRequest,
    OrganisationMembership,
    Vote,
)
from .services import (
    application_review_start,
    application_send_to_board,
    receipt_resend,
    receipt_resend_refusal,
)
from .services import board as board_services
from .views.common import add_service_error


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


class ServicePagesMixin(ScopedPagesMixin):
    """Custom admin pages and actions that write only through the board services.

    The object is looked up through the admin's programme-scoped queryset, so a page of another
    programme is a 404; a ServiceError becomes an error message on the page the user came from.
    """

    def _call(self, request, service, *args, success=None, **kwargs):
        """Run ``service``; report its ServiceError as an admin error message. True when it worked."""
        try:
            service(*args, **kwargs)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return False
        if success:
            messages.success(request, success)
        return True

    def _view_url(self, name, obj):
        return reverse(f"admin:applications_{self.model._meta.model_name}_{name}", args=[obj.pk])


def _adopt(obj, saved):
    """Make the admin's unsaved form instance stand for the row a service created."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class AppliedAmountFilter(admin.SimpleListFilter):
    title = _("søkt beløp")
    parameter_name = "applied"
    BANDS = {
        "lt100": (None, Decimal(100000)),
        "100-500": (Decimal(100000), Decimal(500000)),
        "gte500": (Decimal(500000), None),
    }

    def lookups(self, request, model_admin):
        return (
            ("lt100", _("under 100 000 kr")),
            ("100-500", _("100 000–499 999 kr")),
            ("gte500", _("500 000 kr og mer")),
        )

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        if band is None:
            return queryset
        low, high = band
        if low is not None:
            queryset = queryset.filter(applied_amount__gte=low)
        if high is not None:
            queryset = queryset.filter(applied_amount__lt=high)
        return queryset


class AssessmentForm(forms.Form):
    recommendation = forms.ChoiceField(
        label=_("Innstilling"), choices=Assessment.Recommendation.choices, widget=forms.RadioSelect
    )
    proposed_amount = forms.DecimalField(
        label=_("Foreslått beløp (kr)"), required=False, min_value=0, decimal_places=0, max_digits=12
    )
    conditions = forms.CharField(label=_("Vilkår"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reasoning = forms.CharField(
        label=_("Begrunnelse"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ved avslag blir dette begrunnelsen i avslagsbrevet."),
    )
    send_to_board = forms.BooleanField(label=_("Send søknaden til styret nå"), required=False)

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                label=criterion.name,
                help_text=criterion.description,
                choices=[(value, value) for value in range(1, 7)],
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "score-scale"}),
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Kommentar"), required=False, max_length=1000
            )

    def score_rows(self):
        return [
            (criterion, self[f"score_{criterion.pk}"], self[f"comment_{criterion.pk}"])
            for criterion in self.criteria
        ]


@admin.register(Application)
class ApplicationAdmin(ServicePagesMixin, ProgrammeScopedAdmin):
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
    list_filter = (
        "state",
        "category",
        "programme",
        "call",
        "focus_area",
        AppliedAmountFilter,
        "is_historical",
    )
    search_fields = ("reference", "title", "organisation__name", "organisation__orgnr")
    autocomplete_fields = ("organisation",)
    actions = ("start_review", "send_to_board")
    change_form_template = "admin/applications/application/change_form.html"
    readonly_fields = (
        "state",
        "created_by",
        "created_at",
        "updated_at",
        "submitted_at",
        "receipt_sent_at",
        "receipt_undeliverable_at",
        "receipt_undeliverable_reason",
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
                    "receipt_sent_at",
                    "receipt_undeliverable_at",
                    "receipt_undeliverable_reason",
                    "decided_at",
                    "withdrawn_at",
                )
            },
        ),
        (_("Import"), {"fields": ("is_historical", "import_key"), "classes": ("collapse",)}),
    )
    inlines = (CostLineInline, FinancingLineInline, AttachmentInline)

    # More organisations than this matching one search term are matched with a subquery instead.
    SEARCH_ORGANISATION_IDS = 1000

    def get_search_results(self, request, queryset, search_term):
        """The same search as ``search_fields`` (every term, in any of the four fields), written so
        that PostgreSQL can use the trigram indexes (migration 0003_search_trigram_indexes).

        Django's search ORs the application's columns with the organisation's across the join,
        which no index can answer, so it scanned every application (~370 ms at 100 000). Here the
        organisations matching a term are looked up first (their own trigram index) and the
        application matched on its own columns or on those organisation ids: one bitmap-index
        scan per term (~10 ms). One extra, small query per search term.
        """
        terms = []
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            if bit:
                terms.append(bit)
        for term in terms:
            organisations = Organisation.objects.filter(
                Q(name__icontains=term) | Q(orgnr__icontains=term)
            ).values_list("pk", flat=True)
            ids = list(organisations[: self.SEARCH_ORGANISATION_IDS + 1])
            if len(ids) > self.SEARCH_ORGANISATION_IDS:
                by_organisation = Q(organisation__in=organisations)
            else:
                by_organisation = Q(organisation_id__in=ids)
            queryset = queryset.filter(
                Q(reference__icontains=term) | Q(title__icontains=term) | by_organisation
            )
        return queryset, False

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

    def _bulk(self, request, queryset, service, done_message):
        done = 0
        for application in queryset:
            try:
                service(application, request.user)
            except ServiceError as exc:
                messages.error(request, f"{application.reference}: {exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, done_message % {"count": done})

    @admin.action(description=_("Start saksbehandling av valgte søknader"), permissions=["change"])
    def start_review(self, request, queryset):
        self._bulk(
            request, queryset, application_review_start, gettext("%(count)d søknad(er) er under behandling.")
        )

    @admin.action(description=_("Send valgte søknader til styret"), permissions=["change"])
    def send_to_board(self, request, queryset):
        self._bulk(
            request, queryset, application_send_to_board, gettext("%(count)d søknad(er) er sendt til styret.")
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/vurdering/",
                view(self.assessment_view),
                name="applications_application_assess",
            ),
            path(
                "<path:object_id>/til-styret/",
                view(self.send_to_board_view),
                name="applications_application_send_to_board",
            ),
            path(
                "<path:object_id>/kvittering-paa-nytt/",
                view(self.receipt_resend_view),
                name="applications_application_receipt_resend",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, object_id)
        if application is not None:
            extra_context = {**(extra_context or {}), **self._case_file(request, application)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _case_file(self, request, application):
        snapshot = ApplicationSnapshot.objects.filter(application=application).first()
        assessment = (
            Assessment.objects.filter(application=application).prefetch_related("scores__criterion").first()
        )
        history = board_services.organisation_grant_history(application)
        staff = board_services.is_programme_staff(request.user, application.programme)
        data = snapshot.data if snapshot else {}
        kinds = dict(FinancingLine.Kind.choices)
        return {
            "snapshot": data or None,
            "snapshot_costs": [
                (line["description"], format_nok(Decimal(line["amount"])))
                for line in data.get("cost_lines", [])
            ],
            "snapshot_financing": [
                (
                    kinds.get(line["kind"], line["kind"]),
                    line.get("source", ""),
                    format_nok(Decimal(line["amount"])),
                )
                for line in data.get("financing_lines", [])
            ],
            "assessment_amount": format_nok(assessment.proposed_amount) if assessment else "",
            "snapshot_at": snapshot.submitted_at if snapshot else None,
            "assessment": assessment,
            "history": history,
            "history_rows": [(grant, format_nok(grant.amount)) for grant in history.grants],
            "de_minimis_in_portal": format_nok(history.de_minimis_in_portal),
            "de_minimis_declared": format_nok(history.de_minimis_declared),
            "de_minimis_total": format_nok(history.de_minimis_total),
            "de_minimis_first": str(history.de_minimis_years[0]),
            "de_minimis_last": str(history.de_minimis_years[1]),
            "board_cases": application.board_cases.select_related("meeting").order_by("meeting__starts_at"),
            "decisions": application.decisions.order_by("decided_at"),
            "letters": letters_for_application(application),
            "can_assess": staff
            and application.state in (Application.State.SUBMITTED, Application.State.IN_REVIEW),
            "can_send_to_board": staff
            and application.state == Application.State.IN_REVIEW
            and assessment is not None
            and assessment.submitted_at is not None,
            "can_resend_receipt": application.receipt_undeliverable_at is not None
            and self._may_resend_receipt(request, application),
        }

    def _may_resend_receipt(self, request, application):
        # The application's change permission alone does not do: it is off once the application is
        # submitted, and the board may read the application but not act for the programme.
        return request.user.has_perm("applications.change_application") and board_services.is_programme_staff(
            request.user, application.programme
        )

    def assessment_view(self, request, object_id):
        application = self._scoped_object(request, object_id)
        criteria = AssessmentCriterion.objects.filter(programme=application.programme_id).order_by("order")
        existing = Assessment.objects.filter(application=application).prefetch_related("scores").first()
        initial = {}
        if existing is not None:
            initial = {
                "recommendation": existing.recommendation,
                "proposed_amount": existing.proposed_amount or None,
                "conditions": existing.conditions,
                "reasoning": existing.reasoning,
            }
            for score in existing.scores.all():
                initial[f"score_{score.criterion_id}"] = score.score
                initial[f"comment_{score.criterion_id}"] = score.comment
        form = AssessmentForm(request.POST or None, criteria=criteria, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                board_services.assessment_submit(
                    application,
                    request.user,
                    scores={
                        criterion.pk: (data[f"score_{criterion.pk}"], data[f"comment_{criterion.pk}"])
                        for criterion in form.criteria
                    },
                    recommendation=data["recommendation"],
                    proposed_amount=data["proposed_amount"] or 0,
                    conditions=data["conditions"],
                    reasoning=data["reasoning"],
                )
                if data["send_to_board"]:
                    application_send_to_board(application, request.user)
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    gettext("Vurderingen er lagret og søknaden er sendt til styret.")
                    if data["send_to_board"]
                    else gettext("Vurderingen er lagret."),
                )
                return HttpResponseRedirect(
                    reverse("admin:applications_application_change", args=[application.pk])
                )
        return self._page(
            request,
            "admin/applications/application/assessment.html",
            gettext("Vurdering av %(reference)s") % {"reference": application.reference},
            application,
            form=form,
            applied=format_nok(
                FinancingLine.objects.filter(
                    application=application, kind=FinancingLine.Kind.PROGRAMME
                ).aggregate(total=Sum("amount"))["total"]
                or 0
            ),
        )

    def send_to_board_view(self, request, object_id):
        application = self._scoped_object(request, object_id)
        if request.method != "POST":
            raise PermissionDenied
        self._call(
            request,
            application_send_to_board,
            application,
            request.user,
            success=gettext("Søknaden er sendt til styret."),
        )
        return HttpResponseRedirect(reverse("admin:applications_application_change", args=[application.pk]))

    def receipt_resend_view(self, request, object_id):
        """Confirm, then send again a receipt the mail server refused for good (``receipt_resend``)."""
        application = self._scoped_object(request, object_id)
        if not self._may_resend_receipt(request, application):
            raise PermissionDenied
        change_url = reverse("admin:applications_application_change", args=[application.pk])
        addresses = selectors.receipt_addresses(application)
        if request.method == "POST":
            self._call(
                request,
                receipt_resend,
                application,
                actor=request.user,
                success=gettext(
                    "Kvitteringen sendes på nytt til %(addresses)s. Avviser e-posttjeneren den igjen, "
                    "står det på søknaden."
                )
                % {"addresses": ", ".join(addresses)},
            )
            return HttpResponseRedirect(change_url)
        # The reply names each refused address first ("address: code reply", see
        # omstilling.celery.smtp_refusal_reply).
        refused = application.receipt_undeliverable_reason.split("; ")
        return self._page(
            request,
            "admin/applications/application/receipt_resend.html",
            gettext("Send kvitteringen for %(reference)s på nytt") % {"reference": application.reference},
            application,
            change_url=change_url,
            addresses=addresses,
            refusal=receipt_resend_refusal(application),
            same_address=any(part.startswith(f"{address}: ") for part in refused for address in addresses),
        )


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


class AssessmentScoreInline(InlineQueriesMixin, ProgrammeScopedChoicesMixin, admin.TabularInline):
    model = AssessmentScore
    inline_select_related = ("assessment", "criterion")
    fields = ("criterion", "score", "comment")
    extra = 0


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """Assessments are listed here and written only on the application's assessment page, through
    ``assessment_submit`` (scores on the programme's criteria, recommendation, audit entry)."""

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


class BoardCaseInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The meeting's agenda, as a list. Cases are put on it, moved, opened and closed from the
    meeting's agenda page and the case page, through the board services."""

    model = BoardCase
    fields = ("number", "application", "proposed_amount", "state")
    readonly_fields = fields
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application")


class BoardMeetingForm(forms.ModelForm):
    class Meta:
        model = BoardMeeting
        fields = ("programme", "starts_at", "place", "quorum_share")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "quorum_share" in self.fields:
            self.fields["quorum_share"].required = False
            self.fields["quorum_share"].help_text = _(
                "Tomt: programmets regel. "
                "Mer enn denne andelen av stemmeberettigede må være til stede og habile."
            )


@admin.register(BoardMeeting)
class BoardMeetingAdmin(ServicePagesMixin, ProgrammeScopedAdmin):
    str_select_related = ("programme",)
    form = BoardMeetingForm
    list_display = ("starts_at", "programme", "place", "state", "case_count", "agenda_link")
    list_select_related = ("programme",)
    list_filter = ("state", "programme")
    search_fields = ("place", "programme__name", "programme__short_name")
    date_hierarchy = "starts_at"
    readonly_fields = ("state", "created_by")
    inlines = (BoardCaseInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(case_count=Count("cases"))

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        # Once the meeting is under way its quorum rule is fixed: changing it would change
        # whether decisions already taken were lawful.
        if obj is not None and obj.state != BoardMeeting.State.PLANNED:
            return (*fields, "programme", "starts_at", "quorum_share")
        if obj is not None:
            return (*fields, "programme")
        return fields

    @admin.display(description=_("saker"), ordering="case_count")
    def case_count(self, meeting):
        return meeting.case_count

    @admin.display(description=_("saksliste"))
    def agenda_link(self, meeting):
        return format_html(
            '<a class="button" href="{}">{}</a>', self._view_url("agenda", meeting), gettext("Saksliste")
        )

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        meeting = board_services.meeting_create(
            data["programme"],
            request.user,
            starts_at=data["starts_at"],
            place=data["place"],
            quorum_share=data.get("quorum_share"),
        )
        _adopt(obj, meeting)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.get_full_path())

    def response_add(self, request, obj, post_url_continue=None):
        if "_addanother" in request.POST or "_continue" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        return HttpResponseRedirect(self._view_url("agenda", obj))

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/saksliste/", view(self.agenda_view), name="applications_boardmeeting_agenda"
            ),
            *super().get_urls(),
        ]

    def agenda_view(self, request, object_id):
        meeting = self._scoped_object(request, object_id)
        programme = meeting.programme
        may_run = board_services.may_run_meeting(request.user, programme)
        if request.method == "POST":
            if not may_run:
                raise PermissionDenied
            self._agenda_post(request, meeting)
            return HttpResponseRedirect(request.path)

        cases = list(meeting.cases.select_related("application__organisation").order_by("number"))
        decisions = {decision.case_id: decision for decision in Decision.objects.filter(case__in=cases)}
        attendance = {row.member_id: row for row in meeting.attendance.select_related("stands_in_for__user")}
        seats = list(
            BoardMembership.objects.filter(programme=programme, is_active=True)
            .select_related("user", "deputy_for__user")
            .order_by("role", "user__full_name")
        )
        waiting = Application.objects.filter(
            programme=programme, state__in=[Application.State.TO_BOARD, Application.State.IN_REVIEW]
        ).exclude(board_cases__state__in=[BoardCase.State.PENDING, BoardCase.State.OPEN])
        waiting = [
            application
            for application in waiting.select_related("organisation", "assessment")
            if board_services.case_add_refusal(meeting, application) is None
        ]
        return self._page(
            request,
            "admin/applications/boardmeeting/agenda.html",
            gettext("Styremøte %(date)s") % {"date": long_date(meeting.starts_at)},
            meeting,
            meeting=meeting,
            may_run=may_run,
            cases=[
                {
                    "case": case,
                    "amount": format_nok(case.proposed_amount),
                    "decision": decisions.get(case.pk),
                    "decision_amount": format_nok(decisions[case.pk].amount) if case.pk in decisions else "",
                }
                for case in cases
            ],
            seats=[{"seat": seat, "attendance": attendance.get(seat.pk)} for seat in seats],
            absent_voting_seats=[seat for seat in seats if seat.has_vote and seat.pk not in attendance],
            waiting=waiting,
            letters=meeting.letters.all(),
            meeting_date=long_date(meeting.starts_at),
        )

    def _agenda_post(self, request, meeting):
        action = request.POST.get("action")
        user = request.user

        def member(field):
            return BoardMembership.objects.filter(
                programme=meeting.programme, pk=request.POST.get(field)
            ).first()

        def case():
            return meeting.cases.filter(pk=request.POST.get("case")).first()

        if action == "add_case":
            application = Application.objects.filter(
                programme=meeting.programme, pk=request.POST.get("application")
            ).first()
            if application is None:
                messages.error(request, gettext("Velg en søknad."))
                return
            self._call(
                request,
                board_services.case_add,
                meeting,
                application,
                user,
                success=gettext("Saken er ført opp på sakslisten."),
            )
        elif action in ("up", "down") and case():
            self._call(request, board_services.agenda_move, case(), user, -1 if action == "up" else 1)
        elif action == "open_case" and case():
            self._call(
                request,
                board_services.case_open,
                case(),
                user,
                success=gettext("Saken er åpnet for votering."),
            )
        elif action == "attend" and member("member"):
            self._call(
                request,
                board_services.attendance_register,
                meeting,
                user,
                member("member"),
                stands_in_for=member("stands_in_for") if request.POST.get("stands_in_for") else None,
            )
        elif action == "leave" and member("member"):
            self._call(request, board_services.attendance_unregister, meeting, user, member("member"))
        elif action == "close_meeting":
            self._call(
                request,
                board_services.meeting_close,
                meeting,
                user,
                success=gettext("Møtet er avsluttet. Møteboken lages nå."),
            )
        else:
            messages.error(request, gettext("Ukjent handling."))


def _votes(choice):
    return Count("votes", filter=Q(votes__choice=choice))


class BoardCaseAddForm(forms.ModelForm):
    """A case is added with its meeting and application; number, proposal and amount come from the
    agenda and the assessment (``case_add``)."""

    class Meta:
        model = BoardCase
        fields = ("meeting", "application")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        data = super().clean()
        meeting, application = data.get("meeting"), data.get("application")
        if meeting and application:
            if not board_services.may_run_meeting(self.request.user, meeting.programme):
                raise forms.ValidationError(
                    gettext("Bare styreleder eller programmets administrasjon kan gjøre dette.")
                )
            refusal = board_services.case_add_refusal(meeting, application)
            if refusal:
                self.add_error("application", refusal)
        return data


@admin.register(BoardCase)
class BoardCaseAdmin(ServicePagesMixin, ProgrammeScopedAdmin):
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
        "case_link",
    )
    list_select_related = ("application", "meeting__programme")
    list_filter = ("state", "meeting__programme")
    search_fields = ("application__reference", "application__title", "recommendation")
    autocomplete_fields = ("application",)
    readonly_fields = ("state", "opened_at", "closed_at")
    change_form_template = "admin/applications/boardcase/change_form.html"

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

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = super().get_form(
                request, obj, change=change, form=BoardCaseAddForm, fields=("meeting", "application")
            )

            class RequestForm(form):
                def __init__(self, *args, **kw):
                    super().__init__(*args, request=request, **kw)

            return RequestForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("meeting", "application")
        return super().get_fields(request, obj)

    def has_change_permission(self, request, obj=None):
        # An existing case changes only through the services (agenda, votes, closing).
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        case = board_services.case_add(
            form.cleaned_data["meeting"], form.cleaned_data["application"], request.user
        )
        _adopt(obj, case)

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:applications_boardmeeting_agenda", args=[obj.meeting_id]))

    @admin.display(description=_("for"), ordering="votes_for")
    def votes_for(self, case):
        return case.votes_for

    @admin.display(description=_("mot"), ordering="votes_against")
    def votes_against(self, case):
        return case.votes_against

    @admin.display(description=_("avstår"), ordering="votes_abstain")
    def votes_abstain(self, case):
        return case.votes_abstain

    @admin.display(description=_("behandling"))
    def case_link(self, case):
        return format_html(
            '<a class="button" href="{}">{}</a>', self._view_url("vote", case), gettext("Åpne saken")
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/votering/", view(self.case_view), name="applications_boardcase_vote"),
            path("<path:object_id>/avslutt/", view(self.close_view), name="applications_boardcase_close"),
            path("<path:object_id>/status/", view(self.status_view), name="applications_boardcase_status"),
            *super().get_urls(),
        ]

    def _case_state(self, request, case):
        """Everything the case page shows about the vote, computed once."""
        statuses = board_services.seat_statuses(case)
        quorum = board_services.case_quorum(case, statuses)
        tally = board_services.case_tally(case, statuses)
        programme = case.meeting.programme
        seat = board_services.board_seat(request.user, programme)
        my_vote = Vote.objects.filter(case=case, member=seat).first() if seat else None
        my_conflict = ConflictDeclaration.objects.filter(case=case, member=seat).first() if seat else None
        votes = {vote.member_id: vote for vote in case.votes.all()}
        closed = case.state == BoardCase.State.CLOSED
        may_run = board_services.may_run_meeting(request.user, programme)
        candidates = board_services.case_deputy_candidates(case, statuses) if may_run else {}
        presiding = board_services.case_presiding(case, statuses)
        chair_leads = board_services.chair_leads(statuses)
        chair_status = next(
            (status for status in statuses if status.seat.role == BoardMembership.Role.CHAIR), None
        )
        rows = []
        for status in statuses:
            voter = status.voter
            vote = votes.get(voter.pk) if voter else None
            rows.append(
                {
                    "seat": status.seat,
                    "voter": voter,
                    "deputy": voter is not None and voter.pk != status.seat.pk,
                    "case_stand_in": status.case_stand_in,
                    "recused_holder": status.recused_holder,
                    "presiding": presiding is not None and voter is not None and voter.pk == presiding.pk,
                    "deputy_candidates": candidates.get(status.seat.pk, []),
                    "recused": status.recused,
                    "voted": vote is not None,
                    # How each voted is shown once the case is decided; until then only who has voted.
                    "choice": vote.get_choice_display() if (vote and closed) else "",
                    "choice_value": vote.choice if (vote and closed) else "",
                }
            )
        return {
            "quorum": quorum,
            "tally": tally,
            "seat_rows": rows,
            "seat": seat,
            "my_vote": my_vote,
            "my_conflict": my_conflict,
            "vote_refusal": board_services.vote_refusal(case, request.user),
            "close_refusal": board_services.close_refusal(case, request.user, statuses),
            "presiding": presiding,
            "chair_leads": chair_leads,
            "chair_recused": chair_status is not None
            and chair_status.recused_holder is not None
            and chair_status.recused_holder.pk == chair_status.seat.pk,
            "is_presiding": presiding is not None and presiding.user_id == request.user.pk,
            "presiding_candidates": (
                board_services.case_presiding_candidates(case, statuses)
                if may_run and not chair_leads
                else []
            ),
            "may_run": may_run,
        }

    def case_view(self, request, object_id):
        case = self._scoped_object(request, object_id)
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "vote":
                self._call(
                    request,
                    board_services.vote_cast,
                    case,
                    request.user,
                    request.POST.get("choice"),
                    success=gettext("Stemmen din er registrert."),
                )
            elif action == "conflict":
                self._call(
                    request,
                    board_services.conflict_declare,
                    case,
                    request.user,
                    request.POST.get("reason"),
                    success=gettext("Du er registrert som inhabil i saken."),
                )
            elif action == "open":
                self._call(
                    request,
                    board_services.case_open,
                    case,
                    request.user,
                    success=gettext("Saken er åpnet for votering."),
                )
            elif action in ("step_in", "step_out"):
                self._stand_in_post(request, case, action)
            elif action == "presiding":
                self._presiding_post(request, case)
            else:
                messages.error(request, gettext("Ukjent handling."))
            return HttpResponseRedirect(request.path)

        application = case.application
        assessment = (
            Assessment.objects.filter(application=application).prefetch_related("scores__criterion").first()
        )
        decision = Decision.objects.filter(case=case).first()
        history = board_services.organisation_grant_history(application)
        return self._page(
            request,
            "admin/applications/boardcase/case.html",
            gettext("Sak %(number)d: %(title)s") % {"number": case.number, "title": application.title},
            case,
            case=case,
            meeting=case.meeting,
            application=application,
            assessment=assessment,
            decision=decision,
            decision_amount=format_nok(decision.amount) if decision else "",
            letters=decision.letters.all() if decision else [],
            **(_correction_context(request.user, decision) if decision else {}),
            proposed_amount=format_nok(case.proposed_amount),
            applied_amount=format_nok(
                FinancingLine.objects.filter(
                    application=application, kind=FinancingLine.Kind.PROGRAMME
                ).aggregate(total=Sum("amount"))["total"]
                or 0
            ),
            total_cost=format_nok(
                CostLine.objects.filter(application=application).aggregate(total=Sum("amount"))["total"] or 0
            ),
            history=history,
            decision_warnings=board_services.case_warnings(case, history=history),
            de_minimis_total=format_nok(history.de_minimis_total),
            # As text: with USE_THOUSAND_SEPARATOR the template would print a year as "2 026".
            de_minimis_first=str(history.de_minimis_years[0]),
            de_minimis_last=str(history.de_minimis_years[1]),
            meeting_date=long_date(case.meeting.starts_at),
            choices=Vote.Choice.choices,
            **self._case_state(request, case),
        )

    def _stand_in_post(self, request, case, action):
        """A deputy takes (or leaves) a recused member's seat in this case; whoever runs the meeting
        and registers attendance decides it."""
        programme = case.meeting.programme
        if not board_services.may_run_meeting(request.user, programme):
            raise PermissionDenied
        seats = BoardMembership.objects.filter(programme=programme).select_related("user", "deputy_for__user")
        deputy = seats.filter(pk=request.POST.get("deputy") or None).first()
        if deputy is None:
            messages.error(request, gettext("Velg et varamedlem."))
        elif action == "step_out":
            self._call(
                request,
                board_services.case_deputy_step_out,
                case,
                request.user,
                deputy,
                success=gettext("%(deputy)s trer ikke lenger inn i saken.") % {"deputy": deputy.user},
            )
        else:
            member = seats.filter(pk=request.POST.get("stands_in_for") or None).first()
            if member is None:
                messages.error(request, gettext("Velg styremedlemmet varamedlemmet skal tre inn for."))
                return
            self._call(
                request,
                board_services.case_deputy_step_in,
                case,
                request.user,
                deputy,
                member,
                success=gettext("%(deputy)s trer inn for %(member)s i denne saken.")
                % {"deputy": deputy.user, "member": member.user},
            )

    def _presiding_post(self, request, case):
        """Register whom the board chose to lead the case when the chair cannot."""
        programme = case.meeting.programme
        if not board_services.may_run_meeting(request.user, programme):
            raise PermissionDenied
        member = (
            BoardMembership.objects.filter(programme=programme, pk=request.POST.get("member") or None)
            .select_related("user")
            .first()
        )
        if member is None:
            messages.error(request, gettext("Velg hvem som leder saken."))
            return
        self._call(
            request,
            board_services.case_presiding_set,
            case,
            request.user,
            member,
            success=gettext("%(name)s leder saken som møteleder.") % {"name": member.user},
        )

    def close_view(self, request, object_id):
        case = self._scoped_object(request, object_id)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                decision = board_services.case_close(case, request.user)
            except ServiceError as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(self._view_url("vote", case))
            if decision is None:
                messages.warning(
                    request,
                    gettext(
                        "Innstillingen ble ikke vedtatt; søknaden er sendt tilbake til administrasjonen."
                    ),
                )
            else:
                messages.success(
                    request,
                    gettext("Saken er avgjort: %(outcome)s.")
                    % {"outcome": decision.get_outcome_display().lower()},
                )
            return HttpResponseRedirect(self._view_url("vote", case))
        state = self._case_state(request, case)
        if state["close_refusal"]:
            messages.error(request, state["close_refusal"])
            return HttpResponseRedirect(self._view_url("vote", case))
        tally = state["tally"]
        casting = tally.votes_for == tally.votes_against
        adopted = (
            tally.presiding_choice == Vote.Choice.FOR if casting else tally.votes_for > tally.votes_against
        )
        return self._page(
            request,
            "admin/applications/boardcase/close_confirm.html",
            gettext("Avslutt sak %(number)d") % {"number": case.number},
            case,
            case=case,
            adopted=adopted,
            casting=casting,
            proposed_amount=format_nok(case.proposed_amount),
            decision_warnings=board_services.case_warnings(case) if adopted else [],
            **state,
        )

    def status_view(self, request, object_id):
        """The live tally the case page polls."""
        case = self._scoped_object(request, object_id)
        statuses = board_services.seat_statuses(case)
        quorum = board_services.case_quorum(case, statuses)
        tally = board_services.case_tally(case, statuses)
        return JsonResponse(
            {
                "state": case.state,
                "for": tally.votes_for,
                "against": tally.votes_against,
                "abstain": tally.votes_abstain,
                "not_voted": len(tally.not_voted),
                "quorum_met": quorum.met,
                "quorum_text": quorum.explanation,
                "voted": sorted(voter["name"] for voter in tally.voters),
            }
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


def _may_correct(user, decision):
    """The programme's leader (or other staff holding the right to record decisions) corrects a
    decision; the board and observers only read it."""
    return user.has_perm("applications.add_decision") and board_services.is_programme_staff(
        user, decision.application.programme
    )


def _correction_of(decision):
    """The decision in force after every correction of ``decision``, or None if it was never corrected."""
    latest = None
    current = Decision.objects.filter(corrects=decision).first()
    while current is not None:
        latest = current
        current = Decision.objects.filter(corrects=current).first()
    return latest


def _correction_context(user, decision):
    """What the decision's own page and its case page say about correcting it."""
    correction = _correction_of(decision)
    may_correct = correction is None and _may_correct(user, decision)
    refusal = board_services.correction_refusal(decision) if may_correct else None
    return {
        "correction": correction,
        "correction_amount": format_nok(correction.amount) if correction else "",
        "correction_date": long_date(correction.decided_at) if correction else "",
        "may_correct": may_correct and refusal is None,
        "correction_refusal": refusal,
    }


class DecisionCorrectionForm(forms.Form):
    """The corrected terms of an approving decision, for ``decision_correct``."""

    amount = forms.DecimalField(label=_("Rettet beløp (kr)"), min_value=1, decimal_places=0, max_digits=14)
    conditions = forms.CharField(
        label=_("Rettede vilkår"), required=False, widget=forms.Textarea(attrs={"rows": 5, "cols": 34})
    )
    reason = forms.CharField(
        label=_("Hvorfor vedtaket rettes"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        error_messages={"required": _("Skriv hvorfor vedtaket rettes.")},
        help_text=_("Begrunnelsen står i det nye tilsagnsbrevet og i revisjonsloggen."),
    )
    confirm = forms.BooleanField(
        label=_("Jeg har kontrollert beløpet og vilkårene i det rettede vedtaket."),
        error_messages={"required": _("Bekreft at du har kontrollert det rettede vedtaket.")},
    )

    def clean_conditions(self):
        # Browsers send CRLF line breaks; the decision keeps the text with plain newlines.
        return self.cleaned_data["conditions"].replace("\r\n", "\n")


@admin.register(Decision)
class DecisionAdmin(ServicePagesMixin, ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """A vedtak is recorded once, by ``decision_record`` when the chair closes a case (quorum, tally,
    casting vote), and never edited or deleted here; a correction is a new decision, made by the
    programme leader on the correction page (``decision_correct``)."""

    change_form_template = "admin/applications/decision/change_form.html"
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
    readonly_fields = ("voters_display", "recused_display")
    # The JSON the decision keeps of who voted is shown as the list it stands for, where it stood.
    shown_as = {"voters": "voters_display", "recused": "recused_display"}

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [self.shown_as.get(name, name) for name in fields if name not in self.shown_as.values()]

    @admin.display(description=_("stemte"))
    def voters_display(self, decision):
        if not decision.voters:
            return self.get_empty_value_display()
        rows = []
        for voter in decision.voters:
            who = voter.get("role", "")
            if voter.get("stands_in_for"):
                who = gettext("%(role)s, møter for %(name)s") % {"role": who, "name": voter["stands_in_for"]}
            choice = voter.get("choice", "")
            label = Vote.Choice(choice).label if choice in Vote.Choice.values else choice
            rows.append((voter.get("name", ""), who, label))
        casting = ""
        if decision.casting_vote_used:
            # A decision recorded before the møteleder was kept (or imported) names nobody.
            casting = format_html(
                "<p>{}</p>",
                gettext("Stemmelikhet: dobbeltstemmen til møteleder %(name)s avgjorde.")
                % {"name": decision.presided_by}
                if decision.presided_by
                else gettext("Stemmelikhet: styreleders dobbeltstemme avgjorde."),
            )
        return format_html(
            '<table class="decision-voters"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>{}',
            gettext("Navn"),
            gettext("Rolle"),
            gettext("Stemme"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
            casting,
        )

    @admin.display(description=_("inhabile"))
    def recused_display(self, decision):
        if not decision.recused:
            return gettext("Ingen")
        rows = ((person.get("name", ""), person.get("reason", "")) for person in decision.recused)
        return format_html(
            '<table class="decision-recused"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            "</tr></thead><tbody>{}</tbody></table>",
            gettext("Navn"),
            gettext("Begrunnelse for inhabilitet"),
            format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/rett/",
                self.admin_site.admin_view(self.correct_view),
                name="applications_decision_correct",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        decision = self.get_object(request, object_id)
        if decision is not None:
            extra_context = {
                **(extra_context or {}),
                **_correction_context(request.user, decision),
                "corrects_date": long_date(decision.corrects.decided_at) if decision.corrects else "",
                "corrects_amount": format_nok(decision.corrects.amount) if decision.corrects else "",
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def correct_view(self, request, object_id):
        decision = self._scoped_object(request, object_id)
        if not _may_correct(request.user, decision):
            raise PermissionDenied
        form = DecisionCorrectionForm(
            request.POST if request.method == "POST" else None,
            initial={"amount": decision.amount, "conditions": decision.conditions},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                correction = board_services.decision_correct(
                    decision,
                    request.user,
                    amount=data["amount"],
                    conditions=data["conditions"],
                    reason=data["reason"],
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    gettext(
                        "Vedtaket er rettet. Søkeren får et nytt tilbud om tilsagn på %(amount)s kr "
                        "og det nye tilsagnsbrevet på e-post."
                    )
                    % {"amount": format_nok(correction.amount)},
                )
                return HttpResponseRedirect(
                    reverse("admin:applications_decision_change", args=[correction.pk])
                )
        application = decision.application
        grant = Grant.objects.filter(decision=decision).first()
        deadline = grant.acceptance_deadline if grant else None
        return self._page(
            request,
            "admin/applications/decision/correct.html",
            gettext("Rett vedtaket om %(reference)s") % {"reference": application.reference},
            decision,
            decision=decision,
            application=application,
            form=form,
            grant=grant,
            grant_deadline=long_date(deadline) if deadline else "",
            grant_accepted=grant is not None and grant.state in (Grant.State.ACCEPTED, Grant.State.ACTIVE),
            decided_on=long_date(decision.decided_at),
            meeting_date=long_date(decision.case.meeting.starts_at) if decision.case else "",
            old_amount=format_nok(decision.amount),
            **_correction_context(request.user, decision),
        )


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

    def get_urls(self):
        return [
            path(
                "<path:object_id>/fil/",
                self.admin_site.admin_view(self.download_view),
                name="applications_letter_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        """The PDF itself, to those who may see the letter (the files have no public URL)."""
        letter = self.get_object(request, object_id)
        # The board reads the letters of its decisions from the case page without holding
        # permission on the Letter list itself; the programme scope applies either way.
        if letter is None or not (
            self.has_view_permission(request, letter) or request.user.has_perm("applications.view_decision")
        ):
            raise Http404
        return FileResponse(
            letter.file.open("rb"), content_type="application/pdf", filename=f"{letter.kind}-{letter.pk}.pdf"
        )

    def scope_queryset(self, queryset, request):
        if request.user.is_superuser:
            return queryset
        # A letter belongs to its decision's programme; the minutes to their meeting's.
        programme_ids = programme_ids_for(request)
        return queryset.filter(
            Q(decision__application__programme__in=programme_ids) | Q(meeting__programme__in=programme_ids)
        )
