from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from omstilling.exceptions import ServiceError
from omstilling.models import Programme
from projects.importers import HEADER, grants_import


class Command(BaseCommand):
    help = _(
        "Importerer historiske tilsagn fra en CSV-fil (UTF-8, kommaseparert) med overskriften %(header)s. "
        "Hele filen importeres i én transaksjon: er én rad feil, importeres ingenting. "
        "Rader som allerede er importert, hoppes over."
    ) % {"header": ",".join(HEADER)}

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
            result = grants_import(options["file"], programme)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("Importerte %(created)d tilsagn, %(existing)d fantes fra før.")
            % {"created": result.created, "existing": result.existing}
        )
