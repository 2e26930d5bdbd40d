from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from applications.admin_pages import ServicePagesMixin, VisibleApplicationsMixin
from applications.models import (
    BoardMeeting,
    Decision,
    Letter,
    MeetingAttendance,
    Vote,
)
from applications.policies import is_programme_staff, may_run_meeting
from applications.views.common import add_service_error
from omstilling.admin_mixins import (
    ProgrammeScopedAdmin,
    ReadOnlyAdminMixin,
    money_column,
    programme_ids_for,
    stored_file_name,
)
from omstilling.exceptions import ServiceError
from omstilling.formatting import format_nok, long_date

from . import decisions, policies, services


def _may_correct(user, decision):
    """The programme's leader (or other staff holding the right to record decisions) records a
    clerical correction of a decision; the board and observers only read it."""
    return user.has_perm("applications.add_decision") and is_programme_staff(
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


def correction_context(user, decision):
    """What the decision's own page and its case page say about correcting it."""
    correction = _correction_of(decision)
    may_correct = correction is None and _may_correct(user, decision)
    refusal = policies.correction_refusal(decision) if may_correct else None
    return {
        "correction": correction,
        "correction_amount": format_nok(correction.amount) if correction else "",
        "correction_date": long_date(correction.decided_at) if correction else "",
        "may_correct": may_correct and refusal is None,
        "correction_refusal": refusal,
        "may_reconsider": correction is None
        and may_run_meeting(user, decision.application.programme)
        and policies.reconsider_refusal(decision) is None,
    }


class DecisionCorrectionForm(forms.Form):
    """The corrected terms of an approving decision, for ``decision_correct``."""

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


def open_meetings(programme):
    """The programme's meetings a case can still be put on (not closed)."""
    return BoardMeeting.objects.filter(programme=programme).exclude(state=BoardMeeting.State.CLOSED)


class ToMeetingForm(forms.Form):
    """A proposal for the board, with the meeting (of ``meetings``) to put it before."""

    meeting = forms.ModelChoiceField(label=_("Styremøte"), queryset=BoardMeeting.objects.none())

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings.order_by("starts_at")
        self.fields["meeting"].label_from_instance = lambda meeting: (
            f"{long_date(meeting.starts_at)} – {meeting.place}"
        )


class ReconsiderationForm(ToMeetingForm):
    """A changed amount for the board to vote on, for ``case_add_reconsideration``."""

    amount = forms.DecimalField(
        label=_("Foreslått nytt beløp (kr)"), min_value=1, decimal_places=0, max_digits=14
    )
    recommendation = forms.CharField(
        label=_("Innstilling til styret"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        error_messages={"required": _("Skriv innstillingen: hvorfor beløpet bør endres.")},
        help_text=_("Står i saken styret stemmer over, og i vedtaket og brevet hvis styret vedtar den."),
    )


@admin.register(Decision)
class DecisionAdmin(VisibleApplicationsMixin, ServicePagesMixin, ReadOnlyAdminMixin, ProgrammeScopedAdmin):
    """A vedtak is recorded once, by ``case_close`` when the møteleder closes a case (quorum, tally,
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
            path(
                "<path:object_id>/omgjoring/",
                self.admin_site.admin_view(self.reconsider_view),
                name="applications_decision_reconsider",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        decision = self.get_object(request, object_id)
        if decision is not None:
            extra_context = {
                **(extra_context or {}),
                **correction_context(request.user, decision),
                "corrects_date": long_date(decision.corrects.decided_at) if decision.corrects else "",
                "corrects_amount": format_nok(decision.corrects.amount) if decision.corrects else "",
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def reconsider_view(self, request, object_id):
        """Put the decision back before the board with a changed amount (``case_add_reconsideration``)."""
        decision = self._scoped_object(request, object_id)
        programme = decision.application.programme
        refusal = policies.can_run_meeting(request.user, programme)
        if refusal:
            raise PermissionDenied(refusal)
        meetings = open_meetings(programme)
        form = ReconsiderationForm(
            request.POST or None, meetings=meetings, initial={"amount": decision.amount}
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_add_reconsideration(
                    data["meeting"],
                    actor=request.user,
                    decision=decision,
                    proposed_amount=data["amount"],
                    recommendation=data["recommendation"],
                )
            except ServiceError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request,
                    gettext("Omgjøringen er ført opp som sak %(number)d på styremøtet %(date)s.")
                    % {"number": case.number, "date": long_date(case.meeting.starts_at)},
                )
                return HttpResponseRedirect(reverse("admin:applications_boardcase_vote", args=[case.pk]))
        return self._page(
            request,
            "admin/applications/decision/reconsider.html",
            gettext("Omgjøring av vedtaket om %(reference)s") % {"reference": decision.application.reference},
            decision,
            decision=decision,
            application=decision.application,
            form=form,
            old_amount=format_nok(decision.amount),
            decided_on=long_date(decision.decided_at),
            refusal=policies.reconsider_refusal(decision)
            or (
                None
                if meetings.exists()
                else gettext("Programmet har ikke noe styremøte som ikke er avsluttet. Opprett møtet først.")
            ),
        )

    def correct_view(self, request, object_id):
        decision = self._scoped_object(request, object_id)
        if not _may_correct(request.user, decision):
            raise PermissionDenied
        form = DecisionCorrectionForm(
            request.POST if request.method == "POST" else None,
            initial={"conditions": decision.conditions},
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                correction = decisions.decision_correct(
                    decision,
                    actor=request.user,
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
        grant = getattr(decision, "grant", None)
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
            grant_accepted=grant is not None and grant.state in (grant.State.ACCEPTED, grant.State.ACTIVE),
            decided_on=long_date(decision.decided_at),
            meeting_date=long_date(decision.case.meeting.starts_at) if decision.case else "",
            old_amount=format_nok(decision.amount),
            **correction_context(request.user, decision),
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
