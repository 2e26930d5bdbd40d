"""The deadline rush: applicants log in, save a step and submit just before the deadline while staff
browse the admin worklist — against a real server (gunicorn, PostgreSQL, Redis, a Celery worker).

Everything runs on 127.0.0.1 and is torn down at the end:

- a throw-away PostgreSQL database (BENCH_DATABASE_URL, default
  postgres://postgres@127.0.0.1:5432/omstilling_bench_deadline — dropped and recreated) with one
  programme, a call whose deadline is a few minutes away, ``--applicants`` applicants each with an
  organisation and a draft that lacks only its project description and dates;
- a private ``redis-server`` on a free port (no persistence), a Celery worker (prefork) and
  ``--web-processes`` gunicorn servers (each ``--workers`` × ``--threads``, on ports of their own), all
  with generated bench settings: the dev settings with ``DEBUG=False``, REDIS_URL in the environment
  before the base settings are read (so the caches and the logged-in sessions are in that Redis, shared
  by every web process, as in production), Celery through that Redis, e-mail to files in a temporary
  folder, and the MD5 password hasher (as in the test settings: a login then costs what the portal
  does, not 0.3 s of PBKDF2 per applicant on a shared 2-core machine).

With two or more web servers, each browser sends its requests to them in turn (a load balancer
without sticky sessions): the log-in on one, the next page on the next, and so on.

Each applicant (one thread, its own cookies and keep-alive connection) starts at a random moment in
the first ``--ramp`` seconds: GET the log-in page, POST the log-in, GET and POST (save) the contact
step, GET and POST the project step (description and dates), GET the summary, POST submit, GET the
receipt. ``--staff`` officers loop over the admin worklist (submitted applications, newest first)
and the change page of the application at its top; one more thread requests the bare view
``/healthz`` throughout (the baseline, under the same load). The whole run is bounded by
``--timeout`` seconds.

Prints requests/s, p50/p95/p99 per request type and errors; then checks in the database that every
application whose receipt an applicant saw is submitted with its frozen copy, and that its receipt
e-mail was sent by the worker (counted in the e-mail files). Targets: 0 errors, p95 of every
request type ≤ 10 × the baseline's p95 — printed, and the exit status is 1 if any check fails.

    .venv/bin/python bench/load_deadline.py [--applicants 200] [--staff 5] [--ramp 20] [--web-processes 2]
"""

import argparse
import contextlib
import email
import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from email.header import decode_header, make_header
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from throwaway_db import ROOT, recreate_database, use_throwaway_database

DB_URL = use_throwaway_database("omstilling_bench_deadline")
PASSWORD = "bench-password-123"
BIN = Path(sys.executable).parent

