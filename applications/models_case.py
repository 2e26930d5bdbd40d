"""Written exchanges on a submitted application's case: short messages between the programme's staff and
the applicant's organisation, and requests for more information (ettersending) with their answers.

Both are part of the case file: never edited. A supplement is a new, frozen and dated part of the
application; the frozen copy of what was first submitted (ApplicationSnapshot) is never touched.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MESSAGE_MAX_CHARS = 4000
ANSWER_MAX_CHARS = 10000
MAX_SUPPLEMENT_FILES = 10  # documents in one answer


class CaseMessage(models.Model):
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("søknad"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("skrevet av"), on_delete=models.PROTECT, related_name="+"
    )
    from_staff = models.BooleanField(_("fra programmet"))
    body = models.TextField(_("melding"), max_length=MESSAGE_MAX_CHARS)
    sent_at = models.DateTimeField(_("sendt"), auto_now_add=True)

    class Meta:
        verbose_name = _("melding i saken")
        verbose_name_plural = _("meldinger i saken")
        ordering = ["application", "sent_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="case_message_not_empty"),
        ]

    def __str__(self):
        return f"{self.application.reference} {self.sent_at:%d.%m.%Y %H:%M}"


class SupplementRequest(models.Model):
    """The programme asks for more information or a corrected part of a submitted application."""

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("søknad"),
        on_delete=models.CASCADE,
        related_name="supplement_requests",
    )
    message = models.TextField(_("hva som trengs"), max_length=MESSAGE_MAX_CHARS)
    reply_deadline = models.DateField(_("svarfrist"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("bedt om av"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("bedt om"), auto_now_add=True)
    answer = models.TextField(_("svar"), max_length=ANSWER_MAX_CHARS, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("svart av"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("svart"), null=True, blank=True)

    class Meta:
        verbose_name = _("anmodning om ettersending")
        verbose_name_plural = _("anmodninger om ettersending")
        ordering = ["application", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(answered_at__isnull=True),
                name="supplement_one_open_request",
                violation_error_message=_("Søknaden har allerede en ubesvart anmodning om ettersending."),
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, answered_by__isnull=True)
                | Q(answered_at__isnull=False, answered_by__isnull=False),
                name="supplement_answer_complete",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(answered_at__gte=F("requested_at")),
                name="supplement_answer_after_request",
            ),
        ]

    def __str__(self):
        return f"{self.application.reference} {self.requested_at:%d.%m.%Y}"

    @property
    def is_open(self):
        return self.answered_at is None


APPEAL_MAX_CHARS = 10000
MAX_APPEAL_FILES = 10  # documents sent with one appeal
# The service refuses an appeal without reasons with this; the form says the same at the field.
APPEAL_REASONS_MISSING = _("Skriv hvorfor dere klager: hva i vedtaket dere mener er feil, og hvorfor.")


class Appeal(models.Model):
    """A klage (forvaltningsloven §§ 28–33) on the board's decision on an application.

    The body that decided reconsiders it first (§ 33): the programme leader puts it before the board,
    which either reverses its decision (a new decision replaces the appealed one, with a new letter)
    or upholds it, and the appeal is sent on to the appeal body, with a letter to the applicant.
    An appeal lodged after the deadline is received all the same and marked late (§ 31 lets the
    appeal body consider it).
    """

    class State(models.TextChoices):
        RECEIVED = "received", _("Mottatt")
        ON_AGENDA = "on_agenda", _("Til behandling i styret")
        REVERSED = "reversed", _("Vedtaket er omgjort")
        FORWARDED = "forwarded", _("Opprettholdt og sendt til klageinstansen")

    OPEN_STATES = (State.RECEIVED, State.ON_AGENDA)

    TRANSITIONS = {
        State.RECEIVED: (State.ON_AGENDA,),
        # A proposal to uphold that the board votes down goes back to the programme leader.
        State.ON_AGENDA: (State.REVERSED, State.FORWARDED, State.RECEIVED),
        State.REVERSED: (),
        State.FORWARDED: (),
    }

    application = models.ForeignKey(
        "applications.Application", verbose_name=_("søknad"), on_delete=models.PROTECT, related_name="appeals"
    )
    decision = models.OneToOneField(
        "applications.Decision",
        verbose_name=_("påklaget vedtak"),
        on_delete=models.PROTECT,
        related_name="appeal",
    )
    reasons = models.TextField(_("begrunnelse for klagen"), max_length=APPEAL_MAX_CHARS)
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("klaget av"), on_delete=models.PROTECT, related_name="+"
    )
    lodged_at = models.DateTimeField(_("mottatt"))
    deadline = models.DateField(_("klagefrist"))
    is_late = models.BooleanField(_("for sent"), default=False)
    state = models.CharField(_("status"), max_length=12, choices=State.choices, default=State.RECEIVED)
    resolved_at = models.DateTimeField(_("avgjort i styret"), null=True, blank=True)
    forwarded_to = models.CharField(_("sendt til"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("klage")
        verbose_name_plural = _("klager")
        ordering = ["-lodged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state__in=["received", "on_agenda"]),
                name="appeal_one_open_per_application",
                violation_error_message=_("Søknaden har allerede en klage under behandling."),
            ),
            models.CheckConstraint(
                condition=Q(state__in=["received", "on_agenda"], resolved_at__isnull=True)
                | Q(state__in=["reversed", "forwarded"], resolved_at__isnull=False),
                name="appeal_resolved_when_decided",
            ),
            models.CheckConstraint(
                condition=Q(state="forwarded", forwarded_to__gt="")
                | (~Q(state="forwarded") & Q(forwarded_to="")),
                name="appeal_forwarded_names_body",
            ),
            models.CheckConstraint(condition=~Q(reasons=""), name="appeal_has_reasons"),
        ]

    def __str__(self):
        return f"{_('Klage')} {self.application.reference} {self.lodged_at:%d.%m.%Y}"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES
