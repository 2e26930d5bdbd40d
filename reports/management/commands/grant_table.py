import csv
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from omstilling.models import Programme
from reports.tables import grant_table

CSV_COLUMNS = ["category", "focus_area", "granted_count", "active_count", "granted_amount", "active_amount"]


class Command(BaseCommand):
    help = _(
        "Skriver ut tilsagnstabellen for et program og et år (antall bevilget, antall aktive, bevilget beløp "
        "og bevilget aktive per kategori og innsatsområde). JSON har også totalt bevilget beløp; CSV har én "
        "rad per kategori og innsatsområde og ingen sumrad."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--programme", required=True, help=_("Programmets kortnavn, f.eks. vestre-toten.")
        )
        parser.add_argument("--year", required=True, type=int, help=_("Bevilgningsåret."))
        parser.add_argument(
            "--format", choices=["json", "csv"], default="json", help=_("Utformat (standard json).")
        )

    def handle(self, *args, **options):
        try:
            programme = Programme.objects.get(slug=options["programme"])
        except Programme.DoesNotExist as exc:
            raise CommandError(_("Ukjent program «%(slug)s».") % {"slug": options["programme"]}) from exc
        table = grant_table(programme, options["year"])
        rows = [
            {
                "category": row.category,
                "focus_area": row.focus_area.name,
                "granted_count": row.granted_count,
                "active_count": row.active_count,
                "granted_amount": int(row.granted_amount),
                "active_amount": int(row.active_amount),
            }
            for row in table.rows
        ]
        if options["format"] == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            return
        document = {
            "programme": programme.slug,
            "year": table.year,
            "rows": rows,
            "total_granted_amount": int(table.total_granted_amount),
        }
        self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
