from django.utils.translation import gettext as _

from projects.management.programme_import import ProgrammeFileImportCommand
from projects.result_importer import RESULTS_HEADER, results_import


class Command(ProgrammeFileImportCommand):
    help = _(
        "Importerer resultater fra før portalen (f.eks. nye/sikrede arbeidsplasser 2011–2012) fra en CSV-fil "
        "(UTF-8, kommaseparert) med overskriften %(header)s. Hele filen importeres i én transaksjon: er én "
        "rad feil, importeres ingenting. En ny import av samme fil endrer ingenting."
    ) % {"header": ",".join(RESULTS_HEADER)}

    def run_import(self, path, programme):
        return results_import(path, programme)

    def summary(self, result):
        return _("Importerte %(created)d resultater, %(updated)d endret, %(unchanged)d fantes fra før.") % {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
