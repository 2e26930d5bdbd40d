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

from .board.models import (  # noqa: F401  (the board's models are this app's models)
    BoardCase,
    BoardMeeting,
    CaseStandIn,
    ConflictDeclaration,
    Decision,
    Letter,
    MeetingAttendance,
    Vote,
    letter_path,
)


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
                fields=["orgnr"],
                condition=~Q(orgnr=""),
                name="organisation_unique_orgnr",
                violation_error_message=_(
                    "Organisasjonsnummeret er allerede registrert. Be om tilgang til organisasjonen i stedet."
                ),
            ),
            models.CheckConstraint(
                condition=Q(orgnr="") | Q(orgnr__regex=r"^[0-9]{9}$"),
                name="organisation_orgnr_9_digits",
                violation_error_message=_("Organisasjonsnummeret må ha 9 siffer."),
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
        # Only through the board's new decision on an appeal (klage) that reverses the rejection.
        State.REJECTED: (State.APPROVED,),
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
    # Retention (applications.services.retention): when the creator of a draft never submitted was told
    # it will be deleted, and when a rejected or withdrawn application's personal data was removed.
    retention_warned_at = models.DateTimeField(
        _("varslet om sletting"), null=True, blank=True, editable=False
    )
    anonymised_at = models.DateTimeField(_("anonymisert"), null=True, blank=True, editable=False)

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
    # Set for a document sent later in answer to a request for more information (ettersending).
    supplement = models.ForeignKey(
        "applications.SupplementRequest",
        verbose_name=_("ettersendt på anmodning"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    # Set for a document sent with an appeal (klage) on the decision.
    appeal = models.ForeignKey(
        "applications.Appeal",
        verbose_name=_("sendt med klage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )

    class Meta:
        verbose_name = _("vedlegg")
        verbose_name_plural = _("vedlegg")
        ordering = ["application", "uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(supplement__isnull=True) | Q(appeal__isnull=True),
                name="attachment_one_later_part",
            ),
        ]

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


def application_copy_path(instance, filename):
    return f"application_copies/{uuid.uuid4().hex}.pdf"


class ApplicationCopy(models.Model):
    """The applicant's PDF of her application as submitted: built by Celery from the frozen copy
    (:class:`ApplicationSnapshot`), never from the live rows, on the first request for it."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Blir laget")
        DONE = "done", _("Klar")
        FAILED = "failed", _("Feilet")

    TRANSITIONS = {
        State.QUEUED: (State.DONE, State.FAILED),
        State.FAILED: (State.QUEUED,),
        State.DONE: (),
    }

    snapshot = models.OneToOneField(
        ApplicationSnapshot, verbose_name=_("innsendt versjon"), on_delete=models.CASCADE, related_name="pdf"
    )
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.QUEUED)
    file = models.FileField(_("fil"), upload_to=application_copy_path, max_length=300, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("feil"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("forsøk"), default=0)
    requested_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    built_at = models.DateTimeField(_("laget"), null=True, blank=True)

    class Meta:
        verbose_name = _("søknad som PDF")
        verbose_name_plural = _("søknader som PDF")
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["queued", "done", "failed"]), name="application_copy_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | (~Q(file="") & Q(built_at__isnull=False)),
                name="application_copy_done_has_file",
            ),
        ]

    def __str__(self):
        return str(self.snapshot)


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


from .models_case import Appeal, CaseMessage, SupplementRequest  # noqa: E402,F401 - messages, ettersending, klage
from .models_journal import JournalEntry  # noqa: E402,F401 - the public journal (offentlig journal)
