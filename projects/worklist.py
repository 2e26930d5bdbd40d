"""The programme leader's worklist on the admin's front page: per programme she leads, what waits for
her, each a count linking to the admin list filtered to exactly those rows.

A selector: one conditional aggregation per kind of row, grouped by programme, so the page costs the
same number of queries for one programme as for ten.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from applications.models import Appeal, Application
from applications.selectors import APPLICATION_WORKLIST
from omstilling.models import Programme, StaffMembership

from .models import DeadlineExtension, Grant, Payout

# The keys of the grant admin's worklist filter (``?frist=``).
REPORT_DUE = "due"
REPORT_OVERDUE = "overdue"
ACCEPTANCE_LAPSING = "lapsing"

DUE_WITHIN_DAYS = 60
LAPSING_WITHIN_DAYS = 14


def grant_worklist_q(key, today=None):
    """The condition on grants for a worklist entry; the admin filter and the count share it."""
    today = today or timezone.localdate()
    if key == REPORT_DUE:
        return Q(
            state__in=Grant.MONEY_MOVING_STATES,
            final_report_deadline__gte=today,
            final_report_deadline__lte=today + dt.timedelta(days=DUE_WITHIN_DAYS),
        )
    if key == REPORT_OVERDUE:
        return Q(state__in=Grant.MONEY_MOVING_STATES, final_report_deadline__lt=today)
    if key == ACCEPTANCE_LAPSING:
        return Q(
            state=Grant.State.OFFERED,
            acceptance_deadline__gte=today,
            acceptance_deadline__lte=today + dt.timedelta(days=LAPSING_WITHIN_DAYS),
        )
    raise ValueError(f"unknown worklist key {key!r}")


@dataclass(frozen=True)
class WorkItem:
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class ProgrammeWorklist:
    programme: Programme
    items: list[WorkItem]

    @property
    def total(self):
        return sum(item.count for item in self.items)


def led_programmes(user):
    """The programmes ``user`` leads (every programme for a site admin)."""
    if not user.is_authenticated or not user.is_staff:
        return Programme.objects.none()
    if user.is_superuser:
        return Programme.objects.order_by("name")
    return Programme.objects.filter(
        staff_memberships__user=user,
        staff_memberships__role=StaffMembership.Role.LEADER,
        staff_memberships__is_active=True,
    ).order_by("name")


def _by_programme(queryset, path, **counts):
    rows = (
        queryset.filter(**{f"{path}__in": list(counts.pop("_ids"))})
        .values(path)
        .annotate(**counts)
        .order_by()
    )
    return {row[path]: row for row in rows}


def _url(name, **params):
    return f"{reverse(name)}?{urlencode(params)}"


def leader_worklist(user):
    """[:class:`ProgrammeWorklist`] for each programme ``user`` leads, in name order."""
    programmes = list(led_programmes(user))
    if not programmes:
        return []
    ids = [programme.pk for programme in programmes]
    today = timezone.localdate()
    applications = _by_programme(
        Application.objects.all(),
        "programme",
        _ids=ids,
        to_assess=Count("pk", filter=APPLICATION_WORKLIST["to_assess"]),
        to_board=Count("pk", filter=Q(state=Application.State.TO_BOARD)),
        bounced=Count("pk", filter=APPLICATION_WORKLIST["bounced"]),
    )
    payouts = _by_programme(
        Payout.objects.all(),
        "grant__application__programme",
        _ids=ids,
        to_approve=Count("pk", filter=Q(state=Payout.State.REQUESTED)),
    )
    grants = _by_programme(
        Grant.objects.all(),
        "application__programme",
        _ids=ids,
        due=Count("pk", filter=grant_worklist_q(REPORT_DUE, today)),
        overdue=Count("pk", filter=grant_worklist_q(REPORT_OVERDUE, today)),
        lapsing=Count("pk", filter=grant_worklist_q(ACCEPTANCE_LAPSING, today)),
    )
    appeals = _by_programme(
        Appeal.objects.all(),
        "application__programme",
        _ids=ids,
        waiting=Count("pk", filter=Q(state=Appeal.State.RECEIVED)),
    )
    extensions = _by_programme(
        DeadlineExtension.objects.all(),
        "grant__application__programme",
        _ids=ids,
        open=Count("pk", filter=Q(state=DeadlineExtension.State.REQUESTED)),
    )
    worklists = []
    for programme in programmes:
        pk = programme.pk
        app_row = applications.get(pk, {})
        grant_row = grants.get(pk, {})
        applications_url = "admin:applications_application_changelist"
        grants_url = "admin:projects_grant_changelist"
        grant_programme = {"application__programme__id__exact": pk}
        items = [
            WorkItem(
                _("Søknader til vurdering"),
                app_row.get("to_assess", 0),
                _url(applications_url, programme__id__exact=pk, arbeidsliste="to_assess"),
            ),
            WorkItem(
                _("Saker klare for styret"),
                app_row.get("to_board", 0),
                _url(applications_url, programme__id__exact=pk, state__exact=Application.State.TO_BOARD),
            ),
            WorkItem(
                _("Klager som venter på styret"),
                appeals.get(pk, {}).get("waiting", 0),
                _url(
                    "admin:applications_appeal_changelist",
                    application__programme__id__exact=pk,
                    state__exact=Appeal.State.RECEIVED,
                ),
            ),
            WorkItem(
                _("Utbetalingsanmodninger til godkjenning"),
                payouts.get(pk, {}).get("to_approve", 0),
                _url(
                    "admin:projects_payout_changelist",
                    grant__application__programme__id__exact=pk,
                    state__exact=Payout.State.REQUESTED,
                ),
            ),
            WorkItem(
                _("Søknader om lengre frist"),
                extensions.get(pk, {}).get("open", 0),
                _url(
                    "admin:projects_deadlineextension_changelist",
                    grant__application__programme__id__exact=pk,
                    state__exact=DeadlineExtension.State.REQUESTED,
                ),
            ),
            WorkItem(
                _("Sluttrapporter med frist innen 60 dager"),
                grant_row.get("due", 0),
                _url(grants_url, **grant_programme, frist=REPORT_DUE),
            ),
            WorkItem(
                _("Tilsagn på overtid (fristen for sluttrapport er ute)"),
                grant_row.get("overdue", 0),
                _url(grants_url, **grant_programme, frist=REPORT_OVERDUE),
            ),
            WorkItem(
                _("Tilbud som bortfaller innen 14 dager"),
                grant_row.get("lapsing", 0),
                _url(grants_url, **grant_programme, frist=ACCEPTANCE_LAPSING),
            ),
            WorkItem(
                _("Kvitteringer som ikke kom fram (e-post avvist)"),
                app_row.get("bounced", 0),
                _url(applications_url, programme__id__exact=pk, arbeidsliste="bounced"),
            ),
        ]
        worklists.append(ProgrammeWorklist(programme=programme, items=items))
    return worklists
