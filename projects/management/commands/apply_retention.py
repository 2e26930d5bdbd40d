import datetime as dt

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.selectors import retention_plan
from omstilling.formatting import long_date
from omstilling.management.base import TranslatedCommand
from projects.services.privacy import retention_apply


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Bruker reglene for lagring av personopplysninger: varsler om og sletter utkast som aldri ble "
        "sendt inn, anonymiserer gamle avslåtte og trukne søknader og sletter utløpte innsynsuttrekk. "
        "Med --dry-run vises bare hva som ville blitt gjort. Celery beat kjører det samme hver natt."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=gettext_lazy("Vis hva som ville skjedd."))
        parser.add_argument("--date", help=gettext_lazy("Kjør som om i dag var denne datoen (ÅÅÅÅ-MM-DD)."))

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(
                    _("Ugyldig dato: %(value)s (bruk ÅÅÅÅ-MM-DD).") % {"value": options["date"]}
                ) from exc
        self.stdout.write(
            _(
                "Regler: utkast slettes %(draft)d dager etter søknadsfristen (varsel %(warn)d dager før); "
                "avslåtte og trukne søknader anonymiseres etter %(years)d år."
            )
            % {
                "draft": settings.RETENTION_DRAFT_DAYS,
                "warn": settings.RETENTION_DRAFT_WARNING_DAYS,
                "years": settings.RETENTION_ANONYMISE_YEARS,
            }
        )
        items = retention_plan(today) if options["dry_run"] else retention_apply(today=today)
        for item in items:
            self.stdout.write(f"{item.reference}  {item.label}  {long_date(item.due)}  «{item.title}»")
        if options["dry_run"]:
            self.stdout.write(
                _("Prøvekjøring: %(count)d tiltak ville blitt utført. Ingenting er endret.")
                % {"count": len(items)}
            )
        else:
            self.stdout.write(_("%(count)d tiltak utført.") % {"count": len(items)})
