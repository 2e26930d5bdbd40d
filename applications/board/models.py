"""The board's models: meetings, cases, recusal, votes, stand-ins, decisions and letters.

They belong to the ``applications`` app (same app label, same tables); ``applications.models``
imports them, so ``from applications.models import BoardCase`` keeps working. They refer to the
application by its label ("applications.Application") and import nothing from ``applications``.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omstilling.models import MoneyField, Programme


class BoardMeeting(models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planlagt")
        OPEN = "open", _("Pågår")
        CLOSED = "closed", _("Avsluttet")

    TRANSITIONS = {
        State.PLANNED: (State.OPEN,),
        State.OPEN: (State.CLOSED,),
        State.CLOSED: (),
    }

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.PROTECT, related_name="board_meetings"
    )
    starts_at = models.DateTimeField(_("tidspunkt"))
    place = models.CharField(_("sted"), max_length=200)
    quorum_share = models.DecimalField(
        _("beslutningsdyktighet (andel)"),
        max_digits=3,
        decimal_places=2,
        help_text=_("Mer enn denne andelen av stemmeberettigede må være til stede og habile."),
    )
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opprettet av"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("styremøte")
        verbose_name_plural = _("styremøter")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_share__gte=0) & Q(quorum_share__lt=1),
                name="meeting_quorum_share_range",
            ),
        ]

    def __str__(self):
        return f"{self.programme.short_name or self.programme.name} {self.starts_at:%d.%m.%Y}"


class BoardCase(models.Model):
    """A styresak: one application on a meeting's agenda, or a year's omstillingsplan to adopt.

    A case is about exactly one subject (a database constraint): the board votes on, recuses from
    and minutes a plan case as it does an application.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Ikke åpnet")
        OPEN = "open", _("Til votering")
        CLOSED = "closed", _("Avgjort")

    TRANSITIONS = {
        State.PENDING: (State.OPEN,),
        State.OPEN: (State.CLOSED,),
        State.CLOSED: (),
    }

    meeting = models.ForeignKey(
        BoardMeeting, verbose_name=_("styremøte"), on_delete=models.PROTECT, related_name="cases"
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("søknad"),
        on_delete=models.PROTECT,
        related_name="board_cases",
        null=True,
        blank=True,
    )
    annual_plan = models.ForeignKey(
        "omstilling.AnnualPlan",
        verbose_name=_("omstillingsplan"),
        on_delete=models.PROTECT,
        related_name="board_cases",
        null=True,
        blank=True,
    )
    number = models.PositiveSmallIntegerField(_("saksnummer"))
    recommendation = models.TextField(_("innstilling"), blank=True)
    proposed_amount = MoneyField(_("foreslått beløp (kr)"), default=Decimal("0"))
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    opened_at = models.DateTimeField(_("åpnet"), null=True, blank=True)
    closed_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)
    # Whom the board chose to lead the case (møteleder) when the chair cannot: absent from the
    # meeting or recused in the case. The møteleder closes the case and has the casting vote.
    presiding = models.ForeignKey(
        "omstilling.BoardMembership",
        verbose_name=_("møteleder i saken"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A case that puts a decision of the board back before the board (omgjøring, forvaltningsloven
    # § 35): the application is decided, and the board votes on a changed amount.
    reconsiders = models.ForeignKey(
        "Decision",
        verbose_name=_("omgjør vedtak"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reconsiderations",
    )
    # A case in which the board reconsiders its decision because the applicant appealed it
    # (forvaltningsloven § 33): reverse it (a new decision) or uphold it and send the appeal on.
    appeal = models.ForeignKey(
        "applications.Appeal",
        verbose_name=_("klage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="board_cases",
    )

    class Meta:
        verbose_name = _("styresak")
        verbose_name_plural = _("styresaker")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="case_unique_number"),
            models.UniqueConstraint(fields=["meeting", "application"], name="case_unique_application"),
            models.UniqueConstraint(fields=["meeting", "annual_plan"], name="case_unique_annual_plan"),
            models.CheckConstraint(
                condition=(Q(application__isnull=False) & Q(annual_plan__isnull=True))
                | (Q(application__isnull=True) & Q(annual_plan__isnull=False)),
                name="case_exactly_one_subject",
            ),
            models.CheckConstraint(condition=Q(proposed_amount__gte=0), name="case_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(appeal__isnull=True)
                | (Q(reconsiders__isnull=True) & Q(application__isnull=False)),
                name="case_appeal_is_about_its_application",
            ),
        ]

    def __str__(self):
        return f"{_('Sak')} {self.number}: {self.subject_title}"

    @property
    def subject_title(self):
        """What the case is about, as the agenda and the minutes name it."""
        if self.annual_plan_id:
            return str(self.annual_plan)
        return self.application.title

    @property
    def subject_party(self):
        """Who the case concerns (the applicant), or the programme for a plan."""
        if self.annual_plan_id:
            programme = self.annual_plan.programme
            return programme.short_name or programme.name
        return self.application.organisation.name


class ConflictDeclaration(models.Model):
    """Inhabilitet (forvaltningsloven § 6): the member is recused from the case."""

    case = models.ForeignKey(
        BoardCase, verbose_name=_("styresak"), on_delete=models.CASCADE, related_name="conflicts"
    )
    member = models.ForeignKey(
        "omstilling.BoardMembership",
        verbose_name=_("styremedlem"),
        on_delete=models.PROTECT,
        related_name="conflicts",
    )
    reason = models.TextField(_("grunn"))
    declared_at = models.DateTimeField(_("erklært"), auto_now_add=True)

    class Meta:
        verbose_name = _("inhabilitetserklæring")
        verbose_name_plural = _("inhabilitetserklæringer")
        constraints = [
            models.UniqueConstraint(fields=["case", "member"], name="conflict_unique_member"),
        ]

    def __str__(self):
        return f"{self.member.user} inhabil i {self.case}"


class Vote(models.Model):
    class Choice(models.TextChoices):
        FOR = "for", _("For")
        AGAINST = "against", _("Mot")
        ABSTAIN = "abstain", _("Avstår")
        # Recorded by the møteleder for a present member who gave no vote, so that the case can close.
        NOT_VOTING = "not_voting", _("Stemte ikke")

    # What a member casts; NOT_VOTING is only recorded by the møteleder.
    BALLOT = (Choice.FOR, Choice.AGAINST, Choice.ABSTAIN)

    case = models.ForeignKey(
        BoardCase, verbose_name=_("styresak"), on_delete=models.CASCADE, related_name="votes"
    )
    member = models.ForeignKey(
        "omstilling.BoardMembership",
        verbose_name=_("styremedlem"),
        on_delete=models.PROTECT,
        related_name="votes",
    )
    choice = models.CharField(_("stemme"), max_length=12, choices=Choice.choices)
    cast_at = models.DateTimeField(_("avgitt"), auto_now_add=True)
    changed_at = models.DateTimeField(_("endret"), auto_now=True)

    class Meta:
        verbose_name = _("stemme")
        verbose_name_plural = _("stemmer")
        constraints = [
            models.UniqueConstraint(fields=["case", "member"], name="vote_unique_member_case"),
            models.CheckConstraint(
                condition=Q(choice__in=["for", "against", "abstain", "not_voting"]), name="vote_choice_valid"
            ),
        ]

    def __str__(self):
        return f"{self.member.user}: {self.get_choice_display()}"


class Decision(models.Model):
    """A vedtak. Immutable once recorded; a correction is a new decision referring to the old."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Innvilget")
        REJECTED = "rejected", _("Avslått")

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("søknad"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    case = models.OneToOneField(
        BoardCase,
        verbose_name=_("styresak"),
        on_delete=models.PROTECT,
        related_name="decision",
        null=True,
        blank=True,
    )
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("retter vedtak"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
    )
    outcome = models.CharField(_("utfall"), max_length=10, choices=Outcome.choices)
    amount = MoneyField(_("innvilget beløp (kr)"), default=Decimal("0"))
    conditions = models.TextField(_("vilkår"), blank=True)
    reason = models.TextField(_("begrunnelse"), blank=True)
    votes_for = models.PositiveSmallIntegerField(_("stemmer for"), default=0)
    votes_against = models.PositiveSmallIntegerField(_("stemmer mot"), default=0)
    votes_abstain = models.PositiveSmallIntegerField(_("avstår"), default=0)
    voters = models.JSONField(_("stemte"), default=list, blank=True)
    recused = models.JSONField(_("inhabile"), default=list, blank=True)
    casting_vote_used = models.BooleanField(_("møteleders dobbeltstemme brukt"), default=False)
    # Who led the case and so held the casting vote, as named when the case was closed.
    presided_by = models.CharField(_("møteleder (dobbeltstemme)"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("vedtatt"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registrert av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_historical = models.BooleanField(_("historisk"), default=False)

    class Meta:
        verbose_name = _("vedtak")
        verbose_name_plural = _("vedtak")
        ordering = ["-decided_at"]
        indexes = [models.Index(fields=["-decided_at", "-id"], name="decision_newest_first")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="decision_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(outcome="approved") | Q(amount=0),
                name="decision_rejection_has_no_amount",
            ),
        ]

    def __str__(self):
        return f"{self.application.reference}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("Et vedtak kan ikke endres. Registrer et nytt vedtak som retter det."))
        super().save(*args, **kwargs)


class MeetingAttendance(models.Model):
    """Who is present at a meeting; a deputy's row names the member they stand in for."""

    meeting = models.ForeignKey(
        BoardMeeting, verbose_name=_("styremøte"), on_delete=models.CASCADE, related_name="attendance"
    )
    member = models.ForeignKey(
        "omstilling.BoardMembership",
        verbose_name=_("styremedlem"),
        on_delete=models.PROTECT,
        related_name="attendance",
    )
    stands_in_for = models.ForeignKey(
        "omstilling.BoardMembership",
        verbose_name=_("møter for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registrert"), auto_now_add=True)

    class Meta:
        verbose_name = _("oppmøte")
        verbose_name_plural = _("oppmøte")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique_member"),
            models.UniqueConstraint(
                fields=["meeting", "stands_in_for"],
                condition=Q(stands_in_for__isnull=False),
                name="attendance_one_deputy_per_member",
            ),
        ]

    def __str__(self):
        return f"{self.member.user} ({self.meeting})"


class CaseStandIn(models.Model):
    """A deputy present at the meeting takes the seat of a member recused in one case, for that case
    only; the board keeps its quorum and its full vote."""

    case = models.ForeignKey(
        BoardCase, verbose_name=_("styresak"), on_delete=models.CASCADE, related_name="stand_ins"
    )
    deputy = models.ForeignKey(
        "omstilling.BoardMembership",
        verbose_name=_("varamedlem"),
        on_delete=models.PROTECT,
        related_name="case_stand_ins",
    )
    stands_in_for = models.ForeignKey(
        "omstilling.BoardMembership",
        verbose_name=_("møter for"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registrert"), auto_now_add=True)

    class Meta:
        verbose_name = _("vara i sak")
        verbose_name_plural = _("vara i saker")
        constraints = [
            models.UniqueConstraint(fields=["case", "stands_in_for"], name="case_stand_in_one_per_member"),
            models.UniqueConstraint(fields=["case", "deputy"], name="case_stand_in_one_member_per_deputy"),
            models.CheckConstraint(
                condition=~Q(deputy=F("stands_in_for")), name="case_stand_in_not_for_oneself"
            ),
        ]

    def __str__(self):
        return f"{self.deputy.user} for {self.stands_in_for.user} ({self.case})"


def letter_path(instance, filename):
    return f"letters/{instance.kind}/{uuid.uuid4().hex}.pdf"


class Letter(models.Model):
    """A generated tilsagnsbrev, avslagsbrev or møtebok. Never edited: a new one replaces it."""

    class Kind(models.TextChoices):
        GRANT_LETTER = "grant_letter", _("Tilsagnsbrev")
        REJECTION_LETTER = "rejection_letter", _("Avslagsbrev")
        APPEAL_FORWARDED = "appeal_forwarded", _("Brev om klage sendt klageinstansen")
        MINUTES = "minutes", _("Møtebok")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("vedtak"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
    )
    meeting = models.ForeignKey(
        BoardMeeting,
        verbose_name=_("styremøte"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
    )
    file = models.FileField(_("fil"), upload_to=letter_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("laget"), auto_now_add=True)

    class Meta:
        verbose_name = _("brev")
        verbose_name_plural = _("brev og møtebøker")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="minutes") & Q(meeting__isnull=False) & Q(decision__isnull=True))
                | (~Q(kind="minutes") & Q(decision__isnull=False)),
                name="letter_belongs_to_decision_or_meeting",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.created_at:%d.%m.%Y})"
