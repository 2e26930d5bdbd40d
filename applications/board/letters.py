"""The board's documents as PDFs: tilsagnsbrev, avslagsbrev and møtebok.

Built from templates under ``templates/letters/`` and rendered with :func:`omstilling.pdf.render_pdf`
(which fetches nothing but the project's static files). Called by the Celery tasks in
``applications.tasks``; the letters are stored as :class:`~applications.models.Letter` rows with
their sha256 by :func:`applications.board.decisions.letter_issue`.
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Decision, Letter, Vote
from omstilling.formatting import format_kr, long_date, oslo_time
from omstilling.pdf import render_pdf
from omstilling.workdays import deadline_on_working_day


def payout_plan(grant):
    """The grant's instalments as ``[(text, amount)]``: on acceptance, against costs, on the final report."""
    amount = grant.amount
    on_acceptance = _share(amount, grant.payout_on_acceptance_percent)
    held_back = _share(amount, grant.holdback_percent)
    in_between = amount - on_acceptance - held_back
    plan = []
    if on_acceptance:
        plan.append(
            (
                _("%(percent)d %% når tilsagnet er akseptert")
                % {"percent": grant.payout_on_acceptance_percent},
                on_acceptance,
            )
        )
    if in_between:
        plan.append((_("Etter dokumenterte påløpte kostnader underveis"), in_between))
    plan.append(
        (
            _("%(percent)d %% når sluttrapporten er godkjent") % {"percent": grant.holdback_percent},
            held_back,
        )
    )
    return plan


