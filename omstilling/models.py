"""The programmes app: users, programmes and everything that describes a programme.

Programmes, plan periods, focus areas (innsatsområder), goals, indicator series, funding,
budget allocations, calls (utlysninger), board and staff memberships, and the audit log.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def MoneyField(verbose_name, **kwargs):  # noqa: N802 - reads like a field class
    """Whole Norwegian kroner; never float."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 0)
    kwargs.setdefault("validators", [MinValueValidator(Decimal("0"))])
    return models.DecimalField(verbose_name, **kwargs)


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
    website = models.URLField(_("nettside"), blank=True)
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
        ]

    def __str__(self):
        return self.name


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


class Goal(models.Model):
    """A result goal (resultatmål) or effect goal (effektmål)."""

    class Kind(models.TextChoices):
        RESULT = "result", _("Resultatmål")
        EFFECT = "effect", _("Effektmål")

    class Metric(models.TextChoices):
        NEW_OR_SECURED_JOBS = "new_or_secured_jobs", _("Nye eller sikrede arbeidsplasser")
        NEW_JOBS = "new_jobs", _("Nye arbeidsplasser (brutto)")
        NEW_FIRMS = "new_firms", _("Nye bedrifter")
        PROJECTS = "projects", _("Prosjekter/tiltak")
        TEXT = "text", _("Beskrevet i tekst")

    class Per(models.TextChoices):
        YEAR = "year", _("per år")
        PERIOD = "period", _("i perioden")

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.CASCADE, related_name="goals"
    )
    plan_period = models.ForeignKey(
        PlanPeriod,
        verbose_name=_("planperiode"),
        on_delete=models.CASCADE,
        related_name="goals",
        null=True,
        blank=True,
    )
    focus_area = models.ForeignKey(
        FocusArea,
        verbose_name=_("innsatsområde"),
        on_delete=models.CASCADE,
        related_name="goals",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    metric = models.CharField(_("måleenhet"), max_length=30, choices=Metric.choices)
    target = models.DecimalField(_("mål"), max_digits=12, decimal_places=2, null=True, blank=True)
    per = models.CharField(_("gjelder"), max_length=10, choices=Per.choices, blank=True)
    start_year = models.PositiveSmallIntegerField(_("fra år"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("til og med år"), null=True, blank=True)
    topic = models.CharField(_("tema"), max_length=100, blank=True, help_text=_("F.eks. kommunikasjon."))
    text = models.TextField(_("beskrivelse"))
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("mål")
        verbose_name_plural = _("mål")
        ordering = ["programme", "plan_period", "kind", "order"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target__gte=0) | Q(target__isnull=True), name="goal_target_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year"))
                | Q(end_year__isnull=True)
                | Q(start_year__isnull=True),
                name="goal_years_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:70]}"

    def clean(self):
        if (
            self.focus_area_id
            and self.plan_period_id
            and self.focus_area.plan_period_id != self.plan_period_id
        ):
            raise ValidationError({"focus_area": _("Innsatsområdet hører ikke til denne planperioden.")})


