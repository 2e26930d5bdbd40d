"""Who may do what on the board: one predicate per action, asked by the service before it writes
(``omstilling.policies.guarded``) and by the admin page before it shows the button.

Each ``can_*`` predicate takes ``(user, obj)`` and returns None when the user may act now, or the
reason, in a sentence for the person refused. The ``*_refusal`` helpers give the reasons that follow
from the case's state rather than from who is asking; the predicates include them.

Who may do what (the README's role table says the same):

- programme staff (the programme leader, case handlers) and site admins prepare and run meetings:
  agenda, attendance, opening cases, closing meetings, stand-ins; they assess and send to the board;
  they record a clerical correction of a decision (wording of the conditions, never amount or outcome);
- the chair runs meetings as staff do; the møteleder of a case closes it and records a member who
  did not vote;
- members, the chair and deputies sitting in a seat vote and declare conflicts of interest;
  observers see the cases on the agenda of their meetings and never vote nor declare anything.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import (
    Appeal,
    Application,
    Assessment,
    BoardCase,
    BoardMeeting,
    Decision,
    MeetingAttendance,
    Vote,
)
from applications.policies import acts_for_organisation, is_programme_staff, may_run_meeting
from omstilling.formatting import format_kr
from omstilling.models import BoardMembership, Programme

from .money import grant_side
from .selectors import (
    board_seat,
    case_presiding,
    case_quorum,
    case_tally,
    chair_leads,
    eligible_voters,
    seat_statuses,
)

Role = BoardMembership.Role


def programme_of(obj):
    """The programme of a board object: a programme, meeting, case, application or decision."""
    if obj is None or isinstance(obj, Programme):
        return obj
    if isinstance(obj, BoardMeeting):
        return obj.programme
    if isinstance(obj, BoardCase):
        return obj.meeting.programme
    if isinstance(obj, Application):
        return obj.programme
    return obj.application.programme


def seat_vote_refusal(case, seat):
    """Why ``seat`` may not vote in ``case`` (None when it may)."""
    if seat is None:
        return _("Du har ikke sete i styret for dette programmet.")
    if seat.role == Role.OBSERVER:
        return _("Observatører har ikke stemmerett.")
    if case.conflicts.filter(member=seat).exists():
        return _("Du har erklært deg inhabil i denne saken og kan ikke stemme.")
    # Acting for the applicant disqualifies (forvaltningsloven § 6 første ledd bokstav e), declared or not.
    if case.application_id and acts_for_organisation(seat.user, case.application):
        return _(
            "Du handler for søkeren (%(organisation)s) og er inhabil i saken (forvaltningsloven § 6 første "
            "ledd bokstav e). Erklær deg inhabil, så kan et varamedlem tre inn."
        ) % {"organisation": case.application.organisation.name}
    statuses = seat_statuses(case)
    if seat.pk in eligible_voters(case, statuses):
        # The vote is held under the møteleder, whose own vote decides a tie: choosing them after
        # the votes are in would let the choice decide the case.
        if case_presiding(case, statuses) is None:
            return _(
                "Saken har ingen møteleder ennå: styreleder er fraværende eller inhabil. Styret velger "
                "en møteleder før voteringen."
            )
        return None
    if seat.role == Role.DEPUTY:
        return _(
            "Som varamedlem stemmer du bare når du er registrert som møtende for et fraværende styremedlem, "
            "eller for et styremedlem som er inhabilt i denne saken."
        )
    if MeetingAttendance.objects.filter(meeting=case.meeting, stands_in_for=seat).exists():
        return _("Et varamedlem møter for deg på dette møtet.")
    return _("Du er ikke registrert som til stede på møtet.")


def vote_refusal(case, user):
    """Why ``user`` cannot vote in ``case`` right now, or None; for the case page's controls."""
    if case.state != BoardCase.State.OPEN:
        return _("Saken er ikke åpen for votering.")
    return seat_vote_refusal(case, board_seat(user, case.meeting.programme))


