from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, OuterRef, Q, Subquery, Sum
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omstilling.admin_mixins import (
    InlineQueriesMixin,
    ProgrammeScopedAdmin,
    ProgrammeScopedChoicesMixin,
    ReadOnlyAdminMixin,
    money_annotation,
    money_column,
    related_column,
)
from omstilling.exceptions import ServiceError
from omstilling.formatting import format_nok
from omstilling.policies import Refused, as_permission_denied

from . import (
    admin_journal,  # noqa: F401  (registers the public journal)
    admin_organisations,  # noqa: F401  (registers organisations and memberships)
    selectors,
)
from .admin_case import CaseExchangeAdminMixin
from .admin_pages import ServicePagesMixin, VisibleApplicationsMixin
from .board import admin as board_admin  # noqa: F401  (registers the board's pages)
from .board.letters import letters_for_application
from .board.money import grant_side
from .models import (
    Application,
    ApplicationSnapshot,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    Attachment,
    CostLine,
    FinancingLine,
    Organisation,
)
from .policies import can_handle_case, can_resend_receipt, can_send_to_board, receipt_resend_refusal
from .services import application_review_start, application_send_to_board
from .services.assessment import assessment_submit, assessment_submit_and_send
from .services.receipts import receipt_resend
from .views.common import add_service_error, private_download


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
    """Attachments arrive through the applicant portal (checked and hashed there); here they are listed,
    each with a link to the application admin's own download view, which serves the file only to
    those who may read the application here."""

    model = Attachment
    fields = ("download", "kind", "content_type", "size", "sha256", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("filnavn"))
    def download(self, attachment):
        url = reverse(
            "admin:applications_application_attachment", args=[attachment.application_id, attachment.pk]
        )
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")


def _sum_of_lines(model, **filters):
    lines = model.objects.filter(application=OuterRef("pk"), **filters).order_by()
    return Subquery(lines.values("application").annotate(total=Sum("amount")).values("total"))


class WorklistFilter(admin.SimpleListFilter):
    """The applications the programme leader's worklist counts; its links open this filter."""

    title = _("arbeidsliste")
    parameter_name = "arbeidsliste"

    def lookups(self, request, model_admin):
        return (
            ("to_assess", _("Til vurdering")),
            ("bounced", _("Kvittering kom ikke fram")),
        )

    def queryset(self, request, queryset):
        condition = selectors.APPLICATION_WORKLIST.get(self.value())
        return queryset if condition is None else queryset.filter(condition)


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
class ApplicationAdmin(
    VisibleApplicationsMixin, CaseExchangeAdminMixin, ServicePagesMixin, ProgrammeScopedAdmin
):
    """Applications. Once submitted an application is frozen and shown read-only; its state changes
    only through the case-handling services, never by editing the field.
    """

    application_path = None

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
        WorklistFilter,
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
                service(application, actor=request.user)
            except Refused as exc:
                raise as_permission_denied(exc) from exc
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
            path(
                "<path:object_id>/vedlegg/<int:attachment_pk>/",
                view(self.attachment_view),
                name="applications_application_attachment",
            ),
            *self.case_exchange_urls(),
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
        history = grant_side().history(application)
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
            "can_assess": can_handle_case(request.user, application) is None
            and application.state in (Application.State.SUBMITTED, Application.State.IN_REVIEW),
            "can_send_to_board": can_send_to_board(request.user, application) is None
            and application.state == Application.State.IN_REVIEW
            and assessment is not None
            and assessment.submitted_at is not None,
            "can_resend_receipt": application.receipt_undeliverable_at is not None
            and self._may_resend_receipt(request, application),
        }

    def _may_resend_receipt(self, request, application):
        # The application's change permission alone does not do: it is off once the application is
        # submitted, and the board may read the application but not act for the programme.
        return (
            request.user.has_perm("applications.change_application")
            and can_resend_receipt(request.user, application) is None
        )

    def assessment_view(self, request, object_id):
        application = self._scoped_object(request, object_id)
        # The page is the service's door: one the service would refuse is refused here, with its reason.
        refusal = can_handle_case(request.user, application)
        if refusal:
            raise PermissionDenied(refusal)
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
                submit = assessment_submit_and_send if data["send_to_board"] else assessment_submit
                submit(
                    application,
                    actor=request.user,
                    scores={
                        criterion.pk: (data[f"score_{criterion.pk}"], data[f"comment_{criterion.pk}"])
                        for criterion in form.criteria
                    },
                    recommendation=data["recommendation"],
                    proposed_amount=data["proposed_amount"] or 0,
                    conditions=data["conditions"],
                    reasoning=data["reasoning"],
                )
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

    def attachment_view(self, request, object_id, attachment_pk):
        """An attachment of an application the user may read here: for the board, one on the agenda
        of its meetings, as submitted (attachments cannot change after the submission), or sent later
        with an answer or an appeal."""
        application = self._scoped_object(request, object_id)
        attachments = application.attachments.all()
        snapshot = ApplicationSnapshot.objects.filter(application=application).first()
        if snapshot is not None:
            # A submitted application is read as submitted: the files its frozen copy lists.
            # Plus the documents sent later in answer to a request for more information, each
            # frozen with its answer, and those sent with an appeal (klage), stored as it is lodged.
            attachments = attachments.filter(
                Q(pk__in=[row["id"] for row in snapshot.data.get("attachments", [])])
                | Q(supplement__answered_at__isnull=False)
                | Q(appeal__isnull=False)
            )
        attachment = get_object_or_404(attachments, pk=attachment_pk)
        return private_download(attachment.file, attachment.original_name, attachment.content_type)

    def send_to_board_view(self, request, object_id):
        application = self._scoped_object(request, object_id)
        if request.method != "POST":
            raise PermissionDenied
        self._call(
            request,
            application_send_to_board,
            application,
            actor=request.user,
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
class ApplicationSnapshotAdmin(VisibleApplicationsMixin, ReadOnlyAdminMixin, ProgrammeScopedAdmin):
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
class AssessmentAdmin(VisibleApplicationsMixin, ReadOnlyAdminMixin, ProgrammeScopedAdmin):
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
