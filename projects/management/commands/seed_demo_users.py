import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.services.seed import demo_users_seed
from omstilling.exceptions import ServiceError
from omstilling.management.base import TranslatedCommand
from omstilling.models import Call, Programme
from omstilling.seed import DEMO_APPLICANTS, DEMO_PASSWORD
from projects.services.demo import demo_draft_seed, demo_grant_seed, demo_rejection_seed

OSLO = ZoneInfo("Europe/Oslo")
DEMO_CALL_PROGRAMME = "elverumregionen"
DEMO_CALL_TEMPLATE = "Utlysning 2018"


def open_demo_call():
    """An open Elverum call like the 2018 one, so the demo applicant has something to apply to.

    The next 15 May 23:59 (Europe/Oslo) is the deadline and names the call; running again on the
    same day, or before that deadline, changes nothing.
    """
    programme = Programme.objects.filter(slug=DEMO_CALL_PROGRAMME).first()
    template = programme.calls.filter(title=DEMO_CALL_TEMPLATE).first() if programme else None
    if template is None:
        return None
    now = timezone.now()
    year = timezone.localdate().year
    deadline = dt.datetime(year, 5, 15, 23, 59, tzinfo=OSLO)
    if deadline <= now:
        deadline = deadline.replace(year=year + 1)
    with transaction.atomic():
        call, created = Call.objects.get_or_create(
            programme=programme,
            title=f"Utlysning {deadline.year}",
            defaults={
                "year": deadline.year,
                "description": template.description.replace("2018", str(deadline.year)),
                "budget": template.budget,
                "opens_at": now - dt.timedelta(days=1),
                "deadline": deadline,
                "admits_forstudie": template.admits_forstudie,
                "admits_forprosjekt": template.admits_forprosjekt,
                "admits_hovedprosjekt": template.admits_hovedprosjekt,
                "max_amount": template.max_amount,
                "max_share_percent": template.max_share_percent,
            },
        )
        if created:
            call.focus_areas.set(template.focus_areas.all())
    return call


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Oppretter demobrukere for alle roller i begge programmene (bare i utvikling, når "
        "DEMO_USERS er på). Krever at seed_programmes er kjørt."
    )

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_USERS", False):
            raise CommandError(
                _(
                    "Demobrukere opprettes bare når innstillingen DEMO_USERS er på "
                    "(omstilling.settings.dev). De har et kjent passord og hører ikke hjemme i "
                    "produksjon."
                )
            )
        try:
            logins = demo_users_seed(password=DEMO_PASSWORD)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        call = open_demo_call()
        if call is not None:
            try:
                # The demo's receipts, notices and letter go to demo addresses: not to the console.
                with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                    orgnr = DEMO_APPLICANTS[DEMO_CALL_PROGRAMME]["orgnr"]
                    grant = demo_grant_seed(call, orgnr=orgnr)
                    rejected = demo_rejection_seed(call, orgnr=orgnr)
                    demo_draft_seed(call, orgnr=orgnr)
            except ServiceError as exc:
                raise CommandError(exc.message) from exc
            if grant is not None:
                self.stderr.write(
                    _("Demotilsagn til søkeren: %(reference)s (%(title)s)")
                    % {"reference": grant.reference, "title": grant.application.title}
                )
            if rejected is not None:
                self.stderr.write(
                    _("Avslått demosøknad søkeren kan klage på: %(reference)s (%(title)s)")
                    % {"reference": rejected.reference, "title": rejected.title}
                )
            # On stderr: stdout is the table of logins, which scripts read.
            self.stderr.write(
                _("Åpen demo-utlysning: %(programme)s – %(title)s (frist %(deadline)s)")
                % {
                    "programme": call.programme.name,
                    "title": call.title,
                    "deadline": f"{timezone.localtime(call.deadline, OSLO):%d.%m.%Y %H:%M}",
                }
            )
        header = (_("E-post"), _("Rolle"), _("Program"), _("Passord"))
        rows = [(login.email, login.role, login.programme, DEMO_PASSWORD) for login in logins]
        widths = [max(len(str(row[column])) for row in [header, *rows]) for column in range(len(header))]
        for row in [header, tuple("-" * width for width in widths), *rows]:
            cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