def presiding_refusal(case, member, statuses):
    """Why ``member`` cannot be made møteleder of ``case`` now (None when they can)."""
    if case.state == BoardCase.State.CLOSED:
        return _("Saken er avgjort; møteleder kan ikke endres.")
    if chair_leads(statuses):
        return _("Styreleder er til stede og habil i saken og leder den selv.")
    if member.pk not in eligible_voters(case, statuses):
        return _("%(name)s stemmer ikke i saken og kan ikke lede den.") % {"name": member.user}
    # The møteleder's vote decides a tie: once votes are cast, the choice must not follow them. A new
    # one is chosen then only when the case has lost its møteleder (recused or gone mid-vote).
    current = case_presiding(case, statuses)
    if current is not None and current.pk != member.pk and case.votes.exists():
        return _("Voteringen har begynt; møteleder kan ikke byttes nå.")
    return None


def case_presiding_candidates(case, statuses=None):
    """Those the board may choose to lead ``case`` now: those who vote in it; none when the chair
    leads it, when it is decided, or when votes are cast under its møteleder."""
    statuses = seat_statuses(case) if statuses is None else statuses
    if case.state == BoardCase.State.CLOSED or chair_leads(statuses):
        return []
    if case_presiding(case, statuses) is not None and case.votes.exists():
        return []
    return [status.voter for status in eligible_voters(case, statuses).values()]


def case_add_refusal(meeting, application):
    """Why ``application`` cannot go on ``meeting``'s agenda (None when it can)."""
    if meeting.state == BoardMeeting.State.CLOSED:
        return _("Møtet er avsluttet; saker kan ikke føres opp på det.")
    if application.programme_id != meeting.programme_id:
        return _("Søknaden hører til et annet program.")
    if application.state == Application.State.IN_REVIEW:
        assessment = Assessment.objects.filter(application=application).first()
        if assessment is None or assessment.submitted_at is None:
            return _("Søknaden må ha en ferdig vurdering før den kan sendes til styret.")
    elif application.state != Application.State.TO_BOARD:
        return _(
            "Bare søknader som er vurdert og sendt til styret kan føres opp. Denne har status «%(state)s»."
        ) % {"state": application.get_state_display()}
    if BoardCase.objects.filter(application=application).exclude(state=BoardCase.State.CLOSED).exists():
        return _("Søknaden står allerede på sakslisten til et møte.")
    return None


def plan_add_refusal(meeting, plan):
    """Why the omstillingsplan ``plan`` cannot go on ``meeting``'s agenda for the board to adopt
    (None when it can)."""
    if plan.programme_id != meeting.programme_id:
        return _("Omstillingsplanen hører til et annet program enn møtet.")
    if meeting.state == BoardMeeting.State.CLOSED:
        return _("Møtet er avsluttet; saker kan ikke legges til.")
    if plan.adopted_on:
        return _("Styret har allerede vedtatt denne omstillingsplanen.")
    if BoardCase.objects.filter(annual_plan=plan).exclude(state=BoardCase.State.CLOSED).exists():
        return _("Omstillingsplanen står allerede på en saksliste.")
    return None


def reconsider_refusal(decision):
    """Why ``decision`` cannot be put back before the board with a changed amount (None when it can).
    Only the board changes what the board decided, and the offer changes when the board has voted it,
    so the grant must still be an offer the applicant has not accepted."""
    if decision.outcome != Decision.Outcome.APPROVED:
        return _("Bare et vedtak om tilsagn kan omgjøres med et nytt beløp.")
    if Decision.objects.filter(corrects=decision).exists():
        return _("Vedtaket er allerede erstattet; ta utgangspunkt i det nyeste vedtaket.")
    if BoardCase.objects.filter(reconsiders=decision).exclude(state=BoardCase.State.CLOSED).exists():
        return _("Vedtaket står allerede på sakslisten til et møte for omgjøring.")
    return open_appeal_refusal(decision) or grant_side().replace_refusal(decision)


