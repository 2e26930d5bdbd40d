"""The applicant's form: throughput and p95 of the form pages and of a valid step save.

Creates a throw-away PostgreSQL database with one programme, an open call, an applicant and a draft
with a filled-in budget, then for ``--seconds`` each requests, as the logged-in applicant through
Django's test client (full middleware stack, sessions, CSRF, CSP, templates):

- the bare view ``/healthz`` (the baseline, measured in the same run),
- for reference, no target: a bare view that reads ``request.user`` (session and user from the database,
  which every logged-in page pays), and the same plus the application's access-checked lookup,
- the project step (GET) and the budget step with its two formsets (GET),
- a valid save of the project step (POST, answered with a redirect).

The cases take turns (``--slice`` seconds each) until each has had ``--seconds``.

Prints requests per second, median and p95 per request and the ratio to the bare view; the issue's
targets are at least 1/10 of the bare view for the form GET and 1/8 for the POST.

    .venv/bin/python bench/portal_form.py [--seconds 5]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/omstilling_bench_portal —
dropped and recreated).
"""

import argparse
import statistics
import time
from decimal import Decimal

from throwaway_db import recreate_database, use_throwaway_database

DB_URL = use_throwaway_database("omstilling_bench_portal")


def populate():
    import datetime as dt

    from django.utils import timezone

    from applications.models import (
        Application,
        CostLine,
        FinancingLine,
        Organisation,
        OrganisationMembership,
    )
    from omstilling.models import Call, FocusArea, PlanPeriod, Programme, User

    programme = Programme.objects.create(
        slug="bench", name="Benkeprogrammet", short_name="Benk", status_start_year=2010, status_end_year=2030
    )
    period = PlanPeriod.objects.create(programme=programme, start_year=2010, end_year=2030)
    areas = [FocusArea.objects.create(plan_period=period, number=n, name=f"Område {n}") for n in range(1, 4)]
    now = timezone.now()
    call = Call.objects.create(
        programme=programme,
        year=now.year,
        title="Utlysning benk",
        budget=Decimal(1900000),
        opens_at=now - dt.timedelta(days=10),
        deadline=now + dt.timedelta(days=30),
        max_amount=Decimal(500000),
    )
    call.focus_areas.set(areas)
    user = User.objects.create_user("soker@bench.no", "bench-password", full_name="Benk Søker")
    organisation = Organisation.objects.create(orgnr="974760673", name="Benk AS")
    OrganisationMembership.objects.create(organisation=organisation, user=user, role="admin")
    application = Application.objects.create(
        reference="S-BENCH-1",
        programme=programme,
        call=call,
        organisation=organisation,
        created_by=user,
        category="forstudie",
        focus_area=areas[0],
        title="Benkeprosjekt",
        summary="Sammendrag.",
        description="Beskrivelse. " * 100,
    )
    for n in range(8):
        CostLine.objects.create(
            application=application, order=n, description=f"Kostnad {n}", amount=Decimal(10000)
        )
    FinancingLine.objects.create(application=application, order=0, kind="own_funds", amount=Decimal(40000))
    FinancingLine.objects.create(application=application, order=1, kind="programme", amount=Decimal(40000))
    return user, application, areas[0]


def measure(cases, seconds, slice_seconds):
    """Time every case for ``seconds`` in all, in turns of ``slice_seconds``.

    Taking turns, rather than one case after the other, exposes every case to the same load on the
    machine (other processes, CPU frequency), so that the ratios to the baseline stay fair when the
    machine is busy; a single case still runs sequentially, one request after the other.
    """
    times = {label: [] for label, *_ in cases}
    for _label, request, _status, _target in cases:
        request()  # warm caches and the connection
    while any(sum(spent) < seconds for spent in times.values()):
        for label, request, expected_status, _target in cases:
            spent = times[label]
            deadline = time.perf_counter() + slice_seconds
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = request()
                spent.append(time.perf_counter() - started)
                assert response.status_code == expected_status, (label, response.status_code)
    results = {}
    for label, spent in times.items():
        spent.sort()
        p95 = spent[min(len(spent) - 1, int(round(0.95 * (len(spent) - 1))))]
        results[label] = (len(spent) / sum(spent), statistics.median(spent), p95)
    return results


# Two more bare views, for reference only: what every page of a logged-in applicant pays before it does
# anything of its own (the session and the user, loaded from the database on first use of request.user;
# /healthz never touches them), and that plus the access-checked lookup of the application.
def _floor_user(request):
    from django.http import HttpResponse

    return HttpResponse(request.user.email)


def _floor_application(request, pk):
    from django.http import HttpResponse

    from applications import selectors

    return HttpResponse(selectors.application_for_member(request.user, pk).reference)


def _urlconf():
    from django.contrib.auth.decorators import login_required
    from django.urls import include, path

    return [
        path("bench/floor-user", login_required(_floor_user)),
        path("bench/floor-application/<int:pk>", login_required(_floor_application)),
        path("", include("omstilling.urls")),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time spent on each measurement")
    parser.add_argument("--slice", type=float, default=0.25, help="seconds per turn (see measure)")
    args = parser.parse_args()

    recreate_database(DB_URL)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import clear_url_caches, reverse

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    # As in production (settings/prod.py): persistent connections. The test settings open a new
    # PostgreSQL connection for every request, which no deployed page pays.
    from django.db import connection

    connection.settings_dict["CONN_MAX_AGE"] = 60
    connection.settings_dict["CONN_HEALTH_CHECKS"] = True
    global urlpatterns
    urlpatterns = _urlconf()
    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    call_command("migrate", verbosity=0)
    user, application, area = populate()

    client = Client()
    client.force_login(user)
    project = reverse("application_step", args=[application.pk, "prosjekt"])
    budget = reverse("application_step", args=[application.pk, "budsjett"])
    save = {
        "category": "forstudie",
        "focus_area": str(area.pk),
        "title": "Benkeprosjekt",
        "summary": "Sammendrag.",
        "description": "Beskrivelse. " * 100,
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "save_and_stay": "",
    }
    baseline_label = "bare view /healthz (baseline)"
    cases = [
        (baseline_label, lambda: client.get("/healthz"), 200, None),
        ("(ref.) bare view + session + user", lambda: client.get("/bench/floor-user"), 200, None),
        (
            "(ref.) ... + application lookup",
            lambda: client.get(f"/bench/floor-application/{application.pk}"),
            200,
            None,
        ),
        ("form GET: project step", lambda: client.get(project), 200, 10),
        ("form GET: budget step (formsets)", lambda: client.get(budget), 200, 10),
        ("step save POST: project step", lambda: client.post(project, save), 302, 8),
    ]
    results = measure(cases, args.seconds, args.slice)
    baseline = results[baseline_label][0]
    print(f"{'request':<36} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'ratio':>9}  target")
    for label, _request, _status, target in cases:
        rate, median, p95 = results[label]
        ratio = rate / baseline
        verdict = "" if target is None else f"≥ 1/{target}: {'ok' if ratio >= 1 / target else 'MISSED'}"
        share = f"1/{1 / ratio:.1f}"
        print(f"{label:<36} {rate:>8.0f} {median * 1000:>10.2f} {p95 * 1000:>8.2f} {share:>9}  {verdict}")


if __name__ == "__main__":
    main()
