from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports.selectors import report_jobs_stale
from reports.services import STALE_AFTER, report_jobs_requeue_stale


class Command(BaseCommand):
    help = _(
        "Legger rapportjobber som står i kø eller lages, men som ingen oppgave arbeider med, i kø på nytt "
        "(det samme som den periodiske oppgaven gjør hvert femte minutt). En jobb regnes som forlatt når "
        "siste tegn til liv er eldre enn --older-than sekunder. Ferdige og feilede jobber røres ikke, og "
        "en ny kjøring legger ikke den samme jobben i kø to ganger."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=int(STALE_AFTER.total_seconds()),
            help=_(
                "Sekunder uten tegn til liv før en jobb regnes som forlatt (standard %(default)s, over "
                "oppgavens harde tidsgrense). Kortere bare når du vet at ingen arbeider kjører jobber."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Vis jobbene som ville blitt lagt i kø, uten å endre noe."),
        )

    def handle(self, *args, **options):
        if options["older_than"] < 0:
            raise CommandError(_("--older-than kan ikke være negativ."))
        older_than = timedelta(seconds=options["older_than"])
        if options["dry_run"]:
            for job in report_jobs_stale(older_than):
                self.stdout.write(
                    _("Forlatt: jobb %(id)s (%(job)s), status «%(state)s», siste tegn til liv %(seen)s")
                    % {"id": job.pk, "job": job, "state": job.get_state_display(), "seen": job.last_seen}
                )
            return
        result = report_jobs_requeue_stale(older_than=older_than)
        self.stdout.write(
            _("Lagt i kø på nytt: %(requeued)d. Stoppet etter for mange forsøk: %(failed)d.")
            % {"requeued": len(result["requeued"]), "failed": len(result["failed"])}
        )
        for pk in result["requeued"]:
            self.stdout.write(_("Lagt i kø på nytt: jobb %(id)s") % {"id": pk})
        for pk in result["failed"]:
            self.stdout.write(_("Stoppet: jobb %(id)s") % {"id": pk})
