"""A board case in the admin: the case page where the board votes, and closing the case."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.admin_pages import ServicePagesMixin, adopt
from applications.models import (
    Assessment,
    BoardCase,
    ConflictDeclaration,
    CostLine,
    Decision,
    FinancingLine,
    Vote,
)
from applications.policies import may_run_meeting
from omstilling.admin_mixins import (
    ProgrammeScopedAdmin,
    money_column,
)
from omstilling.exceptions import ServiceError
from omstilling.formatting import format_nok, long_date
from omstilling.models import BoardMembership
from omstilling.policies import Refused, as_permission_denied

from . import decisions as decision_services
from . import policies, selectors, services
from .admin_appeals import appeal_attachment_links, decision_summary
from .admin_decisions import correction_context
from .money import grant_side


def _votes(choice):
    return Count("votes", filter=Q(votes__choice=choice))


def appeal_context(case):
    """What the case page and the closing page say about an appeal case: the appeal, and what each
    outcome of the vote does (``decisions._appeal_close``)."""
    appeal = case.appeal
    if appeal is None:
        return {}
    decision = appeal.decision
    return {
        "appeal": appeal,
        "appeal_decided_on": long_date(decision.decided_at),
        "appeal_decision": decision_summary(decision),
        "appeal_lodged_on": long_date(appeal.lodged_at),
        "appeal_deadline": long_date(appeal.deadline),
        "appeal_attachments": appeal_attachment_links(appeal),
        "appeal_reverses": case.proposed_amount != decision.amount,
        "appeal_body": case.meeting.programme.appeal_body,
    }


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
            if not may_run_meeting(self.request.user, meeting.programme):
                raise forms.ValidationError(
                    gettext("Bare styreleder eller programmets administrasjon kan gjøre dette.")
                )
            refusal = policies.case_add_refusal(meeting, application)
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
        case = services.case_add(
            form.cleaned_data["meeting"], actor=request.user, application=form.cleaned_data["application"]
        )
        adopt(obj, case)

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
        statuses = selectors.seat_statuses(case)
        quorum = selectors.case_quorum(case, statuses)
        tally = selectors.case_tally(case, statuses)
        programme = case.meeting.programme
        seat = selectors.board_seat(request.user, programme)
        my_vote = Vote.objects.filter(case=case, member=seat).first() if seat else None
        my_conflict = ConflictDeclaration.objects.filter(case=case, member=seat).first() if seat else None
        votes = {vote.member_id: vote for vote in case.votes.all()}
        closed = case.state == BoardCase.State.CLOSED
        may_run = may_run_meeting(request.user, programme)
        candidates = policies.case_deputy_candidates(case, statuses) if may_run else {}
        presiding = selectors.case_presiding(case, statuses)
        chair_leads = selectors.chair_leads(statuses)
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
                    # Recorded by the møteleder as not voting: present, counted for quorum, no vote.
                    "not_voting": vote is not None and vote.choice == Vote.Choice.NOT_VOTING,
                    "voted": vote is not None and vote.choice != Vote.Choice.NOT_VOTING,
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
            "vote_refusal": policies.vote_refusal(case, request.user),
            "close_refusal": policies.close_refusal(case, request.user, statuses),
            "presiding": presiding,
            "chair_leads": chair_leads,
            "chair_recused": chair_status is not None
            and chair_status.recused_holder is not None
            and chair_status.recused_holder.pk == chair_status.seat.pk,
            "is_presiding": presiding is not None and presiding.user_id == request.user.pk,
            "not_voting_candidates": [
                status.voter
                for status in statuses
                if status.voter is not None and not status.recused and status.voter.pk not in votes
            ],
            "presiding_candidates": (
                policies.case_presiding_candidates(case, statuses) if may_run and not chair_leads else []
            ),
            "may_run": may_run,
            "open_refusal": policies.can_open_case(request.user, case) if may_run else None,
        }

    def case_view(self, request, object_id):
        case = self._scoped_object(request, object_id)
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "vote":
                self._call(
                    request,
                    services.vote_cast,
                    case,
                    actor=request.user,
                    choice=request.POST.get("choice"),
                    success=gettext("Stemmen din er registrert."),
                )
            elif action == "conflict":
                self._call(
                    request,
                    services.conflict_declare,
                    case,
                    actor=request.user,
                    reason=request.POST.get("reason"),
                    success=gettext("Du er registrert som inhabil i saken."),
                )
            elif action == "open":
                self._call(
                    request,
                    services.case_open,
                    case,
                    actor=request.user,
                    success=gettext("Saken er åpnet for votering."),
                )
            elif action in ("step_in", "step_out"):
                self._stand_in_post(request, case, action)
            elif action == "presiding":
                self._presiding_post(request, case)
            elif action == "record_not_voting":
                self._not_voting_post(request, case)
            else:
                messages.error(request, gettext("Ukjent handling."))
            return HttpResponseRedirect(request.path)

        application = case.application
        assessment = (
            Assessment.objects.filter(application=application).prefetch_related("scores__criterion").first()
            if application
            else None
        )
        decision = Decision.objects.filter(case=case).first()
        history = grant_side().history(application) if application else None
        return self._page(
            request,
            "admin/applications/boardcase/case.html",
            gettext("Sak %(number)d: %(title)s") % {"number": case.number, "title": case.subject_title},
            case,
            case=case,
            meeting=case.meeting,
            application=application,
            assessment=assessment,
            decision=decision,
            decision_amount=format_nok(decision.amount) if decision else "",
            letters=decision.letters.all() if decision else [],
            **(correction_context(request.user, decision) if decision else {}),
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
            decision_warnings=selectors.case_warnings(case, history=history),
            de_minimis_total=format_nok(history.de_minimis_total) if history else "",
            # As text: with USE_THOUSAND_SEPARATOR the template would print a year as "2 026".
            de_minimis_first=str(history.de_minimis_years[0]) if history else "",
            de_minimis_last=str(history.de_minimis_years[1]) if history else "",
            plan=case.annual_plan,
            meeting_date=long_date(case.meeting.starts_at),
            choices=[(value, label) for value, label in Vote.Choice.choices if value in Vote.BALLOT],
            **appeal_context(case),
            **self._case_state(request, case),
        )

    def _not_voting_post(self, request, case):
        """The møteleder records that a present member gave no vote, so that the case can close."""
        member = (
            BoardMembership.objects.filter(
                programme=case.meeting.programme, pk=request.POST.get("not_voting") or None
            )
            .select_related("user")
            .first()
        )
        if member is None:
            messages.error(request, gettext("Velg hvem som ikke stemte."))
            return
        self._call(
            request,
            services.vote_record_not_voting,
            case,
            actor=request.user,
            member=member,
            success=gettext("%(name)s er ført som «stemte ikke».") % {"name": member.user},
        )

    def _stand_in_post(self, request, case, action):
        """A deputy takes (or leaves) a recused member's seat in this case; whoever runs the meeting
        and registers attendance decides it."""
        programme = case.meeting.programme
        if not may_run_meeting(request.user, programme):
            raise PermissionDenied
        seats = BoardMembership.objects.filter(programme=programme).select_related("user", "deputy_for__user")
        deputy = seats.filter(pk=request.POST.get("deputy") or None).first()
        if deputy is None:
            messages.error(request, gettext("Velg et varamedlem."))
        elif action == "step_out":
            self._call(
                request,
                services.case_deputy_step_out,
                case,
                actor=request.user,
                deputy=deputy,
                success=gettext("%(deputy)s trer ikke lenger inn i saken.") % {"deputy": deputy.user},
            )
        else:
            member = seats.filter(pk=request.POST.get("stands_in_for") or None).first()
            if member is None:
                messages.error(request, gettext("Velg styremedlemmet varamedlemmet skal tre inn for."))
                return
            self._call(
                request,
                services.case_deputy_step_in,
                case,
                actor=request.user,
                deputy=deputy,
                stands_in_for=member,
                success=gettext("%(deputy)s trer inn for %(member)s i denne saken.")
                % {"deputy": deputy.user, "member": member.user},
            )

    def _presiding_post(self, request, case):
        """Register whom the board chose to lead the case when the chair cannot."""
        programme = case.meeting.programme
        if not may_run_meeting(request.user, programme):
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
            services.case_presiding_set,
            case,
            actor=request.user,
            member=member,
            success=gettext("%(name)s leder saken som møteleder.") % {"name": member.user},
        )

    def close_view(self, request, object_id):
        case = self._scoped_object(request, object_id)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            try:
                decision = decision_services.case_close(case, actor=request.user)
            except Refused as exc:
                raise as_permission_denied(exc) from exc
            except ServiceError as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(self._view_url("vote", case))
            if case.annual_plan_id:
                case.annual_plan.refresh_from_db()
                if case.annual_plan.adopted_on:
                    messages.success(request, gettext("Styret har vedtatt omstillingsplanen."))
                else:
                    messages.warning(
                        request, gettext("Styret vedtok ikke omstillingsplanen; den er fortsatt et utkast.")
                    )
            elif case.appeal_id and decision is None:
                self._appeal_closed_message(request, case)
            elif case.reconsiders_id and decision is None:
                messages.warning(
                    request, gettext("Styret vedtok ikke omgjøringen; det tidligere vedtaket står.")
                )
            elif decision is None:
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
        adopted = tally.adopted
        return self._page(
            request,
            "admin/applications/boardcase/close_confirm.html",
            gettext("Avslutt sak %(number)d") % {"number": case.number},
            case,
            case=case,
            adopted=adopted,
            casting=tally.casting_vote_used,
            proposed_amount=format_nok(case.proposed_amount),
            decision_warnings=selectors.case_warnings(case) if adopted else [],
            **appeal_context(case),
            **state,
        )

    @staticmethod
    def _appeal_closed_message(request, case):
        appeal = case.appeal
        appeal.refresh_from_db()
        if appeal.state == appeal.State.FORWARDED:
            messages.success(
                request,
                gettext("Vedtaket står. Klagen er sendt til %(body)s, og søkeren får brev om det.")
                % {"body": appeal.forwarded_to},
            )
        else:
            messages.warning(
                request,
                gettext("Innstillingen ble ikke vedtatt; klagen er sendt tilbake til administrasjonen."),
            )

    def status_view(self, request, object_id):
        """The live tally the case page polls."""
        case = self._scoped_object(request, object_id)
        statuses = selectors.seat_statuses(case)
        quorum = selectors.case_quorum(case, statuses)
        tally = selectors.case_tally(case, statuses)
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
