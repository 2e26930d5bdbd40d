"""The applicant's form: throughput and p95 of the form pages and of a valid step save.

Creates a throw-away PostgreSQL database with one programme, an open call, an applicant and a draft
with a filled-in budget, then, as the logged-in applicant, requests in turns (``--slice`` seconds
each, until each has had ``--seconds``):

- the bare view ``/healthz`` (the baseline, measured in the same run; it reads neither session nor
  database),
- the bare view the same logged-in applicant gets (``floor_urls.py``: the session and the user, which
  every page behind the log-in loads), the second baseline, and for reference, no target, the same
  plus the application's access-checked lookup,
- the project step (GET) and the budget step with its two formsets (GET),
- a valid save of the project step (POST, answered with a redirect).

Two ways to measure, both with the benchmark settings (``omstilling.settings.bench``: the test
settings shaped like production — persistent connections, static files indexed at start-up, the
log-in lock-out on):

- in-process (default): Django's test client, one request after the other — the full middleware
  stack and nothing else, so the ratios compare Django's own work per request;
- ``--http``: a real gunicorn (sync workers, one per core, as ``docker-compose.yml`` runs it) driven
  by ApacheBench (``ab``, Debian package ``apache2-utils``) with ``--concurrency`` clients — what the
  server delivers, including HTTP parsing and a TCP connection per request.

Prints requests per second, median and p95 per request and its share of two bare views' rates:
``/healthz`` (no session, no database) and the bare view of the same logged-in applicant (session and
user, which every page behind the log-in loads). The issue's targets — the form GET at least 1/10 of
the bare view's rate, the POST at least 1/8 — are checked against both.

    .venv/bin/python bench/portal_form.py [--seconds 5] [--http]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/omstilling_bench_portal —
dropped and recreated) and Redis (REDIS_URL, default redis://127.0.0.1:6379/15).
"""

import argparse
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from throwaway_db import ROOT, recreate_database, use_throwaway_database

DB_URL = use_throwaway_database("omstilling_bench_portal", settings="omstilling.settings.bench")
os.environ["ROOT_URLCONF"] = "floor_urls"
HERE = Path(__file__).resolve().parent


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


