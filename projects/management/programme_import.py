"""What the CSV import commands share: a file and a programme's slug; a refusal is the command's error."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from omstilling.exceptions import ServiceError
from omstilling.models import Programme


class ProgrammeFileImportCommand(BaseCommand):
    """``manage.py <command> FILE.csv --programme SLUG``: subclasses say how to import and what to print."""

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("CSV-filen som skal importeres."))
        parser.add_argument(
            "--programme", required=True, help=_("Programmets kortnavn, f.eks. vestre-toten.")
        )

    def run_import(self, path, programme):
        raise NotImplementedError

    def summary(self, result):
        raise NotImplementedError

    def handle(self, *args, **options):
        try:
            programme = Programme.objects.get(slug=options["programme"])
        except Programme.DoesNotExist as exc:
            raise CommandError(_("Ukjent program «%(slug)s».") % {"slug": options["programme"]}) from exc
        try:
            result = self.run_import(options["file"], programme)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.summary(result))
