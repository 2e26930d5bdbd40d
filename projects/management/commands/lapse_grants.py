from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omstilling.formatting import format_nok, long_date
from omstilling.management.base import TranslatedCommand
from projects.services import grants_lapse_overdue


class Command(TranslatedCommand):
    help = gettext_lazy(
        "Lar tilsagn som ikke er akseptert innen fristen, bortfalle, og fører beløpet tilbake til "
        "programmets budsjett. Kan kjøres så ofte man vil; Celery beat kjører det samme hver time."
    )

    def handle(self, *args, **options):
        lapsed = grants_lapse_overdue()
        for grant in lapsed:
            self.stdout.write(
                _("%(reference)s: bortfalt (frist %(deadline)s), %(amount)s kr tilbake til budsjettet")
                % {
                    "reference": grant.reference,
                    "deadline": long_date(grant.acceptance_deadline),
                    "amount": format_nok(grant.released_amount),
                }
            )
        self.stdout.write(_("%(count)d tilsagn bortfalt.") % {"count": len(lapsed)})
