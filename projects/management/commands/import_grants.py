from django.utils.translation import gettext as _

from projects.importers import HEADER, grants_import
from projects.management.programme_import import ProgrammeFileImportCommand


class Command(ProgrammeFileImportCommand):
    help = _(
        "Importerer historiske tilsagn fra en CSV-fil (UTF-8, kommaseparert) med overskriften %(header)s. "
        "Hele filen importeres i én transaksjon: er én rad feil, importeres ingenting. "
        "Rader som allerede er importert, hoppes over."
    ) % {"header": ",".join(HEADER)}

    def run_import(self, path, programme):
        return grants_import(path, programme)

    def summary(self, result):
        return _("Importerte %(created)d tilsagn, %(existing)d fantes fra før.") % {
            "created": result.created,
            "existing": result.existing,
        }