def report(cases, results):
    """Each request's share of two bare views' rates: ``/healthz``, which reads neither session nor
    database, and the bare view the same logged-in applicant gets (session and user loaded, as on
    every page behind the log-in). The issue's targets are checked against both."""
    bare = results[cases[0][0]][0]
    logged_in = results[cases[1][0]][0]
    print(
        f"{'request':<36} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} "
        f"{'/healthz':>9} {'logged in':>10}  target"
    )

    def share(rate, base):
        return f"1/{base / rate:.1f}" if rate <= base else f"{rate / base:.1f}×"

    def verdict(ratio, target):
        return "ok" if ratio >= 1 / target else "MISSED"

    for label, *_rest, target in cases:
        rate, median, p95 = results[label]
        shares = f"{share(rate, bare):>9} {share(rate, logged_in):>10}"
        goal = ""
        if target is not None:
            goal = f"≥ 1/{target}: {verdict(rate / bare, target)} / {verdict(rate / logged_in, target)}"
        print(f"{label:<36} {rate:>8.0f} {median * 1000:>10.2f} {p95 * 1000:>8.2f} {shares}  {goal}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(workers):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)])}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "omstilling.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    # Ready once every worker has loaded Django and answers (the master listens before they do).
    deadline = time.monotonic() + 60
    answered = 0
    while time.monotonic() < deadline and answered < 4 * workers:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            answered += connection.getresponse().status == 200
            connection.close()
        except OSError:
            time.sleep(0.2)
    if answered < 4 * workers:
        server.kill()
        raise SystemExit("gunicorn did not start")
    return server, port


def ab_slice(url, seconds, concurrency, cookies, post=None):
    """One ApacheBench run; returns (requests, seconds, non-2xx, median and p95 in seconds)."""
    with tempfile.TemporaryDirectory() as scratch:
        percentiles = Path(scratch) / "p.csv"
        command = ["ab", "-q", "-t", str(seconds), "-n", "10000000", "-c", str(concurrency)]
        command += ["-e", str(percentiles)]
        # One -C: ab sends only the last of several.
        command += ["-C", "; ".join(f"{name}={value}" for name, value in cookies.items())]
        if post is not None:
            body = Path(scratch) / "body"
            body.write_text(urlencode(post))
            command += ["-p", str(body), "-T", "application/x-www-form-urlencoded"]
            command += ["-H", f"X-CSRFToken: {cookies['csrftoken']}"]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        complete = int(re.search(r"Complete requests:\s+(\d+)", output).group(1))
        taken = float(re.search(r"Time taken for tests:\s+([\d.]+)", output).group(1))
        non_2xx = re.search(r"Non-2xx responses:\s+(\d+)", output)
        if not percentiles.exists():
            raise SystemExit(f"ab wrote no percentiles for {url}:\n{output}")
        table = dict(line.split(",") for line in percentiles.read_text().splitlines()[1:])
    median, p95 = float(table["50"]) / 1000, float(table["95"]) / 1000
    return complete, taken, int(non_2xx.group(1)) if non_2xx else 0, median, p95


def measure_http(cases, seconds, slice_seconds, concurrency, cookies, port):
    """Each case in turns of ``slice_seconds`` until it has had ``seconds``.

    The rate is over all of a case's turns; the median and p95 are the medians of its turns' (ab
    reports percentiles per run).
    """
    done = {label: [0, 0.0, [], []] for label, *_ in cases}
    while any(spent < seconds for _n, spent, *_ in done.values()):
        for label, path, post, expected, _target in cases:
            url = f"http://127.0.0.1:{port}{path}"
            complete, taken, non_2xx, median, p95 = ab_slice(url, slice_seconds, concurrency, cookies, post)
            wrong = complete - non_2xx if expected != 200 else non_2xx
            if wrong:
                raise SystemExit(f"{label}: {wrong} of {complete} responses were not {expected}")
            entry = done[label]
            entry[0] += complete
            entry[1] += taken
            entry[2].append(p95)
            entry[3].append(median)
    return {
        label: (n / spent, statistics.median(medians), statistics.median(p95s))
        for label, (n, spent, p95s, medians) in done.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="time spent on each measurement")
    parser.add_argument("--slice", type=float, default=None, help="seconds per turn (0.25; --http 1)")
    parser.add_argument("--http", action="store_true", help="measure gunicorn over HTTP with ab")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="gunicorn workers (--http)")
    parser.add_argument("--concurrency", type=int, default=None, help="ab clients (--http; 2 × workers)")
    args = parser.parse_args()

    recreate_database(DB_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

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
    # label, path, POST data, expected status, target (the page's share of the baseline: 1/target)
    cases = [
        ("bare view /healthz (baseline)", "/healthz", None, 200, None),
        ("bare view, logged in (session + user)", "/bench/floor-user", None, 200, None),
        ("(ref.) ... + application lookup", f"/bench/floor-application/{application.pk}", None, 200, None),
        ("form GET: project step", project, None, 200, 10),
        ("form GET: budget step (formsets)", budget, None, 200, 10),
        ("step save POST: project step", project, save, 302, 8),
    ]
    if not args.http:

        def request(path, post):
            return (lambda: client.get(path)) if post is None else (lambda: client.post(path, post))

        runs = [(label, request(path, post), status, target) for label, path, post, status, target in cases]
        report(cases, measure(runs, args.seconds, args.slice or 0.25))
        return

    if shutil.which("ab") is None:
        raise SystemExit("--http needs ApacheBench: apt-get install apache2-utils")
    client.get(project)  # sets the CSRF cookie
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": client.cookies["csrftoken"].value}
    concurrency = args.concurrency or 2 * args.workers
    server, port = start_gunicorn(args.workers)
    try:
        print(f"gunicorn: {args.workers} sync workers; ab: {concurrency} concurrent clients")
        report(cases, measure_http(cases, args.seconds, args.slice or 1.0, concurrency, cookies, port))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
