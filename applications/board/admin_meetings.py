"""The board's meetings in the admin: the meeting, its agenda and attendance."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.admin_pages import ServicePagesMixin, adopt
from applications.models import (
    Appeal,
    Application,
    BoardCase,
    BoardMeeting,
    Decision,
)
from applications.policies import may_run_meeting
from omstilling.admin_mixins import (
    ProgrammeScopedAdmin,
    ReadOnlyAdminMixin,
)
from omstilling.exceptions import ServiceError
from omstilling.formatting import format_nok, long_date
from omstilling.models import AnnualPlan, BoardMembership

from . import policies, services
from .letters import original_decision


class BoardCaseInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The meeting's agenda, as a list. Cases are put on it, moved, opened and closed from the
    meeting's agenda page and the case page, through the board services."""

    model = BoardCase
    fields = ("number", "subject", "proposed_amount", "state")
    readonly_fields = fields
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("application", "annual_plan__programme")

    @admin.display(description=_("sak"))
    def subject(self, case):
        """The application, or the year's omstillingsplan the board is asked to adopt."""
        return case.subject_title


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
        meeting = services.meeting_create(
            data["programme"],
            actor=request.user,
            starts_at=data["starts_at"],
            place=data["place"],
            quorum_share=data.get("quorum_share"),
        )
        adopt(obj, meeting)

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
        may_run = may_run_meeting(request.user, programme)
        if request.method == "POST":
            if not may_run:
                raise PermissionDenied
            self._agenda_post(request, meeting)
            return HttpResponseRedirect(request.path)

        cases = list(
            meeting.cases.select_related(
                "application__organisation", "annual_plan__programme", "appeal__decision"
            ).order_by("number")
        )
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
            if policies.case_add_refusal(meeting, application) is None
        ]
        plans, no_plan_reason = self._plans_to_add(meeting) if may_run else ([], "")
        appeals = self._appeals_waiting(meeting) if may_run else []
        return self._page(
            request,
            "admin/applications/boardmeeting/agenda.html",
            gettext("Styremøte %(date)s") % {"date": long_date(meeting.starts_at)},
            meeting,
            meeting=meeting,
            may_run=may_run,
            # Voting opens on the meeting's day: until then the agenda offers no "open" button.
            not_yet=policies.meeting_not_yet_refusal(meeting),
            cases=[
                {
                    "case": case,
                    "amount": format_nok(case.proposed_amount),
                    "upholds": case.appeal_id is not None
                    and case.proposed_amount == case.appeal.decision.amount,
                    "decision": decisions.get(case.pk),
                    "decision_amount": format_nok(decisions[case.pk].amount) if case.pk in decisions else "",
                }
                for case in cases
            ],
            seats=[{"seat": seat, "attendance": attendance.get(seat.pk)} for seat in seats],
            absent_voting_seats=[seat for seat in seats if seat.has_vote and seat.pk not in attendance],
            waiting=waiting,
            plans=plans,
            no_plan_reason=no_plan_reason,
            appeals=appeals,
            letters=meeting.letters.all(),
            meeting_date=long_date(meeting.starts_at),
        )

    @staticmethod
    def _plans_to_add(meeting):
        """The programme's omstillingsplaner the board may be asked to adopt at this meeting, by the
        rule the service keeps (``policies.plan_add_refusal``); with none, why (shown instead of the form)."""
        plans = list(AnnualPlan.objects.filter(programme=meeting.programme).select_related("programme"))
        if not plans:
            return [], gettext(
                "Ingen omstillingsplan er skrevet ennå. Skriv tekstene for året først under "
                "Årsrapport/omstillingsplan."
            )
        candidates = sorted(
            (plan for plan in plans if policies.plan_add_refusal(meeting, plan) is None),
            key=lambda plan: -plan.year,
        )
        if candidates:
            return candidates, ""
        return [], gettext(
            "Alle omstillingsplanene er vedtatt eller står allerede på en saksliste. En ny plan får du "
            "ved å skrive tekstene for året under Årsrapport/omstillingsplan."
        )

    @staticmethod
    def _appeals_waiting(meeting):
        """The programme's appeals waiting for the board (lodged, or sent back after a vote), each
        with what the appealed decision gave, for a link to the page that puts it on this agenda."""
        if meeting.state == BoardMeeting.State.CLOSED:
            return []
        appeals = (
            Appeal.objects.filter(application__programme=meeting.programme_id, state=Appeal.State.RECEIVED)
            .select_related("application__organisation", "decision")
            .order_by("lodged_at", "pk")
        )
        return [
            {
                "appeal": appeal,
                "lodged_on": long_date(appeal.lodged_at),
                "deadline": long_date(appeal.deadline),
                "decided_on": long_date(original_decision(appeal.decision).decided_at),
                "decision_amount": format_nok(appeal.decision.amount),
            }
            for appeal in appeals
        ]

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
                services.case_add,
                meeting,
                actor=user,
                application=application,
                success=gettext("Saken er ført opp på sakslisten."),
            )
        elif action == "add_plan":
            plan = AnnualPlan.objects.filter(
                programme=meeting.programme, pk=request.POST.get("plan") or None
            ).first()
            if plan is None:
                messages.error(request, gettext("Velg en omstillingsplan."))
                return
            self._call(
                request,
                services.case_add_plan,
                meeting,
                actor=user,
                plan=plan,
                success=gettext("Omstillingsplanen er ført opp på sakslisten."),
            )
        elif action in ("up", "down") and case():
            self._call(request, services.agenda_move, case(), actor=user, offset=-1 if action == "up" else 1)
        elif action == "open_case" and case():
            self._call(
                request,
                services.case_open,
                case(),
                actor=user,
                success=gettext("Saken er åpnet for votering."),
            )
        elif action == "attend" and member("member"):
            self._call(
                request,
                services.attendance_register,
                meeting,
                actor=user,
                member=member("member"),
                stands_in_for=member("stands_in_for") if request.POST.get("stands_in_for") else None,
            )
        elif action == "leave" and member("member"):
            self._call(request, services.attendance_unregister, meeting, actor=user, member=member("member"))
        elif action == "close_meeting":
            self._call(
                request,
                services.meeting_close,
                meeting,
                actor=user,
                success=gettext("Møtet er avsluttet. Møteboken lages nå."),
            )
        else:
            messages.error(request, gettext("Ukjent handling."))