class Indicator(models.Model):
    """A statistical series (population, employment …) with an optional target trajectory.

    The trajectory starts at ``base_value`` in ``base_year`` and grows by ``annual_growth_percent``
    a year, rounded to whole units each year, the way the plans compute it.
    """

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.SlugField(_("kode"), max_length=60)
    name = models.CharField(_("navn"), max_length=200)
    unit = models.CharField(_("enhet"), max_length=50, blank=True)
    description = models.TextField(_("beskrivelse"), blank=True)
    source = models.CharField(_("kilde"), max_length=200, blank=True)
    base_year = models.PositiveSmallIntegerField(_("basisår for mål"), null=True, blank=True)
    base_value = models.DecimalField(_("basisverdi"), max_digits=14, decimal_places=2, null=True, blank=True)
    annual_growth_percent = models.DecimalField(
        _("målsatt vekst per år (%)"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    target_end_year = models.PositiveSmallIntegerField(_("mål til og med år"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("indikator")
        verbose_name_plural = _("indikatorer")
        ordering = ["programme", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="indicator_unique_code"),
            models.CheckConstraint(
                condition=Q(target_end_year__gte=F("base_year"))
                | Q(target_end_year__isnull=True)
                | Q(base_year__isnull=True),
                name="indicator_trajectory_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.programme.short_name or self.programme.slug})"

    def trajectory(self):
        """[(year, target)] from the base year to the target end year, each year rounded."""
        if self.base_year is None or self.base_value is None or self.annual_growth_percent is None:
            return []
        factor = 1 + self.annual_growth_percent / Decimal(100)
        value = self.base_value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
        rows = [(self.base_year, value)]
        for year in range(self.base_year + 1, (self.target_end_year or self.base_year) + 1):
            value = (value * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            rows.append((year, value))
        return rows


class IndicatorValue(models.Model):
    """An actual value of a series in a year, optionally for one breakdown (e.g. an industry)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indikator"), on_delete=models.CASCADE, related_name="values"
    )
    year = models.PositiveSmallIntegerField(_("år"))
    breakdown = models.CharField(_("inndeling"), max_length=200, blank=True, help_text=_("Tom for totalen."))
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)
    value = models.DecimalField(_("verdi"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("indikatorverdi")
        verbose_name_plural = _("indikatorverdier")
        ordering = ["indicator", "order", "breakdown", "year"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "breakdown", "year"], name="indicator_value_unique"),
        ]

    def __str__(self):
        label = f" {self.breakdown}" if self.breakdown else ""
        return f"{self.indicator.name}{label} {self.year}: {self.value}"


class FundingSource(models.Model):
    class Kind(models.TextChoices):
        COUNTY = "county", _("Fylkeskommune")
        MUNICIPALITY = "municipality", _("Kommune")
        STATE = "state", _("Stat")
        OTHER = "other", _("Annet")

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.CASCADE, related_name="funding_sources"
    )
    name = models.CharField(_("navn"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("finansieringskilde")
        verbose_name_plural = _("finansieringskilder")
        ordering = ["programme", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="funding_source_unique_name"),
        ]

    def __str__(self):
        return self.name


class Funding(models.Model):
    """Money a source puts into the programme in a year."""

    source = models.ForeignKey(
        FundingSource, verbose_name=_("kilde"), on_delete=models.CASCADE, related_name="fundings"
    )
    year = models.PositiveSmallIntegerField(_("år"))
    amount = MoneyField(_("beløp (kr)"))

    class Meta:
        verbose_name = _("finansiering")
        verbose_name_plural = _("finansiering")
        ordering = ["source", "year"]
        constraints = [
            models.UniqueConstraint(fields=["source", "year"], name="funding_unique_source_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_amount_non_negative"),
        ]

    def __str__(self):
        return f"{self.source} {self.year}: {self.amount}"


class BudgetAllocation(models.Model):
    """The plan's allocation of funds to a focus area, or to administration when no area."""

    plan_period = models.ForeignKey(
        PlanPeriod, verbose_name=_("planperiode"), on_delete=models.CASCADE, related_name="allocations"
    )
    focus_area = models.ForeignKey(
        FocusArea,
        verbose_name=_("innsatsområde"),
        on_delete=models.CASCADE,
        related_name="allocations",
        null=True,
        blank=True,
    )
    label = models.CharField(_("post"), max_length=200)
    amount = MoneyField(_("beløp (kr)"))
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("fordeling av midler")
        verbose_name_plural = _("fordeling av midler")
        ordering = ["plan_period", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan_period", "label"], name="allocation_unique_label"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="allocation_amount_non_negative"),
        ]

    def __str__(self):
        return f"{self.label}: {self.amount}"

    def clean(self):
        if self.focus_area_id and self.focus_area.plan_period_id != self.plan_period_id:
            raise ValidationError({"focus_area": _("Innsatsområdet hører ikke til denne planperioden.")})


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
