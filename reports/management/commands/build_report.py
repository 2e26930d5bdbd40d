from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from omstilling.models import Programme
from reports.annual import annual_appendix_pdf, annual_report_pdf
from reports.exports import annual_report_csv_zip, annual_report_json
from reports.selectors import report_year_refusal

BUILDERS = {
    "pdf": annual_report_pdf,
    "appendix-pdf": annual_appendix_pdf,
    "json": annual_report_json,
    "zip": annual_report_csv_zip,
}


class Command(BaseCommand):
    help = _(
        "Lager omstillingsplanen/årsrapporten for et program og et år som PDF, eller alle tabellene i den "
        "som JSON eller som CSV-filer i en ZIP-fil, med de samme dataene og den samme koden som "
        "rapportjobbene i admin."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--programme", required=True, help=_("Programmets kortnavn, f.eks. vestre-toten.")
        )
        parser.add_argument("--year", required=True, type=int, help=_("Statusåret, f.eks. 2012."))
        parser.add_argument(
            "--format",
            choices=sorted(BUILDERS),
            default="pdf",
            help=_(
                "pdf (standard), appendix-pdf (vedlegget med alle tilsagn), json (alle tabellene) eller "
                "zip (alle tabellene som CSV-filer)."
            ),
        )
        parser.add_argument("--output", required=True, help=_("Filen som skal skrives."))

    def handle(self, *args, **options):
        try:
            programme = Programme.objects.get(slug=options["programme"])
        except Programme.DoesNotExist as exc:
            raise CommandError(_("Ukjent program «%(slug)s».") % {"slug": options["programme"]}) from exc
        refusal = report_year_refusal(programme, options["year"])
        if refusal:
            raise CommandError(refusal)
        content, _filename = BUILDERS[options["format"]](programme, options["year"])
        output = Path(options["output"])
        try:
            output.write_bytes(content)
        except OSError as exc:
            raise CommandError(
                _("Kunne ikke skrive «%(path)s»: %(error)s") % {"path": output, "error": exc.strerror}
            ) from exc
        self.stdout.write(_("Skrev %(path)s (%(size)d byte).") % {"path": output, "size": len(content)})
