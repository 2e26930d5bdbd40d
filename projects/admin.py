from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery, Sum
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.views.common import add_service_error
from omstilling.admin_mixins import (
    InlineQueriesMixin,
    ProgrammeScopedAdmin,
    ReadOnlyAdminMixin,
    ScopedPagesMixin,
    money_annotation,
    money_column,
    plain_column,
    related_column,
)
from omstilling.exceptions import ServiceError
from omstilling.formatting import format_nok, long_date
from omstilling.models import Programme
from omstilling.roles import programmes_for_staff

from . import services
from .models import (
    DeadlineExtension,
    Grant,
    GrantReminder,
    Payout,
    PayoutAttachment,
    ResultFunding,
    ResultReport,
)
from .policies import can_manage_grant
from .selectors import (
    accounts_rule,
    budget_ledger,
    budget_ledger_grants,
    deadline_overdue,
    grant_position,
    has_open_deadline_extension,
    payout_request_limit,
)
from .services.deadlines import deadline_extension_decide
from .worklist import ACCEPTANCE_LAPSING, REPORT_DUE, REPORT_OVERDUE, grant_worklist_q

grant_year = plain_column(Grant, "year")


class ReduceForm(forms.Form):
    new_amount = forms.DecimalField(
        label=_("Nytt tilsagnsbeløp (kr)"), min_value=1, decimal_places=0, max_digits=14
    )
    reason = forms.CharField(
        label=_("Begrunnelse"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Tilsagnsmottakeren får begrunnelsen på e-post, og den føres i revisjonsloggen."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Begrunnelse"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Tilsagnsmottakeren får begrunnelsen på e-post, og den føres i revisjonsloggen."),
    )


class DecisionNoteForm(forms.Form):
    note = forms.CharField(
        label=_("Svar til tilsagnsmottakeren"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Sendes på e-post og føres i revisjonsloggen. Påkrevd ved avslag."),
    )


class WorklistFilter(admin.SimpleListFilter):
    """The grants the programme leader's worklist counts: final report due within 60 days or
    overdue, and offers about to lapse. The worklist links here, so a count and its list agree."""

    title = _("frister")
    parameter_name = "frist"

    def lookups(self, request, model_admin):
        return (
            (REPORT_DUE, _("Sluttrapport innen 60 dager")),
            (REPORT_OVERDUE, _("Fristen for sluttrapport er ute")),
            (ACCEPTANCE_LAPSING, _("Aksept-frist innen 14 dager")),
        )

    def queryset(self, request, queryset):
        if self.value() in (REPORT_DUE, REPORT_OVERDUE, ACCEPTANCE_LAPSING):
            return queryset.filter(grant_worklist_q(self.value()))
        return queryset


class PaidForm(forms.Form):
    paid_on = forms.DateField(
        label=_("Utbetalt dato"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Datoen pengene gikk fra programmets konto."),
    )


class MoneyPagesMixin(ScopedPagesMixin):
    """Confirmation pages for the grant and payout services, in the way of the board's case pages.

    The object is looked up through the admin's programme-scoped queryset, so another programme's
    grant is a 404; acting needs the model's change permission and the services' policy
    (:func:`projects.policies.can_manage_grant`: the programme's staff), the permission-denied page
    otherwise. The form fields stay read-only: money moves only through the services, after a
    confirmation.
    """

    def has_change_permission(self, request, obj=None):
        return False

    def may_act(self, request, obj):
        opts = self.model._meta
        return (
            request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
            and can_manage_grant(request.user, obj) is None
        )

    def _scoped_object(self, request, object_id):
        obj = super()._scoped_object(request, object_id)
        opts = self.model._meta
        if not request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            raise PermissionDenied
        refusal = can_manage_grant(request.user, obj)
        if refusal:
            raise PermissionDenied(refusal)
        return obj

    def _change_url(self, obj):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def _page(self, request, template, title, obj, **context):
        return super()._page(request, template, title, obj, change_url=self._change_url(obj), **context)

    def _run(self, request, form, obj, service, *, success, **arguments):
        """Call ``service`` on ``obj`` as the requesting user; on success redirect to the object's
        page, otherwise show the refusal on the form (a policy's refusal is the permission-denied
        page). Returns the redirect, or None to render the form again."""
        try:
            service(obj, actor=request.user, **arguments)
        except ServiceError as exc:
            add_service_error(form, exc)
            return None
        messages.success(request, success)
        return HttpResponseRedirect(self._change_url(obj))


def _posted(request):
    return request.POST if request.method == "POST" else None


def _grant_figures(grant):
    position = grant_position(grant)
    return {
        "position": position,
        "amount": format_nok(grant.amount),
        "effective": format_nok(position.effective),
        "released": format_nok(grant.released_amount),
        "paid": format_nok(position.paid),
        "approved_unpaid": format_nok(position.approved_unpaid),
        "committed": format_nok(position.committed),
        "requested": format_nok(position.requested),
        "remaining": format_nok(position.remaining),
        "held_back": format_nok(position.held_back),
        "partial_limit": format_nok(position.partial_limit),
    }


class DeadlineExtensionInline(InlineQueriesMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = DeadlineExtension
    inline_select_related = ("grant",)
    fields = (
        "requested_at",
        "current_deadline",
        "requested_deadline",
        "reason",
        "state",
        "decided_at",
        "decision_note",
    )
    readonly_fields = fields
    show_change_link = True
    extra = 0


class GrantReminderInline(InlineQueriesMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = GrantReminder
    inline_select_related = ("grant",)
    fields = ("kind", "deadline", "created_at")
    readonly_fields = fields
    extra = 0


class PayoutInline(InlineQueriesMixin, ReadOnlyAdminMixin, admin.TabularInline):
    model = Payout
    inline_select_related = ("grant",)
    fields = ("number", "kind", "state", "amount", "requested_at", "approved_at", "paid_at")
    readonly_fields = fields
    show_change_link = True
    extra = 0


def _status_years(programme):
    """The years of the programme's status period (omstillingsstatus), when both ends are known."""
    start, end = programme.status_start_year, programme.status_end_year
    return range(start, end + 1) if start and end and start <= end else ()


@admin.register(Grant)
class GrantAdmin(MoneyPagesMixin, ProgrammeScopedAdmin):
    """Tilsagn. A grant is created from a decision and moves through its states only through the
    grant services, so there is no add form and every field is read-only here; reducing and
    cancelling are buttons leading to a confirmation page with the reason.
    """

    change_form_template = "admin/projects/grant/change_form.html"
    change_list_template = "admin/projects/grant/change_list.html"

    programme_path = "application__programme"
    str_select_related = ("application",)
    list_display = (
        "reference",
        "application",
        # The organisation holds the grant now: it applied, but on a grant it is the recipient.
        related_column(Grant, "application__organisation", _("tilsagnsmottaker")),
        grant_year,
        money_column(Grant, "amount"),
        money_annotation("committed_payouts", _("godkjent til utbetaling (kr)")),
        money_column(Grant, "released_amount"),
        "state",
        "acceptance_deadline",
        "final_report_deadline",
        "accepted_at",
    )
    list_select_related = ("application__organisation",)
    list_filter = ("state", WorklistFilter, "year", "application__programme", "is_de_minimis")
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
        "project_start",
        "project_end",
        "final_report_deadline",
        "state",
        "accepted_at",
        "accepted_by",
        "completed_at",
        "cancelled_at",
        "cancel_reason",
        "created_at",
    )
    readonly_fields = fields
    inlines = (PayoutInline, DeadlineExtensionInline, GrantReminderInline)

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

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("budsjett/", view(self.ledger_view), name="projects_grant_ledger"),
            path("<path:object_id>/reduser/", view(self.reduce_view), name="projects_grant_reduce"),
            path("<path:object_id>/annuller/", view(self.cancel_view), name="projects_grant_cancel"),
            path(
                "<path:object_id>/avslutt-etter-frist/",
                view(self.close_overdue_view),
                name="projects_grant_close_overdue",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        grant = self.get_object(request, object_id)
        if grant is not None:
            extra_context = {
                **(extra_context or {}),
                **_grant_figures(grant),
                "may_act": self.may_act(request, grant) and grant.state in Grant.ACTIVE_STATES,
                "may_close_overdue": self.may_act(request, grant) and deadline_overdue(grant),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def reduce_view(self, request, object_id):
        grant = self._scoped_object(request, object_id)
        form = ReduceForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            done = self._run(
                request,
                form,
                grant,
                services.grant_reduce,
                new_amount=data["new_amount"],
                reason=data["reason"],
                success=gettext("Tilsagnet er redusert til %(amount)s kr.")
                % {"amount": format_nok(data["new_amount"])},
            )
            if done is not None:
                return done
        return self._page(
            request,
            "admin/projects/grant/reduce.html",
            gettext("Reduser tilsagn %(reference)s") % {"reference": grant.reference},
            grant,
            grant=grant,
            form=form,
            **_grant_figures(grant),
        )

    def _reason_view(self, request, object_id, *, service, template, title, success, context=None):
        """A confirmation page with a required reason that runs ``service`` on the grant when posted."""
        grant = self._scoped_object(request, object_id)
        form = ReasonForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            done = self._run(
                request, form, grant, service, reason=form.cleaned_data["reason"], success=success
            )
            if done is not None:
                return done
        return self._page(
            request,
            template,
            title % {"reference": grant.reference},
            grant,
            grant=grant,
            form=form,
            **(context(grant) if context else {}),
            **_grant_figures(grant),
        )

    def cancel_view(self, request, object_id):
        return self._reason_view(
            request,
            object_id,
            service=services.grant_cancel,
            template="admin/projects/grant/cancel.html",
            title=gettext("Annuller tilsagn %(reference)s"),
            success=gettext("Tilsagnet er annullert."),
        )

    def close_overdue_view(self, request, object_id):
        return self._reason_view(
            request,
            object_id,
            service=services.grant_close_overdue,
            template="admin/projects/grant/close_overdue.html",
            title=gettext("Avslutt tilsagn %(reference)s etter fristen"),
            success=gettext("Tilsagnet er avsluttet etter fristen."),
            context=lambda grant: {
                "deadline": long_date(grant.final_report_deadline) if grant.final_report_deadline else "",
                "overdue": deadline_overdue(grant),
                "open_extension": has_open_deadline_extension(grant),
            },
        )

    def ledger_view(self, request):
        """The budget ledger of one programme and year: what came in, was granted, released and paid."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        allowed = Programme.objects.all() if request.user.is_superuser else programmes_for_staff(request.user)
        allowed = list(allowed.order_by("name"))
        if not allowed:
            raise PermissionDenied
        programme = allowed[0]
        if request.GET.get("programme"):
            programme = next((p for p in allowed if str(p.pk) == request.GET["programme"]), None)
            if programme is None:
                raise Http404
        this_year = timezone.localdate().year
        try:
            year = int(request.GET.get("year") or this_year)
        except ValueError:
            raise Http404 from None
        if not 1900 <= year <= 2200:
            raise Http404
        ledger = budget_ledger(programme, year)
        lines = budget_ledger_grants(programme, year)
        kr = format_nok
        return TemplateResponse(
            request,
            "admin/projects/grant/ledger.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Budsjettregnskap %(programme)s %(year)s")
                % {"programme": programme.name, "year": str(year)},
                "programme": programme,
                "programmes": allowed,
                "year": str(year),
                # The programme's years, any year with records, this year and the one asked for.
                "years": [
                    str(y) for y in sorted({*ledger.years, *_status_years(programme), this_year, year})
                ],
                "ledger": ledger,
                "funding": [(row.source, row.kind, kr(row.amount)) for row in ledger.funding],
                "figures": {
                    "brought_forward": kr(ledger.brought_forward),
                    "funding_in": kr(ledger.funding_in),
                    "granted": kr(ledger.granted),
                    "released_cancelled": kr(ledger.released_cancelled),
                    "released_lapsed": kr(ledger.released_lapsed),
                    "released_other": kr(ledger.released_other),
                    "released": kr(ledger.released),
                    "available": kr(ledger.available),
                    "paid": kr(ledger.paid),
                    "paid_historical": kr(ledger.paid_historical),
                    "approved_unpaid": kr(ledger.approved_unpaid),
                    "outstanding": kr(ledger.outstanding),
                },
                "lines": [
                    {
                        "grant": line.grant,
                        "url": reverse("admin:projects_grant_change", args=[line.grant.pk]),
                        "granted": kr(line.granted),
                        "released": kr(line.released),
                        "paid": kr(line.paid),
                        "approved_unpaid": kr(line.approved_unpaid),
                        "outstanding": kr(line.outstanding),
                        "historical": line.historical,
                    }
                    for line in lines
                ],
            },
        )


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(MoneyPagesMixin, ProgrammeScopedAdmin):
    """Søknader om lengre frist. The grant holder asks in the portal; the programme grants or refuses
    on a confirmation page (``deadline_extension_decide``), which moves the grant's deadline."""

    change_form_template = "admin/projects/deadlineextension/change_form.html"

    programme_path = "grant__application__programme"
    str_select_related = ("grant",)
    list_display = (
        "grant",
        "current_deadline",
        "requested_deadline",
        "state",
        "requested_at",
        "requested_by",
        "decided_at",
    )
    list_select_related = ("grant__application", "requested_by")
    list_filter = ("state", "grant__application__programme")
    search_fields = (
        "grant__reference",
        "grant__application__title",
        "grant__application__organisation__name",
    )
    readonly_fields = (
        "grant",
        "current_deadline",
        "requested_deadline",
        "reason",
        "state",
        "requested_at",
        "requested_by",
        "decided_at",
        "decided_by",
        "decision_note",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/innvilg/",
                view(self.grant_view),
                name="projects_deadlineextension_grant",
            ),
            path(
                "<path:object_id>/avslaa/", view(self.refuse_view), name="projects_deadlineextension_refuse"
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extension = self.get_object(request, object_id)
        if extension is not None:
            extra_context = {
                **(extra_context or {}),
                "may_act": self.may_act(request, extension)
                and extension.state == DeadlineExtension.State.REQUESTED,
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def _decide(self, request, object_id, *, granted):
        extension = self._scoped_object(request, object_id)
        form = DecisionNoteForm(_posted(request))
        if not granted:
            form.fields["note"].required = True
            form.fields["note"].label = _("Begrunnelse for avslaget")
        if request.method == "POST" and form.is_valid():
            if granted:
                success = gettext("Ny frist %(date)s er innvilget.") % {
                    "date": long_date(extension.requested_deadline)
                }
            else:
                success = gettext("Søknaden om lengre frist er avslått.")
            done = self._run(
                request,
                form,
                extension,
                deadline_extension_decide,
                granted=granted,
                note=form.cleaned_data["note"],
                success=success,
            )
            if done is not None:
                return done
        title = (
            gettext("Innvilg lengre frist for %(reference)s")
            if granted
            else gettext("Avslå lengre frist for %(reference)s")
        )
        return self._page(
            request,
            "admin/projects/deadlineextension/decide.html",
            title % {"reference": extension.grant.reference},
            extension,
            extension=extension,
            grant=extension.grant,
            granted=granted,
            form=form,
            current=long_date(extension.current_deadline),
            requested=long_date(extension.requested_deadline),
        )

    def grant_view(self, request, object_id):
        return self._decide(request, object_id, granted=True)

    def refuse_view(self, request, object_id):
        return self._decide(request, object_id, granted=False)


class PayoutAttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PayoutAttachment
    fields = ("kind", "original_name", "content_type", "size", "sha256", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(Payout)
class PayoutAdmin(MoneyPagesMixin, ProgrammeScopedAdmin):
    """Utbetalinger. A payout is requested, approved and paid only through the payout services,
    which lock the grant so that the payouts never exceed it; the admin shows them read-only, with
    buttons to approve, reject and mark as paid that lead to a confirmation page.
    """

    change_form_template = "admin/projects/payout/change_form.html"

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

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/godkjenn/", view(self.approve_view), name="projects_payout_approve"),
            path("<path:object_id>/avvis/", view(self.reject_view), name="projects_payout_reject"),
            path("<path:object_id>/utbetalt/", view(self.paid_view), name="projects_payout_paid"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payout = self.get_object(request, object_id)
        if payout is not None:
            extra_context = {**(extra_context or {}), "may_act": self.may_act(request, payout)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _payout_page(self, request, template, title, payout, **context):
        grant = payout.grant
        rule = accounts_rule(grant)
        attachments = list(payout.attachments.all())
        return self._page(
            request,
            template,
            title % {"number": payout.number, "reference": grant.reference},
            payout,
            payout=payout,
            grant=grant,
            payout_amount=format_nok(payout.amount),
            accumulated_costs=format_nok(payout.accumulated_costs),
            requested_on=long_date(payout.requested_at),
            attachments=attachments,
            accounts_rule=rule,
            accounts_met=rule.met_by(payout.accounts_attestation),
            accounts_attached=any(item.kind == PayoutAttachment.Kind.ACCOUNTS for item in attachments),
            **_grant_figures(grant),
            **context,
        )

    def approve_view(self, request, object_id):
        payout = self._scoped_object(request, object_id)
        form = forms.Form(_posted(request))
        if request.method == "POST" and form.is_valid():
            done = self._run(
                request,
                form,
                payout,
                services.payout_approve,
                success=gettext("Utbetaling nr. %(number)d er godkjent.") % {"number": payout.number},
            )
            if done is not None:
                return done
        position = grant_position(payout.grant)
        after = position.committed + payout.amount
        # The same figure payout_approve refuses above (and the portal's payout page stated).
        limit = payout_request_limit(payout.grant, payout.kind, committed=position.committed, requested=0)
        return self._payout_page(
            request,
            "admin/projects/payout/approve.html",
            gettext("Godkjenn utbetaling nr. %(number)d på %(reference)s"),
            payout,
            form=form,
            committed_after=format_nok(after),
            approval_limit=format_nok(limit),
            over_limit=payout.amount > limit,
            over_grant=after > position.effective,
            final_without_report=payout.kind == Payout.Kind.FINAL and not position.has_final_report,
        )

    def reject_view(self, request, object_id):
        payout = self._scoped_object(request, object_id)
        form = ReasonForm(_posted(request))
        if request.method == "POST" and form.is_valid():
            done = self._run(
                request,
                form,
                payout,
                services.payout_reject,
                reason=form.cleaned_data["reason"],
                success=gettext("Utbetaling nr. %(number)d er avvist.") % {"number": payout.number},
            )
            if done is not None:
                return done
        return self._payout_page(
            request,
            "admin/projects/payout/reject.html",
            gettext("Avvis utbetaling nr. %(number)d på %(reference)s"),
            payout,
            form=form,
        )

    def paid_view(self, request, object_id):
        payout = self._scoped_object(request, object_id)
        form = PaidForm(_posted(request), initial={"paid_on": timezone.localdate()})
        if request.method == "POST" and form.is_valid():
            paid_on = form.cleaned_data["paid_on"]
            done = self._run(
                request,
                form,
                payout,
                services.payout_mark_paid,
                paid_on=paid_on,
                success=gettext("Utbetaling nr. %(number)d er registrert som utbetalt %(date)s.")
                % {"number": payout.number, "date": long_date(paid_on)},
            )
            if done is not None:
                return done
        return self._payout_page(
            request,
            "admin/projects/payout/paid.html",
            gettext("Registrer utbetaling nr. %(number)d på %(reference)s som utbetalt"),
            payout,
            form=form,
        )


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
