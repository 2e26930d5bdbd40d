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
        ]

    def __str__(self):
        return f"{self.reference} {self.application.title}"

    @property
    def effective_amount(self):
        return self.amount - self.released_amount


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