def open_appeal_refusal(decision):
    """Why ``decision`` cannot be replaced while the applicant's appeal on it is being handled: the
    board answers the appeal first (forvaltningsloven § 33), with a new decision if it reverses."""
    if Appeal.objects.filter(decision=decision, state__in=Appeal.OPEN_STATES).exists():
        return _(
            "Søkeren har klaget på vedtaket, og klagen er under behandling. Før klagen opp for styret; "
            "omgjør styret vedtaket, skjer det der."
        )
    return None


def reconsideration_refusal(meeting, decision, amount):
    """Why ``decision`` cannot go before the board on ``meeting`` with the amount changed to
    ``amount`` (None when it can)."""
    if meeting.state == BoardMeeting.State.CLOSED:
        return _("Møtet er avsluttet; saker kan ikke føres opp på det.")
    if decision.application.programme_id != meeting.programme_id:
        return _("Vedtaket hører til et annet program.")
    if BoardCase.objects.filter(meeting=meeting, application=decision.application).exists():
        return _("Søknaden har allerede en sak på dette møtet; før omgjøringen opp på et senere møte.")
    if amount is None or amount <= 0 or amount != amount.to_integral_value():
        return _("Oppgi det nye beløpet i hele kroner.")
    if amount == decision.amount:
        return _("Beløpet er det samme som i vedtaket; det er ingenting for styret å omgjøre.")
    return reconsider_refusal(decision)


def appeal_case_refusal(meeting, appeal, amount):
    """Why ``appeal`` cannot go before the board on ``meeting`` with the proposal to decide
    ``amount`` (None when it can). The proposal either upholds the decision (the same amount: 0 for
    a rejection) or reverses it in the applicant's favour (a grant, or a larger one)."""
    if meeting.state == BoardMeeting.State.CLOSED:
        return _("Møtet er avsluttet; saker kan ikke føres opp på det.")
    if appeal.application.programme_id != meeting.programme_id:
        return _("Klagen hører til et annet program.")
    if appeal.state == Appeal.State.ON_AGENDA:
        return _("Klagen står allerede på sakslisten til et møte.")
    if appeal.state != Appeal.State.RECEIVED:
        return _("Klagen er avgjort av styret («%(state)s»).") % {"state": appeal.get_state_display()}
    if BoardCase.objects.filter(meeting=meeting, application=appeal.application_id).exists():
        return _("Søknaden har allerede en sak på dette møtet; før klagen opp på et senere møte.")
    decision = appeal.decision
    if Decision.objects.filter(corrects=decision).exists():
        return _("Vedtaket klagen gjelder, er erstattet av et nyere vedtak.")
    if amount is None or amount < 0 or amount != amount.to_integral_value():
        return _(
            "Oppgi beløpet i hele kroner: det vedtaket gir i dag for å opprettholde det, "
            "mer for å omgjøre det."
        )
    if amount < decision.amount:
        return _("Innstillingen kan ikke gi søkeren mindre enn det påklagede vedtaket (%(amount)s).") % {
            "amount": format_kr(decision.amount)
        }
    if amount != decision.amount and decision.outcome == Decision.Outcome.APPROVED:
        return grant_side().replace_refusal(decision)
    return None


