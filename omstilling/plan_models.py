"""A programme's plan in figures: goals, indicator series, funding and the allocation of funds.

Models of the ``omstilling`` app (``omstilling.models`` imports them); they refer to the programme,
plan period and focus area by label.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .fields import MoneyField


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
        "omstilling.Programme", verbose_name=_("program"), on_delete=models.CASCADE, related_name="goals"
    )
    plan_period = models.ForeignKey(
        "omstilling.PlanPeriod",
        verbose_name=_("planperiode"),
        on_delete=models.CASCADE,
        related_name="goals",
        null=True,
        blank=True,
    )
    focus_area = models.ForeignKey(
        "omstilling.FocusArea",
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
        "omstilling.Programme", verbose_name=_("program"), on_delete=models.CASCADE, related_name="indicators"
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
        "omstilling.Programme",
        verbose_name=_("program"),
        on_delete=models.CASCADE,
        related_name="funding_sources",
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
        "omstilling.PlanPeriod",
        verbose_name=_("planperiode"),
        on_delete=models.CASCADE,
        related_name="allocations",
    )
    focus_area = models.ForeignKey(
        "omstilling.FocusArea",
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


class AnnualPlan(models.Model):
    """A programme's omstillingsplan / status report for one year: its prose and its adoption.

    The board adopts it as a board case (``BoardCase.annual_plan``); until then it is a draft.
    """

    programme = models.ForeignKey(
        "omstilling.Programme",
        verbose_name=_("program"),
        on_delete=models.CASCADE,
        related_name="annual_plans",
    )
    year = models.PositiveSmallIntegerField(_("statusår"))
    adopted_on = models.DateField(_("vedtatt av styret"), null=True, blank=True)

    class Meta:
        verbose_name = _("årsplan")
        verbose_name_plural = _("årsplaner")
        ordering = ["programme", "year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year"], name="annual_plan_unique_year"),
        ]

    def __str__(self):
        return _("Omstillingsplan %(programme)s %(year)d") % {
            "programme": self.programme.short_name or self.programme.name,
            "year": self.year,
        }


class NarrativeSection(models.Model):
    """The programme leader's text (Markdown) at one fixed place of the annual report."""

    class Place(models.TextChoices):
        INTRO = "intro", _("Del I: Innledning")
        POPULATION = "population", _("Del I: Befolkning og sysselsetting (før tabellene)")
        LABOUR_MARKET = "labour_market", _("Del I: Arbeidsplasser, pendling og næringsliv (etter tabellene)")
        WORK = "work", _("Del I: Arbeid og resultater (før tilsagnstabellene)")
        RESULTS = "results", _("Del I: Konkrete resultater")
        AREA_REVIEW = "area_review", _("Del I: Innsatsområdene i perioden")
        ASSESSMENT = "assessment", _("Del I: Anbefalinger fra programstatusvurderingen")
        GOALS = "goals", _("Del II: Mål for programmet")
        AREA_CHOICE = "area_choice", _("Del II: Valg av innsatsområder")
        FINANCING = "financing", _("Del III: Finansiering")
        SPENDING = "spending", _("Del III: Forbruk av midler")

    plan = models.ForeignKey(
        AnnualPlan, verbose_name=_("årsplan"), on_delete=models.CASCADE, related_name="sections"
    )
    place = models.CharField(_("plass i rapporten"), max_length=20, choices=Place.choices)
    body = models.TextField(_("tekst (Markdown)"), blank=True)
    version = models.PositiveIntegerField(_("versjon"), default=0)
    updated_at = models.DateTimeField(_("endret"), null=True, blank=True)

    class Meta:
        verbose_name = _("tekstavsnitt")
        verbose_name_plural = _("tekstavsnitt")
        ordering = ["plan", "place"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "place"], name="narrative_section_unique_place"),
        ]

    def __str__(self):
        return f"{self.plan}: {self.get_place_display()}"


class NarrativeVersion(models.Model):
    """Every saved text of a section, kept: the report job names the versions it printed."""

    section = models.ForeignKey(
        NarrativeSection, verbose_name=_("tekstavsnitt"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("versjon"))
    body = models.TextField(_("tekst (Markdown)"), blank=True)
    saved_at = models.DateTimeField(_("lagret"))
    saved_by = models.ForeignKey(
        "omstilling.User",
        verbose_name=_("lagret av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tekstversjon")
        verbose_name_plural = _("tekstversjoner")
        ordering = ["section", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="narrative_version_unique_number"),
        ]

    def __str__(self):
        return f"{self.section} v{self.number}"
