"""The programmes app: users, programmes and everything that describes a programme.

Programmes, plan periods, focus areas (innsatsområder), goals, indicator series, funding,
budget allocations, calls (utlysninger), board and staff memberships, and the audit log.
"""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import HttpsURLField, MoneyField
from .plan_models import (  # noqa: F401  (the plan's models are this app's models)
    AnnualPlan,
    BudgetAllocation,
    Funding,
    FundingSource,
    Goal,
    Indicator,
    IndicatorValue,
    NarrativeSection,
    NarrativeVersion,
)


class Category(models.TextChoices):
    """The three phases a project passes through (prosjektkategori)."""

    FORSTUDIE = "forstudie", _("Forstudie")
    FORPROSJEKT = "forprosjekt", _("Forprosjekt")
    HOVEDPROSJEKT = "hovedprosjekt", _("Hovedprosjekt")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        # createsuperuser checks the address is free as typed; addresses are stored in lower case, so a
        # second run with the address capitalised would otherwise end in an IntegrityError. The command
        # shows a ValidationError as its error message.
        if email and self.filter(email__iexact=self.normalize_email(email)).exists():
            raise ValidationError(
                _("Det finnes allerede en bruker med e-postadressen %(email)s."), params={"email": email}
            )
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in with an e-mail address."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-postadresse"), unique=True)
    full_name = models.CharField(_("fullt navn"), max_length=200, blank=True)
    phone = models.CharField(_("telefon"), max_length=30, blank=True)
    email_verified_at = models.DateTimeField(_("e-post bekreftet"), null=True, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("bruker")
        verbose_name_plural = _("brukere")
        ordering = ["email"]
        constraints = [
            # Log-in ignores the case of the address (omstilling.auth), so two accounts may not differ
            # by case alone.
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ignoring_case",
                violation_error_message=_("Det finnes allerede en bruker med denne e-postadressen."),
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Municipality(models.Model):
    number = models.CharField(_("kommunenummer"), max_length=4, unique=True)
    name = models.CharField(_("navn"), max_length=100)

    class Meta:
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{4}$"), name="municipality_number_4_digits"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.name}"


LOGO_MAX_BYTES = 2 * 1024 * 1024


def programme_logo_path(programme, filename):
    """Private like every upload (no MEDIA_URL route): only the PDF renderer reads it."""
    return f"programmes/{programme.slug}/logo/{Path(filename).name}"


def validate_logo_size(file):
    if file.size > LOGO_MAX_BYTES:
        raise ValidationError(_("Logoen kan være høyst 2 MB."))


class Programme(models.Model):
    """An omstillingsprogram: a municipality or region with restructuring status."""

    slug = models.SlugField(_("kortnavn"), max_length=60, unique=True)
    name = models.CharField(_("navn"), max_length=200)
    short_name = models.CharField(_("kort navn"), max_length=60, blank=True)
    municipalities = models.ManyToManyField(
        Municipality, verbose_name=_("kommuner"), related_name="programmes", blank=True
    )
    owner = models.CharField(
        _("programeier"), max_length=200, blank=True, help_text=_("F.eks. formannskapet i kommunen.")
    )
    operator = models.CharField(_("driftsansvarlig"), max_length=200, blank=True, help_text=_("F.eks. ERNU."))
    status_start_year = models.PositiveSmallIntegerField(_("omstillingsstatus fra år"))
    status_end_year = models.PositiveSmallIntegerField(_("omstillingsstatus til og med år"))
    background = models.TextField(_("bakgrunn"), blank=True)
    organisation_text = models.TextField(_("organisering"), blank=True)
    logo = models.ImageField(
        _("logo"),
        upload_to=programme_logo_path,
        max_length=300,
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg"]), validate_logo_size],
        help_text=_("PNG eller JPEG, høyst 2 MB. Vises på forsiden av omstillingsplanen."),
    )
    website = HttpsURLField(_("nettside"), blank=True)
    contact_email = models.EmailField(_("e-post til programmet"), blank=True)
    # Board rules.
    quorum_share = models.DecimalField(
        _("beslutningsdyktighet (andel)"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        help_text=_("Styret er vedtaksført når mer enn denne andelen av stemmeberettigede er til stede."),
    )
    # Grant rules.
    acceptance_days = models.PositiveSmallIntegerField(_("frist for aksept (dager)"), default=21)
    payout_on_acceptance_percent = models.PositiveSmallIntegerField(_("utbetales ved aksept (%)"), default=50)
    holdback_percent = models.PositiveSmallIntegerField(_("holdes tilbake til sluttrapport (%)"), default=50)
    # Who attests the project accounts (prosjektregnskap) the final payout needs, by the grant's size.
    accounts_leader_limit = MoneyField(
        _("regnskap signert av daglig leder: tilsagn under (kr)"),
        default=Decimal("100000"),
        help_text=_(
            "For tilsagn under dette beløpet holder det at organisasjonens daglige leder signerer "
            "prosjektregnskapet."
        ),
    )
    accounts_accountant_limit = MoneyField(
        _("regnskap attestert av autorisert regnskapsfører: tilsagn til og med (kr)"),
        default=Decimal("600000"),
        help_text=_(
            "Fra grensen over og til og med dette beløpet må prosjektregnskapet attesteres av en "
            "autorisert regnskapsfører; for større tilsagn av en statsautorisert eller registrert revisor."
        ),
    )
    final_report_months = models.PositiveSmallIntegerField(
        _("frist for sluttrapport (måneder etter prosjektslutt)"),
        default=3,
        help_text=_(
            "Fristen for sluttrapport og sluttutbetaling settes så mange måneder etter prosjektets sluttdato."
        ),
    )
    # Appeals (klage, forvaltningsloven §§ 28–33): the letters state the period and the appeal body.
    appeal_period_weeks = models.PositiveSmallIntegerField(
        _("klagefrist (uker)"),
        default=3,
        help_text=_(
            "Klagefristen regnes fra søkeren mottok vedtaksbrevet. Forvaltningsloven § 29: tre uker."
        ),
    )
    appeal_body = models.CharField(
        _("klageinstans"),
        max_length=200,
        default="kommunens klagenemnd",
        help_text=_(
            "Den som avgjør klagen når styret opprettholder vedtaket (forvaltningsloven § 28 annet ledd), "
            "slik brevene skal nevne den."
        ),
    )
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)
    updated_at = models.DateTimeField(_("endret"), auto_now=True)

    class Meta:
        verbose_name = _("omstillingsprogram")
        verbose_name_plural = _("omstillingsprogrammer")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status_end_year__gte=F("status_start_year")),
                name="programme_status_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(quorum_share__gte=0) & Q(quorum_share__lt=1),
                name="programme_quorum_share_range",
            ),
            models.CheckConstraint(
                condition=Q(holdback_percent__gte=25) & Q(holdback_percent__lte=100),
                name="programme_holdback_at_least_25",
            ),
            models.CheckConstraint(
                condition=Q(payout_on_acceptance_percent__lte=100 - F("holdback_percent")),
                name="programme_payout_plan_within_100",
            ),
            models.CheckConstraint(
                condition=Q(accounts_leader_limit__gte=0)
                & Q(accounts_accountant_limit__gte=F("accounts_leader_limit")),
                name="programme_accounts_limits_ordered",
            ),
            models.CheckConstraint(
                condition=Q(appeal_period_weeks__gte=3),
                name="programme_appeal_period_at_least_three_weeks",
                violation_error_message=_("Klagefristen kan ikke være kortere enn lovens tre uker."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        leader, accountant = self.accounts_leader_limit, self.accounts_accountant_limit
        if leader is not None and accountant is not None and accountant < leader:
            raise ValidationError(
                {
                    "accounts_accountant_limit": _(
                        "Grensen for autorisert regnskapsfører kan ikke være lavere enn grensen for "
                        "daglig leder."
                    )
                }
            )


class PlanPeriod(models.Model):
    """An omstillingsplan period (e.g. 2013–2015) with its vision and goals."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.CASCADE, related_name="plan_periods"
    )
    start_year = models.PositiveSmallIntegerField(_("fra år"))
    end_year = models.PositiveSmallIntegerField(_("til og med år"))
    title = models.CharField(_("tittel"), max_length=200, blank=True)
    vision = models.TextField(_("visjon"), blank=True)
    main_goal = models.TextField(_("hovedmål"), blank=True)
    status_assessment = models.TextField(_("anbefalinger fra programstatusvurderingen"), blank=True)
    communication = models.TextField(_("kommunikasjon"), blank=True)

    class Meta:
        verbose_name = _("planperiode")
        verbose_name_plural = _("planperioder")
        ordering = ["programme", "start_year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "start_year"], name="plan_period_unique_start"),
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="plan_period_ordered"),
        ]

    def __str__(self):
        return f"{self.programme.short_name or self.programme.name} {self.start_year}–{self.end_year}"

    def covers(self, year):
        return self.start_year <= year <= self.end_year


class SubGoal(models.Model):
    plan_period = models.ForeignKey(
        PlanPeriod, verbose_name=_("planperiode"), on_delete=models.CASCADE, related_name="sub_goals"
    )
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    text = models.TextField(_("delmål"))

    class Meta:
        verbose_name = _("delmål")
        verbose_name_plural = _("delmål")
        ordering = ["plan_period", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan_period", "order"], name="sub_goal_unique_order"),
        ]

    def __str__(self):
        return self.text[:80]


class FocusArea(models.Model):
    """An innsatsområde, valid within one plan period."""

    plan_period = models.ForeignKey(
        PlanPeriod,
        verbose_name=_("planperiode"),
        on_delete=models.CASCADE,
        related_name="focus_areas",
    )
    number = models.PositiveSmallIntegerField(_("nummer"), default=0)
    name = models.CharField(_("navn"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True)
    is_catch_all = models.BooleanField(
        _("samlepost"),
        default=False,
        help_text=_("For tiltak utenfor de ordinære innsatsområdene (f.eks. «Andre»)."),
    )

    class Meta:
        verbose_name = _("innsatsområde")
        verbose_name_plural = _("innsatsområder")
        ordering = ["plan_period", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan_period", "name"], name="focus_area_unique_name"),
        ]

    def __str__(self):
        return self.name


class Call(models.Model):
    """An utlysning: money a programme offers in a year, with a hard deadline."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.CASCADE, related_name="calls"
    )
    year = models.PositiveSmallIntegerField(_("år"))
    title = models.CharField(_("tittel"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True)
    budget = MoneyField(_("ramme (kr)"))
    opens_at = models.DateTimeField(_("åpner"))
    deadline = models.DateTimeField(_("søknadsfrist"))
    focus_areas = models.ManyToManyField(FocusArea, verbose_name=_("innsatsområder"), related_name="calls")
    admits_forstudie = models.BooleanField(_("forstudie"), default=True)
    admits_forprosjekt = models.BooleanField(_("forprosjekt"), default=True)
    admits_hovedprosjekt = models.BooleanField(_("hovedprosjekt"), default=True)
    max_amount = MoneyField(
        _("maks søknadsbeløp (kr)"), null=True, blank=True, help_text=_("Tom betyr ingen grense.")
    )
    max_share_percent = models.PositiveSmallIntegerField(
        _("maks andel av kostnadene (%)"),
        null=True,
        blank=True,
        help_text=_("Høyeste andel av prosjektets kostnader programmet kan dekke."),
    )
    is_historical = models.BooleanField(
        _("historisk"), default=False, help_text=_("Opprettet ved import av eldre tilsagn.")
    )
    final_report_months = models.PositiveSmallIntegerField(
        _("frist for sluttrapport (måneder etter prosjektslutt)"),
        null=True,
        blank=True,
        help_text=_("Tom betyr programmets frist."),
    )

    class Meta:
        verbose_name = _("utlysning")
        verbose_name_plural = _("utlysninger")
        ordering = ["-deadline"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "title"], name="call_unique_title"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="call_budget_non_negative"),
            models.CheckConstraint(
                condition=Q(max_amount__gte=0) | Q(max_amount__isnull=True),
                name="call_max_amount_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(max_share_percent__lte=100) | Q(max_share_percent__isnull=True),
                name="call_max_share_at_most_100",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=F("opens_at")), name="call_deadline_after_opening"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def admitted_categories(self):
        return [category for category in Category if getattr(self, f"admits_{category.value}")]


class BoardMembershipQuerySet(models.QuerySet):
    def valid_on(self, date=None):
        """Active seats valid on ``date`` (default: today in Europe/Oslo)."""
        date = date or timezone.localdate()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=date),
            Q(valid_to__isnull=True) | Q(valid_to__gte=date),
            is_active=True,
        )