def _share(amount, percent):
    return (amount * Decimal(percent) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def _vote_label(choice):
    return Vote.Choice(choice).label if choice in Vote.Choice.values else choice


def original_decision(decision):
    """The board's own decision at the root of ``decision``'s chain of corrections (itself if none)."""
    while decision.corrects_id:
        decision = decision.corrects
    return decision


def _decision_context(decision):
    application = decision.application
    organisation = application.organisation
    programme = application.programme
    corrects = decision.corrects
    appeal = decision.case.appeal if decision.case_id and decision.case.appeal_id else None
    # A decision on an appeal is the board's new decision, dated itself; a correction or an
    # omgjøring still dates from the board's first decision.
    original = decision if appeal else original_decision(decision)
    return {
        **_appeal_context(programme),
        "appeal": appeal,
        "appeal_lodged_on": long_date(appeal.lodged_at) if appeal else "",
        "appeal_decided_on": long_date(original_decision(appeal.decision).decided_at) if appeal else "",
        "decision": decision,
        "application": application,
        "organisation": organisation,
        "programme": programme,
        # A corrected decision still dates from the board's meeting; the letter says when it was corrected.
        "decided_on": long_date(original.decided_at),
        "corrected_on": long_date(decision.decided_at) if corrects else "",
        "today": long_date(timezone.now()),
        "case": original.case,
        "meeting_on": long_date(original.case.meeting.starts_at) if original.case else "",
        "corrects": corrects,
        "corrects_amount": format_kr(corrects.amount) if corrects else "",
        "replaced_grant": getattr(corrects, "grant", None) if corrects else None,
    }


def _appeal_context(programme):
    """What every decision letter says about appealing (forvaltningsloven § 27 tredje ledd): the
    period, counted from today (the letter is e-mailed and shown in the portal the day it is made),
    and the appeal body. ``applications.selectors.appeal_deadline`` counts from the same day."""
    weeks = programme.appeal_period_weeks
    return {
        "appeal_weeks": weeks,
        "appeal_deadline": long_date(deadline_on_working_day(timezone.localdate() + timedelta(weeks=weeks))),
        "appeal_body": programme.appeal_body,
    }


def appeal_forwarded_letter_pdf(appeal):
    """The letter telling the applicant that the board upheld its decision and sent the appeal on."""
    application = appeal.application
    case = appeal.board_cases.select_related("meeting").order_by("-pk").first()
    context = {
        "appeal": appeal,
        "decision": appeal.decision,
        "application": application,
        "organisation": application.organisation,
        "programme": application.programme,
        "case": case,
        # Upholding adopted: the proposal's reasons; a reversal voted down: the board's majority.
        "reason": case.recommendation
        if case is not None and case.proposed_amount == appeal.decision.amount
        else _("Flertallet i styret stemte mot innstillingen om å omgjøre vedtaket."),
        "lodged_on": long_date(appeal.lodged_at),
        "deadline": long_date(appeal.deadline),
        "decided_on": long_date(original_decision(appeal.decision).decided_at),
        "handled_on": long_date(appeal.resolved_at),
        "today": long_date(timezone.now()),
    }
    return render_pdf(render_to_string("letters/appeal_forwarded.html", context))


def grant_letter_pdf(decision):
    grant = decision.grant
    context = _decision_context(decision)
    application = decision.application
    context.update(
        {
            "grant": grant,
            "amount": format_kr(grant.amount),
            "deadline": long_date(grant.acceptance_deadline) if grant.acceptance_deadline else "",
            "project_start": long_date(grant.project_start) if grant.project_start else "",
            "project_end": long_date(grant.project_end) if grant.project_end else "",
            "report_deadline": long_date(grant.final_report_deadline) if grant.final_report_deadline else "",
            "plan": [(text, format_kr(amount)) for text, amount in payout_plan(grant)],
            "de_minimis": grant.is_de_minimis,
            "de_minimis_received": format_kr(application.de_minimis_received),
        }
    )
    return render_pdf(render_to_string("letters/grant_letter.html", context))


def rejection_letter_pdf(decision):
    return render_pdf(render_to_string("letters/rejection_letter.html", _decision_context(decision)))


def minutes_pdf(meeting):
    cases = []
    for case in meeting.cases.select_related(
        "application__organisation", "annual_plan__programme", "appeal__decision"
    ).order_by("number"):
        decision = Decision.objects.filter(case=case).first()
        cases.append(
            {
                "case": case,
                "proposal": (
                    _("Innstilling: %(recommendation)s") % {"recommendation": case.recommendation}
                    if case.annual_plan_id
                    else _("Innstilling: tilsagn på %(amount)s.")
                    % {"amount": format_kr(case.proposed_amount)}
                    if case.proposed_amount
                    else _("Innstilling: avslag.")
                ),
                "decision": decision,
                "amount": format_kr(decision.amount) if decision else "",
                "voters": [
                    {**voter, "choice_label": _vote_label(voter["choice"])}
                    for voter in (decision.voters if decision else [])
                ],
                "recused": decision.recused if decision else _recused_without_decision(case),
                # An appeal is sent on by the case that upheld it, the appeal's last case: an earlier
                # case on it (a proposal voted down) sent it back to the administration.
                "appeal_forwarded": bool(
                    case.appeal_id
                    and case.appeal.state == case.appeal.State.FORWARDED
                    and case.appeal.board_cases.order_by("-pk").values_list("pk", flat=True).first()
                    == case.pk
                ),
                "appealed_on": long_date(original_decision(case.appeal.decision).decided_at)
                if case.appeal_id
                else "",
            }
        )
    attendance = list(
        meeting.attendance.select_related("member__user", "stands_in_for__user").order_by(
            "member__role", "member__user__full_name"
        )
    )
    context = {
        "meeting": meeting,
        "programme": meeting.programme,
        "held_on": long_date(meeting.starts_at),
        "held_at": oslo_time(meeting.starts_at),
        "attendance": attendance,
        "cases": cases,
    }
    return render_pdf(render_to_string("letters/minutes.html", context))


def _recused_without_decision(case):
    return [
        {"name": str(conflict.member.user), "reason": conflict.reason}
        for conflict in case.conflicts.select_related("member__user")
    ]


def letters_for_application(application):
    """The letters issued to the applicant about ``application``, newest first (for "My applications").

    Tilsagnsbrev, avslagsbrev and the letter sending an appeal on: the minutes are the board's document.
    """
    return (
        Letter.objects.filter(decision__application=application)
        .filter(
            Q(kind=Letter.Kind.GRANT_LETTER)
            | Q(kind=Letter.Kind.REJECTION_LETTER)
            | Q(kind=Letter.Kind.APPEAL_FORWARDED)
        )
        .select_related("decision")
        .order_by("-created_at", "-pk")
    )
