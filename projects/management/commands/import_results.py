from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from omstilling.exceptions import ServiceError
from omstilling.models import Programme
from projects.result_importer import RESULTS_HEADER, results_import


class Command(BaseCommand):
    help = _(
        "Importerer resultater fra før portalen (f.eks. nye/sikrede arbeidsplasser 2011–2012) fra en CSV-fil "
        "(UTF-8, kommaseparert) med overskriften %(header)s. Hele filen importeres i én transaksjon: er én "
        "rad feil, importeres ingenting. En ny import av samme fil endrer ingenting."
    ) % {"header": ",".join(RESULTS_HEADER)}

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV-filen som skal importeres."))
        parser.add_argument(
            "--programme", required=True, help=_("Programmets kortnavn, f.eks. vestre-toten.")
        )

    def handle(self, *args, **options):
        try:
            programme = Programme.objects.get(slug=options["programme"])
        except Programme.DoesNotExist as exc:
            raise CommandError(_("Ukjent program «%(slug)s».") % {"slug": options["programme"]}) from exc
        try:
            result = results_import(options["file"], programme)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("Importerte %(created)d resultater, %(updated)d endret, %(unchanged)d fantes fra før.")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        )
