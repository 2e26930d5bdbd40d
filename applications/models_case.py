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
