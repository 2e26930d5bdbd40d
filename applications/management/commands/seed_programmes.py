from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.services.seed import reference_programmes_seed
from omstilling.exceptions import ServiceError
from omstilling.management.base import TranslatedCommand


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Oppretter eller oppdaterer omstillingsprogrammene i Vestre Toten og Elverumregionen fra "
        "kildedokumentene. Kan kjøres flere ganger."
    )

    def handle(self, *args, **options):
        try:
            result = reference_programmes_seed()
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            _("%(programmes)s: %(created)d rader opprettet, %(updated)d endret, %(unchanged)d uendret.")
            % {
                "programmes": ", ".join(programme.name for programme in result.programmes),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )
