"""Reads for the applicant portal and the public pages.

Every lookup by id goes through the user's own organisations, so a row that is not hers is simply
not found (404), whoever she is.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from omstilling.formatting import format_nok, long_date
from omstilling.models import Call, FocusArea, Programme
from omstilling.roles import programmes_for_staff
from omstilling.workdays import deadline_on_working_day

from .models import (
    Appeal,
    Application,
    ApplicationCopy,
    Attachment,
    BoardCase,
    Decision,
    FinancingLine,
    JournalEntry,
    Letter,
    Organisation,
    OrganisationJoinRequest,
    OrganisationMembership,
)

SUMMARY_MAX_LENGTH = 500


def call_is_open(call, now=None):
    now = now or timezone.now()
    return not call.is_historical and call.opens_at <= now <= call.deadline


def open_calls_qs(now=None):
    now = now or timezone.now()
    return Call.objects.filter(is_historical=False, opens_at__lte=now, deadline__gte=now)


def programmes_with_open_calls():
    """Every programme, each with its open calls (and their focus areas) prefetched."""
    calls = (
        open_calls_qs()
        .order_by("deadline")
        .prefetch_related(Prefetch("focus_areas", queryset=FocusArea.objects.order_by("number", "name")))
    )
    return Programme.objects.order_by("name").prefetch_related(
        Prefetch("calls", queryset=calls, to_attr="open_calls")
    )


def open_call(pk):
    return get_object_or_404(
        open_calls_qs().select_related("programme").prefetch_related("focus_areas"), pk=pk
    )


def organisations_for_user(user):
    return Organisation.objects.filter(memberships__user=user).order_by("name")


def memberships_for_user(user):
    return (
        OrganisationMembership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def join_requests_to_decide(user):
    """Open requests for access to organisations where ``user`` is an administrator."""
    return (
        OrganisationJoinRequest.objects.filter(
            decided_at__isnull=True,
            organisation__memberships__user=user,
            organisation__memberships__role=OrganisationMembership.Role.ADMIN,
        )
        .select_related("organisation", "user")
        .order_by("created_at")
    )


def join_requests_of(user):
    return (
        OrganisationJoinRequest.objects.filter(user=user)
        .select_related("organisation")
        .order_by("-created_at")
    )


def join_request_to_decide(user, pk):
    return get_object_or_404(join_requests_to_decide(user), pk=pk)


APPLICATION_RELATED = ("call", "programme", "organisation", "focus_area")


def applications_for_user(user, related=APPLICATION_RELATED):
    return (
        Application.objects.filter(organisation__memberships__user=user)
        .select_related(*related)
        .order_by("-created_at", "-pk")
    )


def applications_listed_for_user(user):
    """«Mine søknader»: the user's applications, each with ``has_open_appeal`` (in the same query)."""
    open_appeals = Appeal.objects.filter(application=OuterRef("pk"), state__in=Appeal.OPEN_STATES)
    return applications_for_user(user).annotate(has_open_appeal=Exists(open_appeals))


def application_for_member(user, pk, related=APPLICATION_RELATED):
    """The application if ``user`` acts for its organisation, else 404.

    ``related`` names what to join in; the form steps, which show neither the programme nor the focus
    area, ask for less (each joined table costs planning and building time on every page).
    """
    return get_object_or_404(applications_for_user(user, related), pk=pk)


def _readable_applications(user):
    """Who reads an application outside the admin: the people acting for its organisation, and the
    staff of its programme (site admins: every one)."""
    if user.is_superuser:
        return Q()
    return Q(organisation__memberships__user=user) | Q(programme__in=programmes_for_staff(user))


def letter_for_member(user, pk):
    """A tilsagnsbrev, avslagsbrev or letter sending an appeal on, about one of the user's own
    organisations' applications, or
    about an application of a programme the user is staff of. The board reads its letters in the
    admin (``LetterAdmin.download_view``)."""
    if not user.is_authenticated:
        raise Http404
    readable = Application.objects.filter(_readable_applications(user)).values("pk")
    return get_object_or_404(
        Letter.objects.filter(
            decision__application__in=readable,
            kind__in=[Letter.Kind.GRANT_LETTER, Letter.Kind.REJECTION_LETTER, Letter.Kind.APPEAL_FORWARDED],
        ).select_related("decision__application"),
        pk=pk,
    )


def submitted_application_for_reader(user, pk):
    """A submitted application (it has its frozen copy) of the user's own organisations, or of a
    programme the user is staff of; anything else is a 404."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Application.objects.filter(_readable_applications(user), snapshot__isnull=False)
        .distinct()
        .select_related("organisation", "programme"),
        pk=pk,
    )


def application_copy_of(application):
    """The PDF of ``application`` as submitted, or None if nobody has asked for it yet."""
    return ApplicationCopy.objects.filter(snapshot__application=application).first()


def decisions_for_application(application):
    """The decisions in force on ``application``, newest first, each with its letters.

    A decision replaced by a correction is not in force; it is listed in the ``history`` of the
    decision that replaced it (the whole chain back to the board's own decision, newest first),
    with ``replaced_by`` naming the decision that corrected it.
    """
    decisions = list(
        application.decisions.select_related("case")
        .prefetch_related(Prefetch("letters", queryset=Letter.objects.order_by("-created_at", "-pk")))
        .order_by("-decided_at", "-pk")
    )
    by_pk = {decision.pk: decision for decision in decisions}
    corrected = {decision.corrects_id for decision in decisions if decision.corrects_id}
    in_force = []
    for decision in decisions:
        if decision.pk in corrected:
            continue
        decision.history = []
        newer, older = decision, by_pk.get(decision.corrects_id)
        while older is not None:
            older.replaced_by = newer
            decision.history.append(older)
            newer, older = older, by_pk.get(older.corrects_id)
        in_force.append(decision)
    return in_force


def attachment_for_reader(user, pk):
    """An attachment the user may read in the portal: her organisation's, or her programme's as staff.
    The board reads the attachments of the applications on its agenda in the admin, through the
    application's page (``ApplicationAdmin.attachment_view``)."""
    if not user.is_authenticated:
        return get_object_or_404(Attachment.objects.none(), pk=pk)
    readable = Application.objects.filter(_readable_applications(user)).values("pk")
    return get_object_or_404(
        Attachment.objects.filter(application__in=readable).select_related("application"), pk=pk
    )


def budget_totals(cost_lines, financing_lines):
    """{"costs", "financing", "applied"} of a cost and financing plan."""
    costs = sum((line.amount for line in cost_lines), Decimal(0))
    financing = sum((line.amount for line in financing_lines), Decimal(0))
    applied = sum(
        (line.amount for line in financing_lines if line.kind == FinancingLine.Kind.PROGRAMME), Decimal(0)
    )
    return {"costs": costs, "financing": financing, "applied": applied, "balanced": costs == financing}


def receipt_addresses(application):
    """Where a submission receipt goes: the first address given of the application's contact, the
    organisation's contact and the person who submitted it (from the frozen copy); [] if none."""
    snapshot = getattr(application, "snapshot", None)
    submitter = snapshot.submitted_by if snapshot else None
    for address in (
        application.contact_email,
        application.organisation.contact_email,
        submitter.email if submitter else "",
    ):
        if address:
            return [address]
    return []


# What stands between a draft and a complete application ------------------------------------------


def budget_problems(call, cost_lines, financing_lines):
    """What is wrong with a cost and financing plan under ``call``'s rules (empty when it is fine)."""
    problems = []
    totals = budget_totals(cost_lines, financing_lines)
    costs, financing, applied = totals["costs"], totals["financing"], totals["applied"]
    if not cost_lines:
        problems.append(_("Kostnadsplanen har ingen linjer."))
    if financing != costs:
        problems.append(
            _("Finansieringsplanen (%(financing)s kr) går ikke i balanse med kostnadsplanen (%(costs)s kr).")
            % {"financing": format_nok(financing), "costs": format_nok(costs)}
        )
    if applied <= 0:
        problems.append(_("Finansieringsplanen viser ikke hvor mye som søkes fra omstillingsprogrammet."))
    if call.max_amount is not None and applied > call.max_amount:
        problems.append(
            _("Søkt beløp (%(applied)s kr) er høyere enn utlysningens maksimum på %(max)s kr.")
            % {"applied": format_nok(applied), "max": format_nok(call.max_amount)}
        )
    if call.max_share_percent is not None and applied * 100 > costs * call.max_share_percent:
        problems.append(
            _("Søkt beløp (%(applied)s kr) er mer enn %(percent)d %% av kostnadene (%(costs)s kr).")
            % {"applied": format_nok(applied), "percent": call.max_share_percent, "costs": format_nok(costs)}
        )
    return problems


def missing_parts(application, cost_lines, financing_lines):
    """What stands between this draft and a complete application, in the order of the form."""
    call = application.call
    problems = []
    if not application.title.strip():
        problems.append(_("Prosjekttittel mangler."))
    if not application.summary.strip():
        problems.append(_("Sammendrag mangler."))
    elif len(application.summary) > SUMMARY_MAX_LENGTH:
        problems.append(
            _("Sammendraget er på %(length)d tegn; høyst %(max)d er tillatt.")
            % {"length": len(application.summary), "max": SUMMARY_MAX_LENGTH}
        )
    if not application.description.strip():
        problems.append(_("Prosjektbeskrivelse mangler."))
    if application.start_date is None:
        problems.append(_("Startdato mangler."))
    if application.end_date is None:
        problems.append(_("Sluttdato mangler."))
    if application.category not in call.admitted_categories:
        problems.append(
            _("Utlysningen tar ikke imot søknader om %(category)s.")
            % {"category": application.get_category_display().lower()}
        )
    admitted_areas = set(call.focus_areas.values_list("pk", flat=True))
    if admitted_areas and application.focus_area_id not in admitted_areas:
        problems.append(
            _("Innsatsområdet «%(area)s» er ikke med i utlysningen.") % {"area": application.focus_area.name}
        )

    problems += budget_problems(call, cost_lines, financing_lines)
    return problems


def application_problems(application):
    """Everything that stops ``application`` from being submitted through the portal."""
    problems = missing_parts(
        application, list(application.cost_lines.all()), list(application.financing_lines.all())
    )
    if not application.de_minimis_declared:
        problems.append(_("Erklæringen om bagatellstøtte er ikke avgitt."))
    return problems


# Receipts still owed (see applications.services.receipts.receipts_resend_unsent) ---------------------------

# A receipt is presumed lost when it is still unsent this long after the submit: the task normally
# runs within seconds, and one that is merely late finds the row marked and does nothing.
RECEIPT_RESEND_AFTER = timedelta(minutes=5)
# A receipt still unsent a week after the submit is given up (the mail server kept failing, say): the
# applicant has long since seen the application in the portal, and such rows must not keep the
# oldest-first batch from reaching newer ones.
RECEIPT_RESEND_WITHIN = timedelta(days=7)


# The programme leader's worklist (``projects.worklist``) and the admin's filter on it (``?arbeidsliste=``).
APPLICATION_WORKLIST = {
    "to_assess": Q(state__in=[Application.State.SUBMITTED, Application.State.IN_REVIEW]),
    # The mail server refused the applicant's address for the receipt; cleared when it is resent.
    "bounced": Q(receipt_undeliverable_at__isnull=False),
}


def receipt_owed(application):
    """Whether the submission e-mails for ``application`` are still to be sent.

    Only a submission through the portal is owed them: not a draft, not a historical (imported)
    application, not one the applicant withdrew before they went out, and not one whose receipt the
    mail server refused for good (``receipt_undeliverable_at``)."""
    return (
        application.submitted_at is not None
        and application.receipt_sent_at is None
        and application.receipt_undeliverable_at is None
        and not application.is_historical
        and application.state not in (Application.State.DRAFT, Application.State.WITHDRAWN)
    )


def receipts_unsent(older_than=RECEIPT_RESEND_AFTER, now=None):
    """Applications still owed their submission e-mails ``older_than`` after being submitted (and
    less than ``RECEIPT_RESEND_WITHIN``), oldest submission first."""
    now = now or timezone.now()
    return (
        Application.objects.filter(
            submitted_at__isnull=False,
            submitted_at__lte=now - older_than,
            submitted_at__gt=now - RECEIPT_RESEND_WITHIN,
            receipt_sent_at__isnull=True,
            receipt_undeliverable_at__isnull=True,
            is_historical=False,
        )
        .exclude(state__in=[Application.State.DRAFT, Application.State.WITHDRAWN])
        .order_by("submitted_at", "pk")
    )


# Retention: what the rules of applications.services.retention would delete or anonymise ---------------


@dataclass(frozen=True)
class RetentionItem:
    """One thing a retention run does to one application."""

    rule: str  # "draft_warning" | "draft_delete" | "anonymise"
    application_id: int
    reference: str
    title: str
    due: date

    @property
    def label(self):
        return {
            "draft_warning": _("varsel om sletting av utkast"),
            "draft_delete": _("sletting av utkast"),
            "anonymise": _("anonymisering"),
        }[self.rule]


def start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def drafts_to_delete(today: date) -> QuerySet[Application]:
    """Drafts whose call's deadline passed more than RETENTION_DRAFT_DAYS ago, and whose creator was
    warned at least RETENTION_DRAFT_WARNING_DAYS ago (or has no account left to warn)."""
    cutoff = start_of_day(today - timedelta(days=settings.RETENTION_DRAFT_DAYS))
    warned_before = start_of_day(
        today - timedelta(days=settings.RETENTION_DRAFT_WARNING_DAYS) + timedelta(days=1)
    )
    return Application.objects.filter(
        Q(retention_warned_at__lt=warned_before)
        | Q(created_by__isnull=True)
        | Q(created_by__is_active=False),
        state=Application.State.DRAFT,
        call__deadline__lt=cutoff,
        submitted_at__isnull=True,
    )


def drafts_to_warn(today: date) -> QuerySet[Application]:
    """Drafts within RETENTION_DRAFT_WARNING_DAYS of deletion (or past it) whose creator is not yet warned."""
    days = settings.RETENTION_DRAFT_DAYS - settings.RETENTION_DRAFT_WARNING_DAYS
    cutoff = start_of_day(today - timedelta(days=days))
    return Application.objects.filter(
        state=Application.State.DRAFT,
        call__deadline__lt=cutoff,
        submitted_at__isnull=True,
        retention_warned_at__isnull=True,
        created_by__isnull=False,
        created_by__is_active=True,
    )


def applications_to_anonymise(today: date) -> QuerySet[Application]:
    """Rejected and withdrawn applications decided or withdrawn RETENTION_ANONYMISE_YEARS ago or more."""
    years = settings.RETENTION_ANONYMISE_YEARS
    try:
        cutoff_day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff_day = today.replace(year=today.year - years, day=28)
    cutoff = start_of_day(cutoff_day)
    return Application.objects.filter(anonymised_at__isnull=True).filter(
        Q(state=Application.State.REJECTED, decided_at__lt=cutoff)
        | Q(state=Application.State.WITHDRAWN, withdrawn_at__lt=cutoff)
    )


def deletion_day(application: Application, today: date | None = None) -> date:
    """The first day a draft may be deleted: RETENTION_DRAFT_DAYS after its call's deadline, and never
    sooner than RETENTION_DRAFT_WARNING_DAYS after its creator was warned (today, if not yet)."""
    deadline = timezone.localtime(application.call.deadline).date()
    by_rule = deadline + timedelta(days=settings.RETENTION_DRAFT_DAYS + 1)
    if application.retention_warned_at:
        warned = timezone.localtime(application.retention_warned_at).date()
    else:
        warned = today or timezone.localdate()
    return max(by_rule, warned + timedelta(days=settings.RETENTION_DRAFT_WARNING_DAYS))


def retention_plan(today: date) -> list[RetentionItem]:
    """What a retention run on ``today`` does, in the order it does it."""
    items = []
    for app in drafts_to_warn(today).select_related("call"):
        items.append(
            RetentionItem("draft_warning", app.pk, app.reference, app.title, deletion_day(app, today))
        )
    for app in drafts_to_delete(today).select_related("call"):
        items.append(RetentionItem("draft_delete", app.pk, app.reference, app.title, today))
    for app in applications_to_anonymise(today):
        items.append(RetentionItem("anonymise", app.pk, app.reference, app.title, today))
    return sorted(items, key=lambda item: (item.rule != "draft_warning", item.application_id))


# The public journal ------------------------------------------------------------------------------------


def public_journal(programme, *, date_from=None, date_to=None, query=""):
    """A programme's journal entries, newest first, as the public may read them."""
    entries = JournalEntry.objects.filter(programme=programme).order_by("-registered_at", "-id")
    if date_from:
        entries = entries.filter(registered_at__gte=start_of_day(date_from))
    if date_to:
        entries = entries.filter(registered_at__lt=start_of_day(date_to + timedelta(days=1)))
    if query:
        # Only what is public is searchable: a screened title or name must not be found by its words.
        entries = entries.filter(
            Q(case_reference__icontains=query)
            | Q(title__icontains=query, title_screened=False)
            | Q(party__icontains=query, party_is_private_person=False)
        )
    return entries


def public_journal_row(entry):
    """One entry as published (the same fields on the page, in the CSV and in the JSON)."""
    return {
        "journalnummer": entry.number,
        "journaldato": timezone.localtime(entry.registered_at).date().isoformat(),
        "retning": entry.direction,
        "dokumenttype": entry.get_kind_display(),
        "tittel": str(entry.public_title),
        "avsender_mottaker": str(entry.public_party),
        "saksreferanse": entry.case_reference,
        "skjermet": entry.title_screened or entry.party_is_private_person,
        "skjermingshjemmel": entry.get_screening_basis_display() if entry.title_screened else "",
    }


# Written exchanges on a case ---------------------------------------------------------------------------


def case_exchange(application):
    """The case's messages and requests for more information, oldest first, with what was sent along."""
    return {
        "case_messages": list(application.messages.select_related("author").order_by("sent_at", "pk")),
        "supplements": list(
            application.supplement_requests.select_related("requested_by", "answered_by")
            .prefetch_related("attachments")
            .order_by("requested_at", "pk")
        ),
    }


def open_supplement_refusal(application):
    """Why the case cannot go to the board while the applicant owes an answer to a request for more
    information (ettersending), or None."""
    open_request = application.supplement_requests.filter(answered_at__isnull=True).first()
    if open_request is None:
        return None
    return _(
        "Søkeren har ikke svart på anmodningen om ettersending (svarfrist %(deadline)s). "
        "Saken kan ikke sendes til styret før svaret er kommet."
    ) % {"deadline": long_date(open_request.reply_deadline)}


# Appeals (klage) ------------------------------------------------------------------------------------


def decision_in_force(application):
    """The decision on ``application`` that stands now: the newest one no later decision replaced
    (a clerical correction or the board's own new decision replaces the one it refers to), or None."""
    return (
        application.decisions.filter(corrected_by__isnull=True)
        .select_related("application__programme")
        .order_by("-decided_at", "-pk")
        .first()
    )


def appeal_deadline(decision):
    """The last day to appeal ``decision``: the programme's period (three weeks, forvaltningsloven
    § 29) from the day the applicant received its letter, moved to the next working day when it ends
    on a weekend or public holiday (fristloven § 5). The letter is e-mailed and shown in the
    portal the day it is issued, so that day counts as received; before the letter, the decision's day."""
    letter = (
        decision.letters.filter(kind__in=[Letter.Kind.GRANT_LETTER, Letter.Kind.REJECTION_LETTER])
        .order_by("created_at", "pk")
        .first()
    )
    received = timezone.localdate(letter.created_at if letter else decision.decided_at)
    return deadline_on_working_day(
        received + timedelta(weeks=decision.application.programme.appeal_period_weeks)
    )


@dataclass(frozen=True)
class AppealStanding:
    """What the applicant's page says about appealing: the decision one may appeal, its deadline,
    whether that has passed, and the appeals already lodged (newest first)."""

    decision: object
    deadline: date | None
    late: bool
    appeals: list
    refusal: str | None

    @property
    def open_appeal(self):
        return next((appeal for appeal in self.appeals if appeal.is_open), None)


def appeal_refusal(application, decision=None):
    """Why ``application``'s decision in force cannot be appealed now (None when it can). Late is
    not a refusal: the appeal is received and marked late."""
    if application.state not in (Application.State.APPROVED, Application.State.REJECTED):
        return _("Søknaden har ikke fått vedtak ennå; det er ingenting å klage på.")
    decision = decision or decision_in_force(application)
    if decision is None:
        return _("Søknaden har ikke fått vedtak ennå; det er ingenting å klage på.")
    if decision.is_historical or application.is_historical:
        return _("Vedtaket er registrert i ettertid fra programmets arkiv og kan ikke påklages i portalen.")
    if application.anonymised_at:
        return _(
            "Søknaden er anonymisert etter reglene for lagring av personopplysninger og kan ikke påklages."
        )
    open_appeal = Appeal.objects.filter(application=application, state__in=Appeal.OPEN_STATES).first()
    if open_appeal is not None:
        return _("Klagen dere sendte %(date)s, er under behandling.") % {
            "date": long_date(open_appeal.lodged_at)
        }
    if Decision.objects.filter(corrects=decision).exists():
        return _("Vedtaket er nettopp erstattet av et nytt vedtak. Last siden på nytt.")
    if BoardCase.objects.filter(reconsiders=decision).exclude(state=BoardCase.State.CLOSED).exists():
        return _(
            "Styret skal behandle en omgjøring av vedtaket. Dere kan klage på det nye vedtaket styret da "
            "fatter; klagefristen regnes fra det nye brevet."
        )
    lodged = Appeal.objects.filter(decision=decision).first()
    if lodged is not None:
        return _("Dere klaget på dette vedtaket %(date)s; klagen er «%(state)s».") % {
            "date": long_date(lodged.lodged_at),
            "state": lodged.get_state_display().lower(),
        }
    return None


def appeal_standing(application):
    """For the applicant's page and the appeal form: see :class:`AppealStanding`."""
    appeals = list(
        application.appeals.select_related("decision")
        .prefetch_related("attachments", "board_cases__meeting")
        .order_by("-lodged_at", "-pk")
    )
    decision = decision_in_force(application)
    deadline = appeal_deadline(decision) if decision is not None else None
    return AppealStanding(
        decision=decision,
        deadline=deadline,
        late=deadline is not None and timezone.localdate() > deadline,
        appeals=appeals,
        refusal=appeal_refusal(application, decision),
    )