def step_in_refusal(case, deputy, stands_in_for):
    """Why ``deputy`` cannot take recused ``stands_in_for``'s seat in ``case`` (None when they can).

    ``stands_in_for`` is the chair or a member, or a deputy sitting in one of their seats for the
    whole meeting; a personal deputy steps in only in their own member's seat."""
    if case.state == BoardCase.State.CLOSED:
        return _("Saken er avgjort; varamedlemmer kan ikke lenger tre inn.")
    programme_id = case.meeting.programme_id
    if deputy.programme_id != programme_id or not deputy.is_active or deputy.role != Role.DEPUTY:
        return _("Bare et aktivt varamedlem i dette styret kan tre inn for et inhabilt styremedlem.")
    attendance = {
        row.member_id: row
        for row in case.meeting.attendance.select_related("stands_in_for__user", "stands_in_for__programme")
    }
    if stands_in_for.has_vote:
        seat = stands_in_for
    else:
        held = attendance.get(stands_in_for.pk)
        seat = held.stands_in_for if held is not None else None
    if seat is None or stands_in_for.programme_id != programme_id or not stands_in_for.is_active:
        return _(
            "Varamedlemmet kan bare tre inn for styreleder, et styremedlem eller et varamedlem som møter "
            "for en av dem."
        )
    if deputy.deputy_for_id and deputy.deputy_for_id != seat.pk:
        return _("%(deputy)s er vara for %(member)s, ikke for %(other)s.") % {
            "deputy": deputy.user,
            "member": deputy.deputy_for.user,
            "other": seat.user,
        }
    recused = set(case.conflicts.values_list("member_id", flat=True))
    if stands_in_for.pk not in recused:
        return _("%(member)s har ikke erklært seg inhabil i saken; et varamedlem kan ikke tre inn.") % {
            "member": stands_in_for.user
        }
    if deputy.pk in recused:
        return _("%(deputy)s har selv erklært seg inhabil i saken.") % {"deputy": deputy.user}
    own = attendance.get(deputy.pk)
    if own is None:
        return _("%(deputy)s er ikke registrert som til stede på møtet.") % {"deputy": deputy.user}
    if own.stands_in_for_id:
        return _("%(deputy)s møter allerede for %(member)s på hele møtet.") % {
            "deputy": deputy.user,
            "member": own.stands_in_for.user,
        }
    if any(row.stands_in_for_id == stands_in_for.pk for row in attendance.values()):
        return _("Et varamedlem møter allerede for %(member)s på hele møtet.") % {
            "member": stands_in_for.user
        }
    for row in case.stand_ins.select_related("deputy__user", "stands_in_for__user"):
        if row.deputy_id == deputy.pk:
            return _("%(deputy)s trer allerede inn for %(member)s i denne saken.") % {
                "deputy": deputy.user,
                "member": row.stands_in_for.user,
            }
        if row.stands_in_for_id == stands_in_for.pk:
            return _("%(other)s trer allerede inn for %(member)s i denne saken.") % {
                "other": row.deputy.user,
                "member": stands_in_for.user,
            }
    if case.votes.filter(member=deputy).exists():
        return _("%(deputy)s har allerede en stemme i saken.") % {"deputy": deputy.user}
    return None


def case_deputy_candidates(case, statuses=None):
    """{seat pk: [deputies who may step in for its recused holder in ``case``]}, for the seats a
    recusal left without a vote and no deputy has taken yet."""
    statuses = seat_statuses(case) if statuses is None else statuses
    if case.state == BoardCase.State.CLOSED:
        return {}
    empty = [status for status in statuses if status.recused_holder is not None and not status.case_stand_in]
    if not empty:
        return {}
    present = [
        row.member
        for row in case.meeting.attendance.filter(stands_in_for__isnull=True, member__role=Role.DEPUTY)
        .select_related("member__user", "member__deputy_for__user")
        .order_by("member__user__full_name", "pk")
    ]
    return {
        status.seat.pk: [
            deputy for deputy in present if step_in_refusal(case, deputy, status.recused_holder) is None
        ]
        for status in empty
    }


def close_refusal(case, user, statuses=None):
    """Why ``user`` cannot close ``case`` now (None when they can); the admin shows it as it is."""
    statuses = seat_statuses(case) if statuses is None else statuses
    if case.state != BoardCase.State.OPEN:
        return _("Saken er ikke åpen for votering.")
    presiding = case_presiding(case, statuses)
    if presiding is None:
        return _(
            "Styreleder kan ikke lede saken (fraværende eller inhabil). Styret må velge en møteleder "
            "for saken blant dem som stemmer i den, før den kan avsluttes."
        )
    if presiding.user_id != getattr(user, "pk", None):
        return _("Bare styreleder, eller den styret har valgt til møteleder i saken, kan avslutte saken.")
    quorum = case_quorum(case, statuses)
    if not quorum.met:
        return _("Styret er ikke vedtaksført: %(explanation)s") % {"explanation": quorum.explanation}
    tally = case_tally(case, statuses)
    if tally.not_voted:
        return _(
            "Ikke alle som stemmer i saken har stemt (%(names)s). Hver av dem stemmer for, mot eller "
            "avstår, eller møteleder fører at vedkommende ikke stemte."
        ) % {"names": ", ".join(tally.not_voted)}
    if tally.votes_for == tally.votes_against:
        if tally.votes_for == 0:
            return _("Ingen har stemt for eller mot innstillingen.")
        if tally.presiding_choice not in (Vote.Choice.FOR, Vote.Choice.AGAINST):
            return _(
                "Stemmelikhet (%(for)d–%(against)d): møteleder %(name)s må stemme for eller mot, "
                "for møteleders stemme avgjør."
            ) % {"for": tally.votes_for, "against": tally.votes_against, "name": presiding.user}
    return None


