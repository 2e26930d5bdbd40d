"""Who may order, follow and download the annual report and the exports (see :mod:`omstilling.policies`).

Decision: the report jobs and their files — the annual omstillingsplan / status report as a draft
PDF, its tables as JSON or CSV, the grant tables — are the programme staff's working documents. The
programme's staff (programme leader, case handlers) order them, follow them, retry a failed one and
download the files; a site admin may do so for every programme. Board members, deputies and
observers may not: the board gets the plan when it is put before it as a board case to adopt, not
from the programme's drafts. So the job list, a job's page, its status, its download and its retry
are refused to them, in the admin (``reports.admin``) as at the services.

Each predicate takes ``(user, obj)``, where ``obj`` is a programme or a report job, and returns None
when the user may act, or the reason.
"""

from django.utils.translation import gettext as _

from applications.policies import is_programme_staff
from omstilling.models import Programme

from .models import ReportJob


def _programme(obj):
    if isinstance(obj, Programme):
        return obj
    if isinstance(obj, ReportJob):
        return obj.programme_id
    raise TypeError(f"not a programme or a report job: {obj!r}")


def can_order_report(user, obj):
    """The programme's staff order a report (or retry one that failed)."""
    if not is_programme_staff(user, _programme(obj)):
        return _("Bare programmets administrasjon kan bestille årsrapporten og eksportene.")
    return None


def can_edit_narrative(user, obj):
    """The programme's staff write the report's texts (the programme leader's prose)."""
    if not is_programme_staff(user, _programme(obj)):
        return _("Bare programmets administrasjon kan skrive tekstene i omstillingsplanen.")
    return None


def can_download_report(user, obj):
    """The programme's staff follow a report job and download its file."""
    if not is_programme_staff(user, _programme(obj)):
        return _(
            "Årsrapporten og eksportene er arbeidsdokumenter for programmets administrasjon. Styret får "
            "omstillingsplanen når den legges fram for styret til vedtak."
        )
    return None
