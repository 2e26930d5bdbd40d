"""Grants (tilsagn), payouts (utbetalinger) and result reports."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Sum
from django.utils.translation import gettext_lazy as _

from omstilling.models import MoneyField

# What a grant is worth now: the amount granted less what went back to the programme.
EFFECTIVE_AMOUNT = F("amount") - F("released_amount")


class GrantQuerySet(models.QuerySet):
    def effective_total(self):
        """What these grants are worth now, summed (0 for none)."""
        return self.aggregate(total=Sum(EFFECTIVE_AMOUNT))["total"] or Decimal(0)

    def effective_by(self, field):
        """{``field`` value: what the grants with that value are worth now}."""
        return dict(self.values_list(field).annotate(total=Sum(EFFECTIVE_AMOUNT)).order_by())


class Grant(models.Model):
    """A tilsagn: the money a decision awards, offered to and accepted by the applicant.

    ``amount`` is what was granted and never changes; ``released_amount`` is what later went back
    to the programme's budget (cancellation, reduction, lapse or money left unused at completion).
    """

    class State(models.TextChoices):
        OFFERED = "offered", _("Tilbudt")
        ACCEPTED = "accepted", _("Akseptert")
        ACTIVE = "active", _("Aktiv")
        COMPLETED = "completed", _("Avsluttet")
        CANCELLED = "cancelled", _("Annullert")
        LAPSED = "lapsed", _("Bortfalt")

    TRANSITIONS = {
        State.OFFERED: (State.ACCEPTED, State.LAPSED, State.CANCELLED),
        State.ACCEPTED: (State.ACTIVE, State.COMPLETED, State.CANCELLED),
        State.ACTIVE: (State.COMPLETED, State.CANCELLED),
        State.COMPLETED: (),
        State.CANCELLED: (),
        State.LAPSED: (),
    }
    # States in which the grant counts as "aktiv" in the annual tables.
    ACTIVE_STATES = (State.OFFERED, State.ACCEPTED, State.ACTIVE)
    # Payouts may be requested, results reported and deadlines run.
    MONEY_MOVING_STATES = (State.ACCEPTED, State.ACTIVE)

    reference = models.CharField(_("tilsagnsnummer"), max_length=30, unique=True)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("søknad"),
        on_delete=models.PROTECT,
        related_name="grants",
    )
    decision = models.OneToOneField(
        "applications.Decision",
        verbose_name=_("vedtak"),
        on_delete=models.PROTECT,
        related_name="grant",
    )
    year = models.PositiveSmallIntegerField(_("bevilgningsår"), db_index=True)
    amount = MoneyField(_("tilsagnsbeløp (kr)"))
    released_amount = MoneyField(_("frigjort beløp (kr)"), default=Decimal("0"))
    conditions = models.TextField(_("vilkår"), blank=True)
    payout_on_acceptance_percent = models.PositiveSmallIntegerField(_("utbetales ved aksept (%)"), default=50)
    holdback_percent = models.PositiveSmallIntegerField(_("holdes tilbake til sluttrapport (%)"), default=50)
    is_de_minimis = models.BooleanField(_("bagatellstøtte"), default=False)
    state = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.OFFERED, db_index=True
    )
    acceptance_deadline = models.DateField(_("frist for aksept"), null=True, blank=True)
    # The project period and the deadline for the final report and the final payout, set when the
    # grant is offered (see ``projects.services.grant_deadlines``); an extension moves the deadline.
    project_start = models.DateField(_("prosjektstart"), null=True, blank=True)
    project_end = models.DateField(_("prosjektslutt"), null=True, blank=True)
    final_report_deadline = models.DateField(
        _("frist for sluttrapport og sluttutbetaling"), null=True, blank=True, db_index=True
    )
    accepted_at = models.DateTimeField(_("akseptert"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("akseptert av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("avsluttet"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annullert/bortfalt"), null=True, blank=True)
    cancel_reason = models.TextField(_("grunn til annullering"), blank=True)
    created_at = models.DateTimeField(_("opprettet"), auto_now_add=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("tilsagn")
        verbose_name_plural = _("tilsagn")
        ordering = ["-year", "reference"]
        indexes = [models.Index(fields=["-year", "reference"], name="grant_newest_first")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_amount_non_negative"),
            models.CheckConstraint(
                condition=Q(released_amount__gte=0) & Q(released_amount__lte=F("amount")),
                name="grant_released_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(holdback_percent__gte=25) & Q(holdback_percent__lte=100),
                name="grant_holdback_at_least_25",
            ),
            models.CheckConstraint(
                condition=Q(payout_on_acceptance_percent__lte=100 - F("holdback_percent")),
                name="grant_payout_plan_within_100",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["offered", "accepted", "active", "completed", "cancelled", "lapsed"]),
                name="grant_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(project_end__gte=F("project_start"))
                | Q(project_start__isnull=True)
                | Q(project_end__isnull=True),
                name="grant_project_period_ordered",
                violation_error_message=_("Prosjektslutt kan ikke være før prosjektstart."),
            ),
            models.CheckConstraint(
                condition=Q(final_report_deadline__gte=F("project_end"))
                | Q(final_report_deadline__isnull=True)
                | Q(project_end__isnull=True),
                name="grant_report_deadline_after_end",
                violation_error_message=_("Fristen for sluttrapport kan ikke være før prosjektslutt."),
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.application.title}"

    @property
    def effective_amount(self):
        return self.amount - self.released_amount


class GrantReminder(models.Model):
    """An e-mail reminding the grant holder of the final report deadline, recorded before it is
    sent: the unique constraint makes two runs of the beat task at once send it once."""

    class Kind(models.TextChoices):
        DAYS_60 = "60_days", _("60 dager før fristen")
        DAYS_14 = "14_days", _("14 dager før fristen")
        PASSED = "passed", _("Fristen er ute")

    grant = models.ForeignKey(
        "Grant", verbose_name=_("tilsagn"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("påminnelse"), max_length=10, choices=Kind.choices)
    # The deadline reminded of: a deadline moved by an extension is reminded of again.
    deadline = models.DateField(_("frist"))
    created_at = models.DateTimeField(_("sendt"), auto_now_add=True)

    class Meta:
        verbose_name = _("påminnelse om frist")
        verbose_name_plural = _("påminnelser om frist")
        ordering = ["grant", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "kind", "deadline"], name="grant_reminder_once"),
            models.CheckConstraint(
                condition=Q(kind__in=["60_days", "14_days", "passed"]), name="grant_reminder_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.grant.reference}: {self.get_kind_display()}"


class DeadlineExtension(models.Model):
    """The grant holder's request for a later final report deadline, and the programme's answer."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Til behandling")
        GRANTED = "granted", _("Innvilget")
        REFUSED = "refused", _("Avslått")

    TRANSITIONS = {
        State.REQUESTED: (State.GRANTED, State.REFUSED),
        State.GRANTED: (),
        State.REFUSED: (),
    }

    grant = models.ForeignKey(
        "Grant", verbose_name=_("tilsagn"), on_delete=models.PROTECT, related_name="deadline_extensions"
    )
    current_deadline = models.DateField(_("frist da det ble søkt"))
    requested_deadline = models.DateField(_("ønsket ny frist"))
    reason = models.TextField(_("begrunnelse"))
    state = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.REQUESTED, db_index=True
    )
    requested_at = models.DateTimeField(_("søkt"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("søkt av"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("avgjort"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("avgjort av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_note = models.TextField(_("svar til tilsagnsmottakeren"), blank=True)

    class Meta:
        verbose_name = _("søknad om lengre frist")
        verbose_name_plural = _("søknader om lengre frist")
        ordering = ["grant", "-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant"],
                condition=Q(state="requested"),
                name="deadline_extension_one_open",
                violation_error_message=_("Det er allerede søkt om lengre frist for dette tilsagnet."),
            ),
            models.CheckConstraint(
                condition=Q(requested_deadline__gt=F("current_deadline")),
                name="deadline_extension_later",
                violation_error_message=_("Den nye fristen må være senere enn dagens frist."),
            ),
            models.CheckConstraint(
                condition=Q(state="requested") | Q(decided_at__isnull=False),
                name="deadline_extension_decided_has_time",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "granted", "refused"]),
                name="deadline_extension_state_valid",
            ),
        ]

    def __str__(self):
        return _("%(reference)s: lengre frist til %(date)s") % {
            "reference": self.grant.reference,
            "date": self.requested_deadline.isoformat(),
        }


class Attestation(models.TextChoices):
    """Who attested the project accounts (prosjektregnskap), weakest first: a stronger attestation
    meets a weaker requirement."""

    LEADER = "leader", _("Signert av organisasjonens daglige leder")
    ACCOUNTANT = "accountant", _("Attestert av autorisert regnskapsfører")
    AUDITOR = "auditor", _("Attestert av statsautorisert eller registrert revisor")

    @classmethod
    def rank(cls, value):
        """0 for none, then 1, 2, 3 from the leader's signature to the auditor's attestation."""
        return cls.values.index(value) + 1 if value in cls.values else 0


class Payout(models.Model):
    """An utbetalingsanmodning and, once approved, the payout itself. Never edited after approval."""

    class Kind(models.TextChoices):
        PARTIAL = "partial", _("Delutbetaling")
        FINAL = "final", _("Sluttutbetaling")

    class State(models.TextChoices):
        REQUESTED = "requested", _("Anmodet")
        APPROVED = "approved", _("Godkjent")
        REJECTED = "rejected", _("Avvist")
        PAID = "paid", _("Utbetalt")

    TRANSITIONS = {
        State.REQUESTED: (State.APPROVED, State.REJECTED),
        State.APPROVED: (State.PAID,),
        State.REJECTED: (),
        State.PAID: (),
    }
    # States whose amount counts against the grant.
    COMMITTED_STATES = (State.APPROVED, State.PAID)

    grant = models.ForeignKey(
        Grant, verbose_name=_("tilsagn"), on_delete=models.PROTECT, related_name="payouts"
    )
    number = models.PositiveSmallIntegerField(_("nummer"))
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices, default=Kind.PARTIAL)
    state = models.CharField(
        _("status"), max_length=10, choices=State.choices, default=State.REQUESTED, db_index=True
    )
    amount = MoneyField(_("beløp (kr)"))
    accumulated_costs = MoneyField(_("påløpte kostnader (kr)"), default=Decimal("0"))
    progress_note = models.TextField(_("fremdrift"), blank=True)
    # The final payout's project accounts: who attested them, as the grant holder declares it.
    accounts_attestation = models.CharField(
        _("prosjektregnskapet er"), max_length=12, choices=Attestation.choices, blank=True
    )
    requested_at = models.DateTimeField(_("anmodet"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("anmodet av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("godkjent"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("godkjent av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rejection_reason = models.TextField(_("grunn til avvisning"), blank=True)
    paid_at = models.DateField(_("utbetalt dato"), null=True, blank=True)

    class Meta:
        verbose_name = _("utbetaling")
        verbose_name_plural = _("utbetalinger")
        ordering = ["grant", "number"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "number"], name="payout_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(condition=Q(accumulated_costs__gte=0), name="payout_costs_non_negative"),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "rejected"]) | Q(approved_at__isnull=False),
                name="payout_approved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="paid") | Q(paid_at__isnull=False),
                name="payout_paid_has_date",
            ),
            models.CheckConstraint(
                condition=Q(accounts_attestation__in=["", "leader", "accountant", "auditor"]),
                name="payout_accounts_attestation_valid",
            ),
        ]

    def __str__(self):
        return _("%(reference)s, utbetaling nr. %(number)d") % {
            "reference": self.grant.reference,
            "number": self.number,
        }


def payout_attachment_path(instance, filename):
    return f"payouts/{instance.payout_id}/{uuid.uuid4().hex}"


class PayoutAttachment(models.Model):
    class Kind(models.TextChoices):
        DOCUMENTATION = "documentation", _("Dokumentasjon")
        ACCOUNTS = "accounts", _("Prosjektregnskap")

    payout = models.ForeignKey(
        Payout, verbose_name=_("utbetaling"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(
        _("type vedlegg"), max_length=15, choices=Kind.choices, default=Kind.DOCUMENTATION
    )
    file = models.FileField(_("fil"), upload_to=payout_attachment_path, max_length=300)
    original_name = models.CharField(_("filnavn"), max_length=255)
    content_type = models.CharField(_("filtype"), max_length=100)
    size = models.PositiveBigIntegerField(_("størrelse (byte)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("lastet opp"), auto_now_add=True)

    class Meta:
        verbose_name = _("vedlegg til utbetaling")
        verbose_name_plural = _("vedlegg til utbetalinger")

    def __str__(self):
        return self.original_name


class ResultReport(models.Model):
    """What a project achieved in a year; the final report (sluttrapport) closes the grant."""

    grant = models.ForeignKey(
        Grant, verbose_name=_("tilsagn"), on_delete=models.PROTECT, related_name="result_reports"
    )
    year = models.PositiveSmallIntegerField(_("år"))
    is_final = models.BooleanField(_("sluttrapport"), default=False)
    new_jobs = models.PositiveIntegerField(_("nye arbeidsplasser"), default=0)
    secured_jobs = models.PositiveIntegerField(_("sikrede arbeidsplasser"), default=0)
    new_firms = models.PositiveIntegerField(_("nye bedrifter"), default=0)
    networks = models.PositiveIntegerField(_("nye nettverk"), default=0)
    other_funding = MoneyField(_("annen finansiering utløst (kr)"), default=Decimal("0"))
    narrative = models.TextField(_("beskrivelse av resultater"), blank=True)
    submitted_at = models.DateTimeField(_("levert"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("levert av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("resultatrapport")
        verbose_name_plural = _("resultatrapporter")
        ordering = ["grant", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["grant", "year"], condition=Q(is_final=False), name="result_one_per_year"
            ),
            models.UniqueConstraint(fields=["grant"], condition=Q(is_final=True), name="result_one_final"),
            models.CheckConstraint(
                condition=Q(other_funding__gte=0), name="result_other_funding_non_negative"
            ),
        ]

    def __str__(self):
        kind = _("Sluttrapport") if self.is_final else _("Resultatrapport")
        return f"{kind} {self.grant.reference} {self.year}"


class ResultFunding(models.Model):
    """Other funding a project mobilised, by source (for giringseffekt)."""

    report = models.ForeignKey(
        ResultReport,
        verbose_name=_("resultatrapport"),
        on_delete=models.CASCADE,
        related_name="funding_lines",
    )
    source = models.CharField(_("kilde"), max_length=200)
    amount = MoneyField(_("beløp (kr)"))

    class Meta:
        verbose_name = _("utløst finansiering")
        verbose_name_plural = _("utløst finansiering")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="result_funding_amount_non_negative"),
        ]

    def __str__(self):
        return f"{self.source}: {self.amount}"


class PersonalDataExport(models.Model):
    """A ZIP of everything the portal holds about one person, built by Celery when she asks for it
    (GDPR art. 15 and 20) and deleted after ``settings.PERSONAL_DATA_EXPORT_DAYS``."""

    class State(models.TextChoices):
        PENDING = "pending", _("Under arbeid")
        DONE = "done", _("Klar")
        FAILED = "failed", _("Feilet")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="personal_data_exports",
    )
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    file = models.FileField(_("fil"), upload_to="private/exports/", blank=True, max_length=300)
    error = models.TextField(_("feilmelding"), blank=True)
    created_at = models.DateTimeField(_("bestilt"), auto_now_add=True)
    finished_at = models.DateTimeField(_("ferdig"), null=True, blank=True)

    class Meta:
        verbose_name = _("innsynsuttrekk")
        verbose_name_plural = _("innsynsuttrekk")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(state="pending"),
                name="personal_data_export_one_pending",
                violation_error_message=_("Et uttrekk av dine opplysninger er allerede under arbeid."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "done", "failed"]), name="personal_data_export_state_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"


class HistoricalResult(models.Model):
    """A result the programme reported for years before the portal (imported by ``import_results``).

    The plans give figures as they were counted: exactly ("2 nye bedrifter"), as a floor ("mer
    enn 50"), approximately ("ca. 100") or as a range ("8–10 årsverk"); the report prints them so.
    """

    class Metric(models.TextChoices):
        NEW_OR_SECURED_JOBS = "new_or_secured_jobs", _("Nye/sikrede arbeidsplasser")
        INDIRECT_JOBS = "indirect_jobs", _("Arbeidsplasser med indirekte virkninger")
        NEW_JOBS = "new_jobs", _("Nye arbeidsplasser")
        SECURED_JOBS = "secured_jobs", _("Sikrede arbeidsplasser")
        LABOUR_SAVED = "labour_saved", _("Frigjorte årsverk (effektivisering)")
        NEW_FIRMS = "new_firms", _("Nye bedrifter")
        OTHER_FUNDING = "other_funding", _("Utløst fra andre kilder (giringseffekt)")
        NETWORKS = "networks", _("Nye nettverk")

    class Bound(models.TextChoices):
        EXACT = "exact", _("nøyaktig")
        FLOOR = "floor", _("mer enn")
        APPROX = "approx", _("omtrent")
        RANGE = "range", _("fra–til")

    programme = models.ForeignKey(
        "omstilling.Programme",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        related_name="historical_results",
    )
    start_year = models.PositiveSmallIntegerField(_("fra år"))
    end_year = models.PositiveSmallIntegerField(_("til og med år"))
    metric = models.CharField(_("resultat"), max_length=30, choices=Metric.choices)
    bound = models.CharField(_("angitt som"), max_length=10, choices=Bound.choices, default=Bound.EXACT)
    value = models.DecimalField(_("verdi"), max_digits=14, decimal_places=2)
    value_high = models.DecimalField(_("til verdi"), max_digits=14, decimal_places=2, null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("rekkefølge"), default=0)

    class Meta:
        verbose_name = _("historisk resultat")
        verbose_name_plural = _("historiske resultater")
        ordering = ["programme", "start_year", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "start_year", "end_year", "metric"], name="historical_result_unique"
            ),
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")), name="historical_result_years"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="historical_result_non_negative"),
            models.CheckConstraint(
                condition=(Q(bound="range") & Q(value_high__gt=F("value")))
                | (~Q(bound="range") & Q(value_high__isnull=True)),
                name="historical_result_range_has_high",
            ),
        ]

    def __str__(self):
        return f"{self.get_metric_display()} {self.start_year}–{self.end_year}"
