"""The applicant's form: throughput and p95 of the form pages and of a valid step save.

Creates a throw-away PostgreSQL database with one programme, an open call, an applicant and a draft
with a filled-in budget, then for ``--seconds`` each requests, as the logged-in applicant through
Django's test client (full middleware stack, sessions, CSRF, CSP, templates):

- the bare view ``/healthz`` (the baseline, measured in the same run),
- the project step (GET) and the budget step with its two formsets (GET),
- a valid save of the project step (POST, answered with a redirect).

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


def measure(request, seconds, expected_status):
    request()  # warm caches and the connection
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        response = request()
        times.append(time.perf_counter() - started)
        assert response.status_code == expected_status, response.status_code
    total = sum(times)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return len(times) / total, statistics.median(times), p95


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time spent on each measurement")
    args = parser.parse_args()

    recreate_database(DB_URL)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
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
    cases = [
        ("bare view /healthz (baseline)", lambda: client.get("/healthz"), 200, None),
        ("form GET: project step", lambda: client.get(project), 200, 10),
        ("form GET: budget step (formsets)", lambda: client.get(budget), 200, 10),
        ("step save POST: project step", lambda: client.post(project, save), 302, 8),
    ]
    baseline = None
    print(f"{'request':<36} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'ratio':>9}  target")
    for label, request, status, target in cases:
        rate, median, p95 = measure(request, args.seconds, status)
        baseline = baseline or rate
        ratio = rate / baseline
        verdict = "" if target is None else f"≥ 1/{target}: {'ok' if ratio >= 1 / target else 'MISSED'}"
        share = f"1/{1 / ratio:.1f}"
        print(f"{label:<36} {rate:>8.0f} {median * 1000:>10.2f} {p95 * 1000:>8.2f} {share:>9}  {verdict}")


if __name__ == "__main__":
    main()
