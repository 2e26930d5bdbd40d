"""The public journal (offentlig journal, offentleglova § 10 and arkivforskrifta): one entry per incoming
application, supplement or appeal and per outgoing letter, numbered per programme and year.

An entry is written by the service that receives or sends the document, in the same transaction, and
is never deleted; the programme leader may screen its title (business secrets or personal matters,
offentleglova § 13 with forvaltningsloven § 13) or the name of a private person among its parties.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omstilling.models import Programme


class JournalEntry(models.Model):
    class Direction(models.TextChoices):
        INCOMING = "I", _("Inngående")
        OUTGOING = "U", _("Utgående")

    class Kind(models.TextChoices):
        APPLICATION = "application", _("Søknad")
        SUPPLEMENT = "supplement", _("Ettersendt dokumentasjon")
        APPEAL = "appeal", _("Klage")
        LETTER = "letter", _("Brev")

    class Basis(models.TextChoices):
        NONE = "", _("Ikke skjermet")
        BUSINESS_SECRETS = (
            "offl13_fvl13_1_2",
            _("Offentleglova § 13, jf. forvaltningsloven § 13 første ledd nr. 2 (forretningshemmeligheter)"),
        )
        PERSONAL_MATTERS = (
            "offl13_fvl13_1_1",
            _("Offentleglova § 13, jf. forvaltningsloven § 13 første ledd nr. 1 (personlige forhold)"),
        )

    programme = models.ForeignKey(
        Programme, verbose_name=_("program"), on_delete=models.PROTECT, related_name="journal_entries"
    )
    year = models.PositiveSmallIntegerField(_("år"))
    sequence = models.PositiveIntegerField(_("løpenummer"))
    registered_at = models.DateTimeField(_("journaldato"))
    direction = models.CharField(_("retning"), max_length=1, choices=Direction.choices)
    kind = models.CharField(_("dokumenttype"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("dokumenttittel"), max_length=300)
    party = models.CharField(
        _("avsender/mottaker"), max_length=300, help_text=_("Avsender av inngående og mottaker av utgående.")
    )
    case_reference = models.CharField(_("saksreferanse"), max_length=30)
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("søknad"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="journal_entries",
    )
    letter = models.OneToOneField(
        "applications.Letter",
        verbose_name=_("brev"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="journal_entry",
    )
    title_screened = models.BooleanField(_("tittel skjermet"), default=False)
    screening_basis = models.CharField(
        _("hjemmel for skjerming"), max_length=30, choices=Basis.choices, blank=True, default=""
    )
    party_is_private_person = models.BooleanField(
        _("avsender/mottaker er privatperson"),
        default=False,
        help_text=_("Navn på privatpersoner vises ikke i den offentlige journalen på nett."),
    )
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("skjermet av"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("journalpost")
        verbose_name_plural = _("journalposter")
        ordering = ["-registered_at", "-id"]
        indexes = [models.Index(fields=["programme", "-registered_at"], name="journal_programme_date")]
        constraints = [
            models.UniqueConstraint(fields=["programme", "year", "sequence"], name="journal_unique_number"),
            models.CheckConstraint(
                condition=Q(title_screened=False, screening_basis="")
                | (Q(title_screened=True) & ~Q(screening_basis="")),
                name="journal_screened_title_has_basis",
                violation_error_message=_("Oppgi hjemmel når tittelen skjermes, og bare da."),
            ),
            models.CheckConstraint(condition=Q(direction__in=["I", "U"]), name="journal_direction_valid"),
        ]

    def __str__(self):
        return f"{self.number} {self.public_title}"

    @property
    def number(self):
        return f"{self.year}/{self.sequence}"

    @property
    def public_title(self):
        if self.title_screened:
            return _("[Skjermet: %(basis)s]") % {"basis": self.get_screening_basis_display()}
        return self.title

    @property
    def public_party(self):
        return _("[Privatperson – navn skjermet]") if self.party_is_private_person else self.party
