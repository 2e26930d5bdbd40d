"""Admin changelists at scale: time and queries per page with many applications.

Creates a throw-away PostgreSQL database, bulk-inserts ROWS applications (default 100 000) with their
organisations, decisions and grants, then requests admin changelist pages as a superuser and, in the
same run, a bare Django view (``/healthz``) through the same middleware as the baseline. Prints time per
request (median, p95), queries per page and the ratio to the baseline.

    .venv/bin/python bench/admin_changelist.py [--rows 100000] [--repeat 20]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/omstilling_bench —
dropped and recreated).
"""

import argparse
import statistics
import time
from decimal import Decimal

from throwaway_db import recreate_database, use_throwaway_database

DB_URL = use_throwaway_database("omstilling_bench")


def populate(rows):
    from django.utils import timezone

    from applications.models import Application, Decision, Organisation
    from omstilling.models import Category, FocusArea, PlanPeriod, Programme, User
    from projects.models import Grant

    programme = Programme.objects.create(
        slug="bench", name="Benkeprogrammet", short_name="Benk", status_start_year=2010, status_end_year=2030
    )
    period = PlanPeriod.objects.create(programme=programme, start_year=2010, end_year=2030)
    areas = [FocusArea.objects.create(plan_period=period, number=n, name=f"Område {n}") for n in range(1, 5)]
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"Bedrift {n} AS") for n in range(max(1, rows // 100))]
    )
    categories = [c.value for c in Category]
    states = ["draft", "submitted", "in_review", "to_board", "approved", "rejected"]
    batch = 10_000
    now = timezone.now()
    for start in range(0, rows, batch):
        Application.objects.bulk_create(
            [
                Application(
                    reference=f"B-{n:07d}",
                    programme=programme,
                    organisation=orgs[n % len(orgs)],
                    category=categories[n % 3],
                    focus_area=areas[n % 4],
                    title=f"Prosjekt nummer {n}",
                    state=states[n % len(states)],
                )
                for n in range(start, min(rows, start + batch))
            ]
        )
    approved = list(Application.objects.filter(state="approved").values_list("pk", flat=True))
    decisions = Decision.objects.bulk_create(
        [
            Decision(application_id=pk, outcome="approved", amount=Decimal(100000), decided_at=now)
            for pk in approved
        ]
    )
    Grant.objects.bulk_create(
        [
            Grant(
                reference=f"BT-{d.pk:07d}",
                application_id=d.application_id,
                decision=d,
                year=2020,
                amount=d.amount,
                state="active",
            )
            for d in decisions
        ],
        batch_size=batch,
    )
    return User.objects.create_superuser("bench@example.no", "bench-password")


def measure(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and the connection
    times, queries = [], set()
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries.add(len(ctx.captured_queries))
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, sorted(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    recreate_database(DB_URL)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    settings.ALLOWED_HOSTS = ["testserver"]
    setup_test_environment()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    user = populate(args.rows)
    print(f"created {args.rows} applications in {time.perf_counter() - started:.1f} s")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum would have done on a live database

    client = Client()
    client.force_login(user)
    middle = max(1, args.rows // 200)
    pages = [
        ("bare view /healthz (baseline)", "/healthz"),
        ("applications, page 1", "/admin/applications/application/"),
        (f"applications, page {middle}", f"/admin/applications/application/?p={middle}"),
        (
            "applications, filtered",
            "/admin/applications/application/?state__exact=approved&category__exact=forstudie",
        ),
        ("applications, search", "/admin/applications/application/?q=nummer+4242"),
        ("grants, page 1", "/admin/projects/grant/"),
        ("decisions, page 1", "/admin/applications/decision/"),
        ("audit log, page 1", "/admin/omstilling/auditentry/"),
    ]
    baseline = None
    print(f"{'page':<40} {'median ms':>10} {'p95 ms':>8} {'×bare':>7}  queries")
    for label, url in pages:
        median, p95, queries = measure(client, url, args.repeat)
        baseline = baseline or median
        print(f"{label:<40} {median * 1000:>10.1f} {p95 * 1000:>8.1f} {median / baseline:>7.1f}  {queries}")


if __name__ == "__main__":
    main()
