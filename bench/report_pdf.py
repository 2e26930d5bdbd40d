"""The annual report PDF at scale: the whole report job against WeasyPrint alone.

Creates a throw-away PostgreSQL database with one programme of GRANTS grants (default 2 000) over
six status years (2010–2015), with result reports and payouts, then, in the same run and each in a
fresh forked process:

* the whole job: ``report_job_request`` → the Celery task in-process → selectors, charts, HTML,
  WeasyPrint, checksum and the stored file (what the programme leader waits for), for the report and
  for its appendix (every grant of the period), which is a document of its own;
* the baseline: WeasyPrint rendering the same finished HTML (``omstilling.pdf.render_pdf``) alone,
  tagged as PDF/UA-1 like the job's;
* WeasyPrint alone without tags (``render_pdf(tagged=False)``): what the structure tree costs.

Prints wall time (median of --repeat runs), peak RSS of each process, pages and the ratios.

    .venv/bin/python bench/report_pdf.py [--grants 2000] [--repeat 3]

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/omstilling_bench_pdf
— dropped and recreated).
"""

import argparse
import io
import multiprocessing
import resource
import statistics
import tempfile
import time
from decimal import Decimal

from throwaway_db import recreate_database, use_throwaway_database

DB_URL = use_throwaway_database("omstilling_bench_pdf")
YEARS = range(2010, 2016)


def populate(grants):
    from django.core.management import call_command
    from django.utils import timezone

    from applications.models import Application, Decision, Organisation
    from omstilling.models import Category, Programme
    from projects.models import Grant, Payout, ResultReport

    # The real Vestre Toten texts, goals, indicators and funding, stretched over six years.
    call_command("seed_programmes", stdout=io.StringIO())
    programme = Programme.objects.get(slug="vestre-toten")
    areas = {
        period.start_year: list(period.focus_areas.order_by("number"))
        for period in programme.plan_periods.all()
    }
    orgs = Organisation.objects.bulk_create(
        [Organisation(name=f"Bedrift {n} AS") for n in range(max(1, grants // 10))]
    )
    categories = [c.value for c in Category]
    years = list(YEARS)
    applications = Application.objects.bulk_create(
        [
            Application(
                reference=f"B-{n:07d}",
                programme=programme,
                organisation=orgs[n % len(orgs)],
                category=categories[n % 3],
                focus_area=(pool := areas[2010 if years[n % 6] <= 2012 else 2013])[n % len(pool)],
                title=f"Utviklingsprosjekt nummer {n} for ny produksjonsteknologi",
                state="approved",
            )
            for n in range(grants)
        ]
    )
    now = timezone.now()
    decisions = Decision.objects.bulk_create(
        [
            Decision(
                application=a, outcome="approved", amount=Decimal(50_000 + (i % 20) * 25_000), decided_at=now
            )
            for i, a in enumerate(applications)
        ]
    )
    states = ["active", "completed", "accepted", "cancelled"]
    grant_rows = Grant.objects.bulk_create(
        [
            Grant(
                reference=f"BT-{i:07d}",
                application_id=d.application_id,
                decision=d,
                year=years[i % 6],
                amount=d.amount,
                state=states[i % 4],
            )
            for i, d in enumerate(decisions)
        ]
    )
    ResultReport.objects.bulk_create(
        [
            ResultReport(grant=g, year=g.year, new_jobs=i % 3, secured_jobs=i % 2, other_funding=g.amount * 2)
            for i, g in enumerate(grant_rows)
        ]
    )
    Payout.objects.bulk_create(
        [
            Payout(grant=g, number=1, amount=g.amount / 2, state="paid", approved_at=now, paid_at=now.date())
            for g in grant_rows
        ]
    )
    return programme


def _child(queue, work):
    started = time.perf_counter()
    pages = work()
    elapsed = time.perf_counter() - started
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, pages))


def in_fresh_process(work):
    """(seconds, peak RSS MiB, pages) of ``work`` run in a forked process."""
    from django.db import connections

    connections.close_all()  # a forked child must not share the parent's database socket
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, work))
    process.start()
    result = queue.get()
    process.join()
    if process.exitcode:
        raise SystemExit(f"measurement process failed with exit code {process.exitcode}")
    return result


def page_count(content):
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grants", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    recreate_database(DB_URL)
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="omstilling-bench-")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    programme = populate(args.grants)
    print(f"created {args.grants} grants over {len(YEARS)} years in {time.perf_counter() - started:.1f} s")
    year = max(YEARS)

    from omstilling.models import StaffMembership, User
    from omstilling.pdf import render_pdf
    from reports.annual import annual_appendix_html, annual_report_html
    from reports.models import ReportJob
    from reports.services import report_job_request

    # The programme leader orders it, as in the admin: only the programme's staff may. (Before the
    # HTML is made: the leader is in the report's staff table, so both measure the same document.)
    leader = User.objects.create(email="leder@bench.invalid", full_name="Programleder (benchmark)")
    StaffMembership.objects.create(programme=programme, user=leader, role=StaffMembership.Role.LEADER)
    documents = {
        "report": (ReportJob.Kind.ANNUAL_PLAN_PDF, annual_report_html(programme, year)),
        "appendix": (ReportJob.Kind.ANNUAL_APPENDIX_PDF, annual_appendix_html(programme, year)),
    }

    def whole_job(kind):
        def work():
            with transaction.atomic():
                job = report_job_request(programme, actor=leader, year=year, kind=kind)
            job.refresh_from_db()
            assert job.state == ReportJob.State.DONE, job.error
            with job.file.open("rb") as fh:
                return page_count(fh.read())

        return work

    def weasyprint_alone(html, tagged):
        return lambda: page_count(render_pdf(html, tagged=tagged))

    for name, (kind, html) in documents.items():
        runs = {"untagged": [], "tagged": [], "job": []}
        for _ in range(args.repeat):
            runs["untagged"].append(in_fresh_process(weasyprint_alone(html, False)))
            runs["tagged"].append(in_fresh_process(weasyprint_alone(html, True)))
            runs["job"].append(in_fresh_process(whole_job(kind)))

        def summary(runs_of):
            times = [run[0] for run in runs_of]
            return statistics.median(times), max(run[1] for run in runs_of), runs_of[0][2]

        raw_s, raw_mib, raw_pages = summary(runs["untagged"])
        wp_s, wp_mib, wp_pages = summary(runs["tagged"])
        job_s, job_mib, job_pages = summary(runs["job"])
        print(f"\n{name}: {kind.label}")
        print(f"{'':<30}{'median s':>10}{'peak RSS MiB':>14}{'pages':>7}")
        print(f"{'WeasyPrint alone, no tags':<30}{raw_s:>10.2f}{raw_mib:>14.0f}{raw_pages:>7}")
        print(f"{'WeasyPrint alone, PDF/UA-1':<30}{wp_s:>10.2f}{wp_mib:>14.0f}{wp_pages:>7}")
        print(f"{'whole job (PDF/UA-1)':<30}{job_s:>10.2f}{job_mib:>14.0f}{job_pages:>7}")
        print(f"cost of tagging: {wp_s / raw_s:.2f}x time, {wp_mib / raw_mib:.2f}x memory")
        print(f"job / WeasyPrint alone (both tagged): {job_s / wp_s:.2f}x time (target <= 1.3)")
        print(f"job peak {job_mib:.0f} MiB (target <= 512), {job_mib / wp_mib:.2f}x WeasyPrint's")


if __name__ == "__main__":
    main()
