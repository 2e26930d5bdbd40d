"""Organisations, applications (with cost and financing plans), assessment and the board."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from stdnum.no import orgnr as stdnum_orgnr

from omstilling.models import Call, Category, FocusArea, MoneyField, Programme
from omstilling.roles import programmes_for_board, programmes_for_staff


def validate_orgnr(value):
    if value and not stdnum_orgnr.is_valid(value):
        raise ValidationError(
            _("«%(value)s» er ikke et gyldig organisasjonsnummer (9 siffer med kontrollsiffer)."),
            params={"value": value},
            code="invalid_orgnr",
        )


class Organisation(models.Model):
    """An applicant: a company or organisation, known by its organisasjonsnummer."""

    orgnr = models.CharField(
        _("organisasjonsnummer"),
        max_length=9,
        blank=True,
        validators=[validate_orgnr],
        help_text=_("Ni siffer. Kan stå tomt bare for historiske tilsagn."),
    )
    name = models.CharField(_("navn"), max_length=200)
    address = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=4, blank=True)
    city = models.CharField(_("poststed"), max_length=100, blank=True)
    municipality = models.ForeignKey(
        "omstilling.Municipality",
        verbose_name=_("kommune"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organisations",
    )
    contact_name = models.CharField(_("kontaktperson"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-post"), blank=True)
    contact_phone = models.CharField(_("telefon"), max_length=30, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("brukere"),
        through="OrganisationMembership",
        related_name="organisations",
        blank=True,
    )
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisasjon")
        verbose_name_plural = _("organisasjoner")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["orgnr"], condition=~Q(orgnr=""), name="organisation_unique_orgnr"
            ),
            models.CheckConstraint(
                condition=Q(orgnr="") | Q(orgnr__regex=r"^[0-9]{9}$"),
                name="organisation_orgnr_9_digits",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.orgnr})" if self.orgnr else self.name


class OrganisationMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        MEMBER = "member", _("Medlem")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisasjon"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bruker"),
        on_delete=models.CASCADE,
        related_name="organisation_memberships",
    )
    role = models.CharField(_("rolle"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)

    class Meta:
        verbose_name = _("medlemskap i organisasjon")
        verbose_name_plural = _("medlemskap i organisasjoner")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="organisation_membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organisation}"


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The applications ``user`` may read in the case-handling admin.

        Programme staff read all of their programme's, drafts included (as the national grant portal
        lets its administrators do; the applicant's form says so). Board members, deputies and
        observers read only the applications on the agenda of their programme's board meetings,
        which are never drafts. Site admins read all; anyone else none.
        """
        if user is None or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        staff = programmes_for_staff(user).values("pk")
        board = programmes_for_board(user).values("pk")
        on_agenda = Exists(BoardCase.objects.filter(application=OuterRef("pk"), meeting__programme__in=board))
        return self.filter(Q(programme__in=staff) | (on_agenda & ~Q(state=Application.State.DRAFT)))


