"""Appeals (klage, forvaltningsloven §§ 28–33) in the admin: the applicant's appeal, read-only, and
the page where the programme leader (or the chair) puts it before the board that made the decision,
with a proposal to uphold or reverse it (``case_add_appeal``). The board reads the appeals of the
applications on its agenda."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.admin_pages import ServicePagesMixin, VisibleApplicationsMixin
from applications.models import Appeal
from applications.policies import may_run_meeting
from applications.views.common import add_service_error
from omstilling.admin_mixins import ProgrammeScopedAdmin, ReadOnlyAdminMixin, related_column
from omstilling.exceptions import ServiceError
from omstilling.formatting import format_nok, long_date

from . import services
from .admin_decisions import ToMeetingForm, open_meetings


def appeal_attachment_links(appeal):
    """The documents sent with the appeal, each a link to the application admin's download view
    (which serves them to those who may read the application)."""
    return [
        (
            reverse("admin:applications_application_attachment", args=[appeal.application_id, attachment.pk]),
            attachment.original_name,
        )
        for attachment in appeal.attachments.all()
    ]


def decision_summary(decision):
    """What the appealed decision gave: «avslag» or «tilsagn på 350 000 kr»."""
    if decision.outcome == decision.Outcome.APPROVED:
        return gettext("tilsagn på %(amount)s kr") % {"amount": format_nok(decision.amount)}
    return gettext("avslag")


class AppealToBoardForm(ToMeetingForm):
    """The proposal the board votes on, for ``case_add_appeal``."""

    # No rounding or lower bound here: the service's policy says what a proposal may be, in its words.
    proposed_amount = forms.DecimalField(
        label=_("Foreslått beløp (kr)"),
        max_digits=14,
        help_text=_(
            "Samme beløp som i vedtaket opprettholder vedtaket (0 for et avslag); et høyere beløp omgjør det."
        ),
    )
    recommendation = forms.CharField(
        label=_("Innstilling til styret"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        error_messages={
            "required": _("Skriv innstillingen: om vedtaket bør omgjøres eller opprettholdes, og hvorfor.")
        },
        help_text=_("Står i saken styret stemmer over, og i vedtaket og brevet til søkeren."),
    )


@admin.register(Appeal)
class AppealAdmin(VisibleApplicationsMixin, ServicePagesMixin, ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """A klage is lodged by the applicant in the portal and changes only through the services: put
    before the board here, then reversed or upheld and sent on when the board's case is closed."""

    programme_path = "application__programme"
    str_select_related = ("application",)
    change_form_template = "admin/applications/appeal/change_form.html"
    list_display = (
        related_column(Appeal, "application__reference", _("saksnummer")),
        related_column(Appeal, "application__title", _("tittel")),
        related_column(Appeal, "application__organisation", _("søker")),
        "lodged_at",
        "deadline",
        "is_late",
        "state",
    )
    list_select_related = ("application__organisation",)
    list_filter = ("state", "is_late", "application__programme")
    search_fields = ("application__reference", "application__title", "application__organisation__name")
    date_hierarchy = "lodged_at"
    fields = (
        "application",
        "decision_link",
        "reasons",
        "attachment_links",
        "lodged_by",
        "lodged_at",
        "deadline",
        "is_late",
        "state",
        "board_case_links",
        "resolved_at",
        "forwarded_to",
    )

    @admin.display(description=_("påklaget vedtak"))
    def decision_link(self, appeal):
        decision = appeal.decision
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:applications_decision_change", args=[decision.pk]),
            gettext("Styrets vedtak av %(date)s: %(outcome)s")
            % {"date": long_date(decision.decided_at), "outcome": decision_summary(decision)},
        )

    @admin.display(description=_("vedlegg"))
    def attachment_links(self, appeal):
        links = appeal_attachment_links(appeal)
        if not links:
            return gettext("Ingen")
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', links)

    @admin.display(description=_("styresaker"))
    def board_case_links(self, appeal):
        cases = appeal.board_cases.select_related("meeting").order_by("meeting__starts_at", "pk")
        if not cases:
            return gettext("Ikke ført opp for styret ennå")
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> ({})',
            (
                (
                    reverse("admin:applications_boardcase_vote", args=[case.pk]),
                    gettext("Sak %(number)d, styremøte %(date)s")
                    % {"number": case.number, "date": long_date(case.meeting.starts_at)},
                    case.get_state_display().lower(),
                )
                for case in cases
            ),
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/til-styret/",
                self.admin_site.admin_view(self.to_board_view),
                name="applications_appeal_to_board",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appeal = self.get_object(request, object_id)
        if appeal is not None:
            extra_context = {
                **(extra_context or {}),
                "may_put_before_board": appeal.state == Appeal.State.RECEIVED
                and may_run_meeting(request.user, appeal.application.programme),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def to_board_view(self, request, object_id):
        """Put the appeal on a meeting's agenda with the leader's proposal (``case_add_appeal``)."""
        appeal = self._scoped_object(request, object_id)
        application = appeal.application
        programme = application.programme
        if not may_run_meeting(request.user, programme):
            raise PermissionDenied(
                gettext("Bare styreleder eller programmets administrasjon kan gjøre dette.")
            )
        decision = appeal.decision
        meetings = open_meetings(programme)
        initial = {"proposed_amount": decision.amount, "meeting": request.GET.get("meeting") or None}
        form = AppealToBoardForm(request.POST or None, meetings=meetings, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_add_appeal(
                    data["meeting"],
                    actor=request.user,
                    appeal=appeal,
                    proposed_amount=data["proposed_amount"],
                    recommendation=data["recommendation"],
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    gettext("Klagen er ført opp som sak %(number)d på styremøtet %(date)s.")
                    % {"number": case.number, "date": long_date(case.meeting.starts_at)},
                )
                return HttpResponseRedirect(
                    reverse("admin:applications_boardmeeting_agenda", args=[case.meeting_id])
                )
        refusal = None
        if appeal.state != Appeal.State.RECEIVED:
            refusal = gettext("Klagen er ikke lenger til behandling hos administrasjonen («%(state)s»).") % {
                "state": appeal.get_state_display()
            }
        elif not meetings.exists():
            refusal = gettext("Programmet har ikke noe styremøte som ikke er avsluttet. Opprett møtet først.")
        response = self._page(
            request,
            "admin/applications/appeal/to_board.html",
            gettext("Før klagen i sak %(reference)s opp for styret") % {"reference": application.reference},
            appeal,
            appeal=appeal,
            application=application,
            decision=decision,
            form=form,
            refusal=refusal,
            decided_on=long_date(decision.decided_at),
            decision_outcome=decision_summary(decision),
            lodged_on=long_date(appeal.lodged_at),
            deadline=long_date(appeal.deadline),
            attachments=appeal_attachment_links(appeal),
            appeal_body=programme.appeal_body,
        )
        if request.method == "POST":
            response.status_code = 400
        return response