class BoardMembership(models.Model):
    """A person's seat on a programme's board."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Styreleder")
        MEMBER = "member", _("Styremedlem")
        DEPUTY = "deputy", _("Varamedlem")
        OBSERVER = "observer", _("Observatør")

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.CASCADE, related_name="board_memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="board_memberships",
    )
    role = models.CharField(_("rolle"), max_length=10, choices=Role.choices)
    represents = models.CharField(
        _("representerer"), max_length=200, blank=True, help_text=_("F.eks. Innovasjon Norge.")
    )
    deputy_for = models.ForeignKey(
        "self",
        verbose_name=_("vara for"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputies",
    )
    valid_from = models.DateField(_("fra"), null=True, blank=True)
    valid_to = models.DateField(_("til"), null=True, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    objects = BoardMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("styreverv")
        verbose_name_plural = _("styreverv")
        ordering = ["programme", "role", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="board_membership_unique_user"),
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(role="chair", is_active=True),
                name="board_one_active_chair",
            ),
            models.CheckConstraint(
                condition=Q(deputy_for__isnull=True) | Q(role="deputy"),
                name="board_only_deputies_stand_in",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} ({self.programme.short_name or self.programme.slug})"

    @property
    def has_vote(self):
        """Chair and members vote; a deputy votes only when standing in, an observer never."""
        return self.role in (self.Role.CHAIR, self.Role.MEMBER)


class StaffMembership(models.Model):
    """A person working for a programme: the programme leader or a case handler."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Programleder")
        CASE_HANDLER = "case_handler", _("Saksbehandler")

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.CASCADE, related_name="staff_memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="staff_memberships",
    )
    role = models.CharField(_("rolle"), max_length=20, choices=Role.choices)
    title = models.CharField(_("stillingstittel"), max_length=200, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("programansatt")
        verbose_name_plural = _("programansatte")
        ordering = ["programme", "role"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="staff_membership_unique_user"),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} ({self.programme.short_name or self.programme.slug})"


class AuditEntry(models.Model):
    """Who changed what, when, from which state to which, and why. Never edited or deleted."""

    created_at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("utført av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("utført av (navn)"), max_length=254, blank=True)
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("objekt-id"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("objekt"), max_length=300)
    action = models.CharField(_("handling"), max_length=100)
    from_state = models.CharField(_("fra status"), max_length=30, blank=True)
    to_state = models.CharField(_("til status"), max_length=30, blank=True)
    reason = models.TextField(_("begrunnelse"), blank=True)
    data = models.JSONField(_("detaljer"), default=dict, blank=True)

    class Meta:
        verbose_name = _("logginnslag")
        verbose_name_plural = _("revisjonslogg")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(_("Revisjonsloggen kan ikke endres."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Revisjonsloggen kan ikke slettes."))
