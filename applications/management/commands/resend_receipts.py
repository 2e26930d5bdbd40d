from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from applications.models import Application
from applications.selectors import RECEIPT_RESEND_AFTER, receipts_unsent
from applications.services.receipts import RECEIPT_RESEND_BATCH, receipts_resend_unsent


class Command(BaseCommand):
    help = _(
        "Sender kvitteringen og varselet til programmets ansatte på nytt for innsendte søknader der de "
        "ikke ble sendt (køen var nede da søknaden ble sendt inn, eller meldingen gikk tapt) — det samme "
        "som den periodiske oppgaven gjør hvert femte minutt. Bare søknader sendt inn for mer enn "
        "--older-than sekunder siden tas med, de eldste først. Historiske og trukne søknader får ingen "
        "kvittering, og en søknad får aldri mer enn én, selv om kommandoen kjøres flere ganger."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(RECEIPT_RESEND_AFTER.total_seconds()),
            help=_(
                "Sekunder etter innsendingen før en kvittering som ikke er sendt, regnes som tapt "
                "(standard %(default)s)."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Vis søknadene som ville fått kvitteringen, uten å sende noe."),
        )

    def handle(self, *args, **options):
        if options["older_than"] < 0:
            raise CommandError(_("--older-than kan ikke være negativ."))
        older_than = timedelta(seconds=options["older_than"])
        if options["dry_run"]:
            unsent = receipts_unsent(older_than).select_related("organisation")[:RECEIPT_RESEND_BATCH]
            for application in unsent:
                self.stdout.write(
                    _(
                        "Kvittering ikke sendt: søknad %(reference)s (%(organisation)s), "
                        "sendt inn %(submitted)s"
                    )
                    % {
                        "reference": application.reference,
                        "organisation": application.organisation.name,
                        "submitted": application.submitted_at.isoformat(timespec="seconds"),
                    }
                )
            return
        try:
            ids = receipts_resend_unsent(older_than=older_than)
        except Exception as exc:
            raise CommandError(
                _(
                    "Kvitteringene kunne ikke legges i kø (%(error)s). Ingenting er merket som sendt; "
                    "prøv igjen."
                )
                % {"error": exc}
            ) from exc
        self.stdout.write(_("Lagt i kø for sending: %(count)d.") % {"count": len(ids)})
        references = dict(Application.objects.filter(pk__in=ids).values_list("pk", "reference"))
        for pk in ids:
            self.stdout.write(_("Lagt i kø: søknad %(reference)s") % {"reference": references.get(pk, pk)})
        if len(ids) == RECEIPT_RESEND_BATCH:
            self.stdout.write(_("Det kan være flere; de tas ved neste kjøring."))