class Application(models.Model):
    """A søknad: one project proposal under one call and one focus area."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Utkast")
        SUBMITTED = "submitted", _("Sendt inn")
        IN_REVIEW = "in_review", _("Under behandling")
        TO_BOARD = "to_board", _("Til styret")
        APPROVED = "approved", _("Innvilget")
        REJECTED = "rejected", _("Avslått")
        WITHDRAWN = "withdrawn", _("Trukket")

    TRANSITIONS = {
        State.DRAFT: (State.SUBMITTED, State.WITHDRAWN),
        State.SUBMITTED: (State.IN_REVIEW, State.WITHDRAWN),
        State.IN_REVIEW: (State.TO_BOARD, State.REJECTED),
        State.TO_BOARD: (State.APPROVED, State.REJECTED, State.IN_REVIEW),
        State.APPROVED: (),
        State.REJECTED: (),
        State.WITHDRAWN: (),
    }

    reference = models.CharField(_("referanse"), max_length=30, unique=True)
    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.PROTECT, related_name="applications"
    )
    call = models.ForeignKey(
        Call,
        verbose_name=_("utlysning"),
        on_delete=models.PROTECT,
        related_name="applications",
        null=True,
        blank=True,
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("søker"), on_delete=models.PROTECT, related_name="applications"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opprettet av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications_created",
    )
    state = models.CharField(
        _("status"), max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    category = models.CharField(_("kategori"), max_length=20, choices=Category.choices)
    focus_area = models.ForeignKey(
        FocusArea, verbose_name=_("innsatsområde"), on_delete=models.PROTECT, related_name="applications"
    )
    title = models.CharField(_("prosjekttittel"), max_length=200)
    summary = models.TextField(_("sammendrag"), max_length=500, blank=True)
    description = models.TextField(_("prosjektbeskrivelse"), blank=True)
    start_date = models.DateField(_("startdato"), null=True, blank=True)
    end_date = models.DateField(_("sluttdato"), null=True, blank=True)
    contact_name = models.CharField(_("kontaktperson"), max_length=200, blank=True)
    contact_email = models.EmailField(_("kontaktpersonens e-post"), blank=True)
    contact_phone = models.CharField(_("kontaktpersonens telefon"), max_length=30, blank=True)
    expected_new_jobs = models.PositiveIntegerField(_("forventede nye arbeidsplasser"), default=0)
    expected_secured_jobs = models.PositiveIntegerField(_("forventede sikrede arbeidsplasser"), default=0)
    expected_new_firms = models.PositiveIntegerField(_("forventede nye bedrifter"), default=0)
    de_minimis_declared = models.BooleanField(_("erklæring om bagatellstøtte avgitt"), default=False)
    de_minimis_received = MoneyField(
        _("mottatt bagatellstøtte siste tre regnskapsår (kr)"), default=Decimal("0")
    )
    de_minimis_details = models.TextField(_("bagatellstøtte – detaljer"), blank=True)
    is_historical = models.BooleanField(_("historisk"), default=False)
    import_key = models.CharField(
        _("importnøkkel"),
        max_length=64,
        blank=True,
        help_text=_("Identifiserer en importert rad, slik at samme fil ikke importeres to ganger."),
    )
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("endret"), auto_now=True)
    submitted_at = models.DateTimeField(_("sendt inn"), null=True, blank=True)
    decided_at = models.DateTimeField(_("avgjort"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("trukket"), null=True, blank=True)
    # Set by the task that sends the submission's receipt and the staff notice, once both went out;
    # a submitted application without it is owed them (see applications.tasks.receipts_resend_unsent).
    receipt_sent_at = models.DateTimeField(_("kvittering sendt"), null=True, blank=True, editable=False)
    # Set instead when the mail server refused the applicant's address for good (a mistyped address):
    # the receipt is not sent again by itself; the staff see why on the application's page and can resend it.
    receipt_undeliverable_at = models.DateTimeField(
        _("kvittering kunne ikke leveres"),
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "E-posttjeneren avviste søkerens adresse. Kvitteringen sendes ikke på nytt av seg selv: "
            "rett adressen og send den på nytt fra søknadens side."
        ),
    )
    receipt_undeliverable_reason = models.TextField(_("svar fra e-posttjeneren"), blank=True, editable=False)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("søknad")
        verbose_name_plural = _("søknader")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["programme", "state"], name="application_programme_state"),
            # The admin worklist's default order; lets a page of 100 000 rows be read from the index.
            models.Index(fields=["-created_at", "-id"], name="application_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date"))
                | Q(end_date__isnull=True)
                | Q(start_date__isnull=True),
                name="application_dates_ordered",
                violation_error_message=_("Sluttdatoen kan ikke være før startdatoen."),
            ),
            models.CheckConstraint(
                condition=Q(de_minimis_received__gte=0),
                name="application_de_minimis_non_negative",
                violation_error_message=_("Bagatellstøtten kan ikke være et negativt beløp."),
            ),
            models.CheckConstraint(
                condition=Q(
                    state__in=[
                        "draft",
                        "submitted",
                        "in_review",
                        "to_board",
                        "approved",
                        "rejected",
                        "withdrawn",
                    ]
                ),
                name="application_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(category__in=["forstudie", "forprosjekt", "hovedprosjekt"]),
                name="application_category_valid",
                violation_error_message=_("Velg forstudie, forprosjekt eller hovedprosjekt."),
            ),
            models.UniqueConstraint(
                fields=["programme", "import_key"],
                condition=~Q(import_key=""),
                name="application_unique_import_key",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    def clean(self):
        errors = {}
        if self.call_id and self.programme_id and self.call.programme_id != self.programme_id:
            errors["call"] = _("Utlysningen hører til et annet program.")
        if (
            self.focus_area_id
            and self.programme_id
            and self.focus_area.plan_period.programme_id != self.programme_id
        ):
            errors["focus_area"] = _("Innsatsområdet hører til et annet program.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_editable(self):
        return self.state == self.State.DRAFT


class CostLine(models.Model):
    """A line of the cost plan (kostnadsplan)."""

    application = models.ForeignKey(
        Application, verbose_name=_("søknad"), on_delete=models.CASCADE, related_name="cost_lines"
    )
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    description = models.CharField(_("kostnad"), max_length=200)
    amount = MoneyField(_("beløp (kr)"))

    class Meta:
        verbose_name = _("kostnadslinje")
        verbose_name_plural = _("kostnadsplan")
        ordering = ["application", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="cost_line_amount_non_negative"),
        ]

    def __str__(self):
        return f"{self.description}: {self.amount}"


class FinancingLine(models.Model):
    """A line of the financing plan (finansieringsplan); the lines must balance the costs."""

    class Kind(models.TextChoices):
        OWN_FUNDS = "own_funds", _("Egne midler")
        OTHER_PUBLIC = "other_public", _("Annen offentlig finansiering")
        PRIVATE = "private", _("Privat finansiering")
        PROGRAMME = "programme", _("Søkt fra omstillingsprogrammet")

    application = models.ForeignKey(
        Application, verbose_name=_("søknad"), on_delete=models.CASCADE, related_name="financing_lines"
    )
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("kilde"), max_length=200, blank=True)
    amount = MoneyField(_("beløp (kr)"))

    class Meta:
        verbose_name = _("finansieringslinje")
        verbose_name_plural = _("finansieringsplan")
        ordering = ["application", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="financing_line_amount_non_negative"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.amount}"


def attachment_path(instance, filename):
    # The stored name never reuses the uploader's file name; the original is kept in a field.
    return f"attachments/{instance.application_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    class Kind(models.TextChoices):
        PROJECT_PLAN = "project_plan", _("Prosjektplan")
        BUDGET = "budget", _("Budsjett")
        OTHER = "other", _("Annet")

    application = models.ForeignKey(
        Application, verbose_name=_("søknad"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("type vedlegg"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(_("fil"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("filnavn"), max_length=255)
    content_type = models.CharField(_("filtype"), max_length=100)
    size = models.PositiveBigIntegerField(_("størrelse (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lastet opp av"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("lastet opp"), auto_now_add=True)

    class Meta:
        verbose_name = _("vedlegg")
        verbose_name_plural = _("vedlegg")
        ordering = ["application", "uploaded_at"]

    def __str__(self):
        return self.original_name


class ApplicationSnapshot(models.Model):
    """A frozen copy of exactly what was submitted."""

    application = models.OneToOneField(
        Application, verbose_name=_("søknad"), on_delete=models.CASCADE, related_name="snapshot"
    )
    submitted_at = models.DateTimeField(_("sendt inn"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sendt inn av"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    data = models.JSONField(_("innhold"))

    class Meta:
        verbose_name = _("innsendt versjon")
        verbose_name_plural = _("innsendte versjoner")

    def __str__(self):
        return f"{self.application.reference} ({self.submitted_at:%Y-%m-%d %H:%M})"


class AssessmentCriterion(models.Model):
    """A criterion the programme scores applications on (1–6)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.CASCADE, related_name="criteria"
    )
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    name = models.CharField(_("kriterium"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True)

    class Meta:
        verbose_name = _("vurderingskriterium")
        verbose_name_plural = _("vurderingskriterier")
        ordering = ["programme", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="criterion_unique_name"),
        ]

    def __str__(self):
        return self.name