SETTINGS = """
from omstilling.settings.dev import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
DEMO_USERS = False
DATABASES = {{"default": env.db("DATABASE_URL")}}  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 60
# REDIS_URL is in the environment before the base settings build the caches; said again here so that
# this file alone shows it: the caches and the sessions are in Redis, shared by every web process.
REDIS_URL = {redis!r}
CACHES = cache_settings(REDIS_URL)  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = {mail!r}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {{"version": 1, "disable_existing_loggers": False,
           "root": {{"handlers": [], "level": "WARNING"}}}}
AXES_ENABLED = False
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{what} did not come up")


def populate(applicants, staff):
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from applications.models import (
        Application,
        CostLine,
        FinancingLine,
        Organisation,
        OrganisationMembership,
    )
    from omstilling.models import Call, FocusArea, PlanPeriod, Programme, StaffMembership, User

    programme = Programme.objects.create(
        slug="bench", name="Benkeprogrammet", short_name="Benk", status_start_year=2010, status_end_year=2030
    )
    period = PlanPeriod.objects.create(programme=programme, start_year=2010, end_year=2030)
    area = FocusArea.objects.create(plan_period=period, number=1, name="Område 1")
    now = timezone.now()
    call = Call.objects.create(
        programme=programme,
        year=now.year,
        title="Utlysning med frist om litt",
        budget=Decimal(100_000_000),
        opens_at=now - dt.timedelta(days=30),
        deadline=now + dt.timedelta(minutes=10),
        max_amount=Decimal(500_000),
    )
    call.focus_areas.set([area])
    password = make_password(PASSWORD)
    people = []
    for n in range(applicants):
        user = User.objects.create(
            email=f"soker{n}@bench.no", full_name=f"Søker {n}", password=password, email_verified_at=now
        )
        organisation = Organisation.objects.create(name=f"Benk {n} AS", contact_email=f"post{n}@bench.no")
        OrganisationMembership.objects.create(organisation=organisation, user=user, role="admin")
        application = Application.objects.create(
            reference=f"S-LOAD-{n:04d}",
            programme=programme,
            call=call,
            organisation=organisation,
            created_by=user,
            category="forstudie",
            focus_area=area,
            title=f"Prosjekt {n}",
            summary="Sammendrag.",
            de_minimis_declared=True,
        )
        CostLine.objects.create(application=application, description="Konsulent", amount=Decimal(200000))
        FinancingLine.objects.create(application=application, kind="own_funds", amount=Decimal(100000))
        FinancingLine.objects.create(application=application, kind="programme", amount=Decimal(100000))
        people.append((user.email, application.pk, application.reference, area.pk))
    officers = []
    for n in range(staff):
        user = User.objects.create(
            email=f"leder{n}@bench.no",
            full_name=f"Leder {n}",
            password=password,
            is_staff=True,
            is_superuser=True,
        )
        StaffMembership.objects.create(programme=programme, user=user)
        officers.append(user.email)
    return people, officers


class Browser:
    """One user's cookies and a keep-alive connection to each web server; records every request's
    time and outcome. Given several ports, the requests go to them in turn."""

    CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def __init__(self, ports, record):
        self.ports = [ports] if isinstance(ports, int) else list(ports)
        self.turn = random.randrange(len(self.ports))
        self.record = record
        self.cookies = {}
        self.conns = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for port in self.ports}

    def close(self):
        for conn in self.conns.values():
            conn.close()

    def request(self, kind, method, path, form=None, expect=(200,)):
        self.port = self.ports[self.turn % len(self.ports)]
        self.turn += 1
        self.conn = self.conns[self.port]
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        started = time.perf_counter()
        try:
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed between two requests: open a new one.
                self.conn.close()
                self.conn = self.conns[self.port] = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=60
                )
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
            content = response.read().decode("utf-8", "replace")
        except Exception as exc:  # noqa: BLE001 - every failure is an error of the run
            self.record(kind, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
            raise
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        error = None if response.status in expect else f"HTTP {response.status}"
        self.record(kind, elapsed, error)
        if error:
            raise RuntimeError(f"{kind}: {error}")
        return response, content

    def csrf(self, content):
        match = self.CSRF.search(content)
        if not match:
            raise RuntimeError("no CSRF token on the page")
        return match.group(1)

    def log_in(self, email_address):
        _, page = self.request("login GET", "GET", "/konto/logg-inn/")
        form = {"csrfmiddlewaretoken": self.csrf(page), "username": email_address, "password": PASSWORD}
        self.request("login POST", "POST", "/konto/logg-inn/", form, expect=(302,))


def main():  # noqa: C901 - one scenario, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=200)
    parser.add_argument("--staff", type=int, default=5)
    parser.add_argument("--ramp", type=float, default=20.0, help="applicants start within this many seconds")
    parser.add_argument("--timeout", type=float, default=110.0, help="the whole load phase, at most")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument(
        "--web-processes",
        type=int,
        default=1,
        help="gunicorn servers on ports of their own, each with --workers; the load is split between them",
    )
    args = parser.parse_args()

    recreate_database(DB_URL)
    work = Path(tempfile.mkdtemp(prefix="omstilling-load-"))
    mail_dir = work / "mail"
    mail_dir.mkdir()
    redis_port = free_port()
    web_ports = [free_port() for _ in range(args.web_processes)]
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    # Before django.setup() and before any process starts: the base settings build the caches (and so
    # where the sessions live) from it.
    os.environ["REDIS_URL"] = redis_url
    (work / "bench_load_settings.py").write_text(SETTINGS.format(redis=redis_url, mail=str(mail_dir)))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(work), str(ROOT)])
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench_load_settings"
    os.environ["DATABASE_URL"] = DB_URL
    os.environ["MEDIA_ROOT"] = str(work / "media")
    sys.path.insert(0, str(work))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    people, officers = populate(args.applicants, args.staff)
    print(f"created {len(people)} applicants with drafts in {time.perf_counter() - started:.1f} s")
    from django.db import connections

    connections.close_all()

    processes = []
    logs = {}

    def spawn(name, command):
        logs[name] = open(work / f"{name}.log", "w")  # noqa: SIM115 - closed at the end
        processes.append(
            subprocess.Popen(
                command, cwd=ROOT, stdout=logs[name], stderr=subprocess.STDOUT, start_new_session=True
            )
        )

    try:
        spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        spawn(
            "worker",
            [
                str(BIN / "celery"),
                "-A",
                "omstilling",
                "worker",
                "--concurrency",
                "2",
                "-l",
                "warning",
                "--without-gossip",
                "--without-mingle",
            ],
        )
        for n, web_port in enumerate(web_ports):
            spawn(
                f"gunicorn-{n}",
                [
                    str(BIN / "gunicorn"),
                    "omstilling.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{web_port}",
                    "--workers",
                    str(args.workers),
                    "--threads",
                    str(args.threads),
                    "--worker-class",
                    "gthread",
                    "--log-level",
                    "warning",
                    "--timeout",
                    "60",
                ],
            )

        def healthy(port):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200

        for web_port in web_ports:
            wait_until(lambda port=web_port: healthy(port), 60, f"gunicorn on {web_port}")
        print(
            f"{len(web_ports)} gunicorn server(s) on 127.0.0.1:{','.join(map(str, web_ports))} "
            f"({args.workers} workers × {args.threads} threads each), "
            f"Celery worker (prefork, 2), redis-server on {redis_port}"
        )

        # The bare view on the idle server, for scale: under load it also waits for a free worker.
        idle = []
        probe = Browser(web_ports, lambda kind, elapsed, error: idle.append(elapsed))
        for _ in range(200):
            probe.request("idle", "GET", "/healthz")
        probe.close()

        samples = defaultdict(list)
        errors = defaultdict(list)
        lock = threading.Lock()

        def record(kind, elapsed, error):
            with lock:
                samples[kind].append(elapsed)
                if error:
                    errors[kind].append(error)

        receipts = {}
        finished = threading.Event()
        stop_at = time.monotonic() + args.timeout

        def applicant(email_address, pk, reference, area):
            time.sleep(random.uniform(0, args.ramp))
            browser = Browser(web_ports, record)
            try:
                browser.log_in(email_address)
                contact = f"/soknader/{pk}/steg/kontakt/"
                _, page = browser.request("step GET", "GET", contact)
                form = {
                    "csrfmiddlewaretoken": browser.csrf(page),
                    "contact_name": f"Kontakt {reference}",
                    "contact_email": f"post{int(reference[-4:])}@bench.no",
                    "contact_phone": "61 00 00 00",
                }
                browser.request("step save POST", "POST", contact, form, expect=(302,))
                project = f"/soknader/{pk}/steg/prosjekt/"
                _, page = browser.request("step GET", "GET", project)
                form = {
                    "csrfmiddlewaretoken": browser.csrf(page),
                    "category": "forstudie",
                    "focus_area": str(area),
                    "title": f"Prosjekt {reference}",
                    "summary": "Sammendrag.",
                    "description": "Bakgrunn, mål og aktiviteter. " * 20,
                    "start_date": "2027-08-01",
                    "end_date": "2028-06-30",
                    "save_and_stay": "",
                }
                browser.request("step save POST", "POST", project, form, expect=(302,))
                _, page = browser.request("summary GET", "GET", f"/soknader/{pk}/steg/oppsummering/")
                response, _ = browser.request(
                    "submit POST",
                    "POST",
                    f"/soknader/{pk}/send-inn/",
                    {"csrfmiddlewaretoken": browser.csrf(page)},
                    expect=(302,),
                )
                receipt = urlsplit(response.getheader("Location")).path
                _, page = browser.request("receipt GET", "GET", receipt)
                if reference in page:
                    with lock:
                        receipts[pk] = reference
            except Exception:  # noqa: BLE001 - recorded by Browser.request
                pass

        def officer(email_address):
            browser = Browser(web_ports, record)
            try:
                browser.log_in(email_address)
                while not finished.is_set() and time.monotonic() < stop_at:
                    _, page = browser.request(
                        "admin worklist GET", "GET", "/admin/applications/application/?state__exact=submitted"
                    )
                    match = re.search(r'href="(/admin/applications/application/\d+/change/)', page)
                    if match:
                        browser.request("admin change GET", "GET", match.group(1))
            except Exception:  # noqa: BLE001 - recorded by Browser.request
                pass

        def baseline():
            browser = Browser(web_ports, record)
            while not finished.is_set() and time.monotonic() < stop_at:
                with contextlib.suppress(Exception):  # recorded by Browser.request
                    browser.request("bare view /healthz (baseline)", "GET", "/healthz")
                time.sleep(0.02)

        threads = [threading.Thread(target=applicant, args=person, daemon=True) for person in people]
        side = [threading.Thread(target=officer, args=(o,), daemon=True) for o in officers]
        side.append(threading.Thread(target=baseline, daemon=True))
        load_started = time.perf_counter()
        for thread in side + threads:
            thread.start()
        for thread in threads:
            thread.join(max(0.0, stop_at - time.monotonic()))
        finished.set()
        for thread in side:
            thread.join(10)
        duration = time.perf_counter() - load_started

        def pct(values, p):
            values = sorted(values)
            return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000

        total = sum(len(v) for v in samples.values())
        print(
            f"\nbare view /healthz on the idle server (200 in a row): p50 {pct(idle, 50):.1f} ms, "
            f"p95 {pct(idle, 95):.1f} ms, p99 {pct(idle, 99):.1f} ms"
        )
        print(f"load phase: {duration:.1f} s, {total} requests, {total / duration:.0f} req/s overall")
        base_key = "bare view /healthz (baseline)"
        base_p95 = pct(samples[base_key], 95) if samples[base_key] else float("nan")
        order = [
            base_key,
            "login GET",
            "login POST",
            "step GET",
            "step save POST",
            "summary GET",
            "submit POST",
            "receipt GET",
            "admin worklist GET",
            "admin change GET",
        ]
        print(
            f"{'request':<32} {'count':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'errors':>6} {'p95/base':>9}"
        )
        ok = True
        for kind in order + sorted(set(samples) - set(order)):
            values = samples.get(kind)
            if not values:
                continue
            p95 = pct(values, 95)
            ratio = p95 / base_p95
            within = kind == base_key or ratio <= 10
            ok &= within and not errors[kind]
            print(
                f"{kind:<32} {len(values):>6} {len(values) / duration:>7.1f} {pct(values, 50):>8.1f} "
                f"{p95:>8.1f} {pct(values, 99):>8.1f} {len(errors[kind]):>6} {ratio:>8.1f}×"
                f"{'' if within else '  > 10× baseline'}"
            )
        for kind, found in errors.items():
            if found:
                print(f"  errors in {kind}: {sorted(set(found))[:5]}")

        # The e-mails are sent by the worker after each commit; give it time to drain the queue.
        def mailed_references():
            """Receipts per reference: messages to the applicant's organisation naming the reference."""
            found = defaultdict(int)
            for path in mail_dir.iterdir():
                for chunk in path.read_text(errors="replace").split("-" * 79):
                    if not chunk.strip():
                        continue
                    message = email.message_from_string(chunk.strip())
                    subject = str(make_header(decode_header(message["Subject"] or "")))
                    to = message["To"] or ""
                    for ref in re.findall(r"S-LOAD-(\d{4})", subject):
                        if f"post{int(ref)}@bench.no" in to:
                            found[f"S-LOAD-{ref}"] += 1
            return found

        wanted = set(receipts.values())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not wanted <= set(mailed_references()):
            time.sleep(0.5)
        mailed = mailed_references()

        from applications.models import Application, ApplicationSnapshot

        submitted = set(
            Application.objects.filter(state="submitted", snapshot__isnull=False).values_list("pk", flat=True)
        )
        half = Application.objects.filter(state="submitted", snapshot__isnull=True).count()
        snapshots_without = ApplicationSnapshot.objects.exclude(application__state="submitted").count()
        missing = set(receipts) - submitted
        unmailed = wanted - set(mailed)
        doubled = {ref for ref, count in mailed.items() if count > 1}
        # The worker records each receipt it sent; one still unrecorded would be sent again by
        # resend_receipts.
        unrecorded = Application.objects.filter(pk__in=receipts, receipt_sent_at__isnull=True).count()
        print(f"\nreceipts seen by applicants: {len(receipts)} of {len(people)}")
        print(
            f"of those submitted with a frozen copy in the database: {len(set(receipts) & submitted)}"
            f" (missing: {len(missing)}); submitted without a receipt seen: {len(submitted - set(receipts))}"
        )
        print(
            f"half-submitted rows: {half} submitted without snapshot, "
            f"{snapshots_without} snapshots of non-submitted"
        )
        print(
            f"receipt e-mails written by the worker: {sum(1 for r in wanted if mailed.get(r))} "
            f"of {len(wanted)}"
            f" (missing: {len(unmailed)}, sent more than once: {len(doubled)}); "
            f"not recorded as sent: {unrecorded}"
        )
        ok &= (
            not missing
            and not unmailed
            and not doubled
            and not unrecorded
            and not half
            and not snapshots_without
            and len(receipts) == len(people)
        )
        import redis

        session_keys = sum(1 for _ in redis.Redis.from_url(redis_url).scan_iter("*sessions*"))
        print(f"logged-in sessions cached in the shared Redis: {session_keys}")
        ok &= session_keys > 0
        print("\nresult:", "OK" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for log in logs.values():
            log.close()
        connections.close_all()
        if os.environ.get("KEEP_BENCH_FILES"):
            print(f"files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
