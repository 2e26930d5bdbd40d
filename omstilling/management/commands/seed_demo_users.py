from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omstilling.exceptions import ServiceError
from omstilling.seed import DEMO_PASSWORD
from omstilling.services import demo_users_seed


class Command(BaseCommand):
    help = gettext_lazy(
        "Oppretter demobrukere for alle roller i begge programmene (bare i utvikling, når "
        "DEMO_USERS er på). Krever at seed_programmes er kjørt."
    )

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_USERS", False):
            raise CommandError(
                _(
                    "Demobrukere opprettes bare når innstillingen DEMO_USERS er på "
                    "(omstilling.settings.dev). De har et kjent passord og hører ikke hjemme i "
                    "produksjon."
                )
            )
        try:
            logins = demo_users_seed(password=DEMO_PASSWORD)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        header = (_("E-post"), _("Rolle"), _("Program"), _("Passord"))
        rows = [(login.email, login.role, login.programme, DEMO_PASSWORD) for login in logins]
        widths = [max(len(str(row[column])) for row in [header, *rows]) for column in range(len(header))]
        for row in [header, tuple("-" * width for width in widths), *rows]:
            cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