class Assessment(models.Model):
    """The programme leader's assessment and recommendation to the board."""

    class Recommendation(models.TextChoices):
        APPROVE = "approve", _("Innvilge")
        REJECT = "reject", _("Avslå")

    application = models.OneToOneField(
        Application, verbose_name=_("søknad"), on_delete=models.CASCADE, related_name="assessment"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("saksbehandler"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    recommendation = models.CharField(_("innstilling"), max_length=10, choices=Recommendation.choices)
    proposed_amount = MoneyField(_("foreslått beløp (kr)"), default=Decimal("0"))
    conditions = models.TextField(_("vilkår"), blank=True)
    reasoning = models.TextField(_("begrunnelse"))
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("ferdigstilt"), null=True, blank=True)

    class Meta:
        verbose_name = _("vurdering")
        verbose_name_plural = _("vurderinger")
        constraints = [
            models.CheckConstraint(
                condition=Q(proposed_amount__gte=0), name="assessment_amount_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(recommendation="approve") | Q(proposed_amount=0),
                name="assessment_reject_has_no_amount",
            ),
        ]

    def __str__(self):
        return f"{self.application.reference}: {self.get_recommendation_display()}"


class AssessmentScore(models.Model):
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("vurdering"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        AssessmentCriterion, verbose_name=_("kriterium"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.PositiveSmallIntegerField(
        _("poeng (1–6)"), validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    comment = models.TextField(_("kommentar"), blank=True)

    class Meta:
        verbose_name = _("poeng")
        verbose_name_plural = _("poeng")
        ordering = ["assessment", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="score_unique_criterion"),
            models.CheckConstraint(condition=Q(score__gte=1) & Q(score__lte=6), name="score_1_to_6"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.score}"


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
    """A styresak: one application on a meeting's agenda."""

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
        Application, verbose_name=_("søknad"), on_delete=models.PROTECT, related_name="board_cases"
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

    class Meta:
        verbose_name = _("styresak")
        verbose_name_plural = _("styresaker")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="case_unique_number"),
            models.UniqueConstraint(fields=["meeting", "application"], name="case_unique_application"),
            models.CheckConstraint(condition=Q(proposed_amount__gte=0), name="case_amount_non_negative"),
        ]

    def __str__(self):
        return f"{_('Sak')} {self.number}: {self.application.title}"


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
        Application, verbose_name=_("søknad"), on_delete=models.PROTECT, related_name="decisions"
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


class OrganisationJoinRequest(models.Model):
    """A user asks to act for an existing organisation; one of its administrators must approve.

    Until then the user has no membership and sees none of the organisation's applications: an
    organisasjonsnummer is public, so knowing it must not be enough to read a competitor's proposal.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisasjon"), on_delete=models.CASCADE, related_name="join_requests"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("bruker"),
        on_delete=models.CASCADE,
        related_name="organisation_join_requests",
    )
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    decided_at = models.DateTimeField(_("avgjort"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("avgjort av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved = models.BooleanField(_("godkjent"), null=True, blank=True)

    class Meta:
        verbose_name = _("forespørsel om tilgang til organisasjon")
        verbose_name_plural = _("forespørsler om tilgang til organisasjoner")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"],
                condition=Q(decided_at__isnull=True),
                name="organisation_join_request_one_open",
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.organisation}"