def correction_refusal(decision):
    """Why ``decision`` cannot be corrected now (None when it can); the admin shows it as it is."""
    if decision.outcome != Decision.Outcome.APPROVED:
        return _("Bare et vedtak om tilsagn kan rettes her.")
    if Decision.objects.filter(corrects=decision).exists():
        return _("Vedtaket er allerede rettet; rett det nyeste vedtaket.")
    return open_appeal_refusal(decision) or grant_side().replace_refusal(decision)


# The predicates the services are guarded by --------------------------------------------------------


def can_run_meeting(user, obj):
    """Programme staff and the chair prepare and run the board's meetings."""
    if not may_run_meeting(user, programme_of(obj)):
        return _("Bare styreleder eller programmets administrasjon kan gjøre dette.")
    return None


def meeting_not_yet_refusal(meeting):
    """Voting opens on the meeting's own day (Europe/Oslo), never before."""
    if timezone.localdate(meeting.starts_at) > timezone.localdate():
        return _("Møtet er %(date)s; saker kan ikke åpnes for votering før møtedagen.") % {
            "date": timezone.localdate(meeting.starts_at).strftime("%d.%m.%Y")
        }
    return None


def can_run_case(user, case):
    """Staff and the chair run a case (open it, seat a deputy in it, register its møteleder); a chair
    recused in it does none of that (forvaltningsloven § 6: a disqualified person neither decides
    nor prepares the decision)."""
    refusal = can_run_meeting(user, case)
    if refusal:
        return refusal
    programme = programme_of(case)
    seat = board_seat(user, programme)
    staff = is_programme_staff(user, programme)
    if not staff and seat is not None and case.conflicts.filter(member=seat).exists():
        return _("Du er inhabil i saken og kan verken åpne den, velge møteleder eller sette inn vara i den.")
    return None


def can_open_case(user, case):
    return can_run_case(user, case) or meeting_not_yet_refusal(case.meeting)


def can_choose_presiding(user, case):
    """Staff or the chair register whom the board chose to lead a case; a recused chair does not."""
    return can_run_case(user, case)


def can_declare_conflict(user, case):
    """Those who may vote on the board declare themselves disqualified; an observer has no vote to
    be disqualified from."""
    seat = board_seat(user, programme_of(case))
    if seat is None:
        return _("Du har ikke sete i styret for dette programmet.")
    if seat.role == Role.OBSERVER:
        return _("Observatører stemmer ikke og erklærer derfor ikke inhabilitet.")
    if case.state == BoardCase.State.CLOSED:
        return _("Saken er avgjort; inhabilitet kan ikke erklæres etterpå.")
    return None


def can_vote(user, case):
    return vote_refusal(case, user)


def can_close(user, case):
    return close_refusal(case, user)


def can_record_not_voting(user, case):
    """The møteleder records that a present member did not vote, so that the case can close."""
    if case.state != BoardCase.State.OPEN:
        return _("Saken er ikke åpen for votering.")
    presiding = case_presiding(case)
    if presiding is None or presiding.user_id != getattr(user, "pk", None):
        return _("Bare møteleder i saken kan føre at et medlem ikke stemte.")
    return None


def can_correct_decision(user, decision):
    """The programme's staff record a clerical correction of a decision (the board's own decision
    is changed only by the board)."""
    if not is_programme_staff(user, programme_of(decision)):
        return _("Bare programmets administrasjon kan rette et vedtak.")
    return correction_refusal(decision)
