"""The annual plan as the document a programme sends its owner: the programme leader's prose, the
results, the years it covers, and whether the board has adopted it (issue #13, points 1–4)."""

import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from applications.board.decisions import case_close
from applications.board.services import (
    attendance_register,
    case_add_plan,
    case_open,
    meeting_create,
    vote_cast,
)
from applications.models import BoardCase, Vote
from omstilling import roles
from omstilling.models import AnnualPlan, AuditEntry, NarrativeSection, NarrativeVersion, Programme
from omstilling.policies import Refused
from projects.models import HistoricalResult
from reports.annual import annual_report_html
from reports.formatting import format_date
from reports.markdown import render_markdown
from reports.models import ReportJob
from reports.services import narrative_section_save, report_job_request
from tests.board.conftest import make_board
from tests.factories import StaffMembershipFactory, UserFactory
from tests.projects.vestre_toten import SHIPPED_CSV

pytestmark = pytest.mark.django_db

RESULTS_CSV = Path(__file__).resolve().parents[2] / "data" / "vestre_toten_results_2011_2012.csv"

# The headings of seed 004 ("Omstillingsplan 2013–2015", status pr. desember 2012), in its order.
SEED_HEADINGS_2012 = [
    "Bakgrunn",
    "Del I Status pr. desember 2012",
    "Innledning",
    "Befolkning og sysselsetting",
    "Befolkningsutvikling og sysselsetting",
    "Prognostisert befolkningsutvikling fram til og med 2040",
    "Arbeidsplassutvikling",
    "Pendlerutvikling",
    "Nærings- NM",
    "Arbeid og resultater i perioden 2010–2012",
    "Konkrete resultater i 2011 og 2012",
    "Innsatsområde 1. Nyskaping i næringslivet",
    "Innsatsområde 2. Velferdsinnovasjon",
    "Innsatsområde 3. Sentrum",
    "Innsatsområde 4. Fritid",
    "Anbefalinger fra programstatusvurderingen",
    "Del II Mål og innsatsområder 2013–2015",
    "Visjon",
    "Hovedmål",
    "Delmål",
    "Mål for befolkningsutvikling",
    "Mål for arbeidsplasser",
    "Mål for kompetanse og samhandling",
    "Innsatsområder",
    "Valg av innsatsområder",
    "Innsatsområde 1: Nyskaping i næringslivet, inkl. velferdsinnovasjon",
    "Innsatsområde 2: Attraktivitet for næringslivet",
    "Kommunikasjon",
    "Del III Organisering, finansiering og ressursinnsats",
    "Organisering",
    "Finansiering",
    "Forbruk av midler",
]

# "Konkrete resultater i 2011 og 2012": each figure as the seed gives it.
SEED_RESULTS = [
    ("Nye/sikrede arbeidsplasser", "over 50"),
    ("Arbeidsplasser med indirekte virkninger", "ca. 100"),
    ("Frigjorte årsverk (effektivisering)", "8–10"),
    ("Nye bedrifter", "2"),
    ("Utløst fra andre kilder (giringseffekt)", "over 30 mill. kr"),
    ("Nye nettverk", "2"),
]

# Prose of the seed that the data tables cannot carry, one phrase per passage the issue names.
SEED_PHRASES_2012 = [
    "Med en egenandel på 20 % fra kommunen",
    "Det er søkt om forlenget status som omstillingsområde fram til 2016.",
    "Det er styrets oppfatning at omstillingsprogrammet har fått en god start",
    "Den alt overveiende del (ca. 75 %) av prosjektstøtten",
    "ønsker å redusere til to innsatsområder",
    "Programstatusvurdering ble gjennomført den 25.10.12.",
    "har en søkt å bygge disse anbefalingene inn i planen.",
    "Basert på at 70% av prosjektmidlene nyttes innenfor nyskaping i næringslivet",
    "gjennomføring av prosjektet SMB-",  # … utvikling (the line may break at the hyphen)
    "med i størrelsesorden kr. 700 000",
    "Innvandring skaper vekst",
    "SSBs tall og framskrivninger",
    "spesielt til Gjøvik",
    "er Vestre Toten nummer 87 av landets kommuner",
]


def flat(text):
    return " ".join(text.split())


def pdf_pages(path):
    return [flat(page.extract_text()) for page in PdfReader(path).pages]


def build(tmp_path, slug, year):
    output = tmp_path / f"{slug}-{year}.pdf"
    call_command("build_report", programme=slug, year=year, output=str(output), stdout=io.StringIO())
    return pdf_pages(output)


@pytest.fixture
def seeded():
    call_command("seed_programmes", stdout=io.StringIO())
    call_command("import_grants", str(SHIPPED_CSV), programme="vestre-toten", stdout=io.StringIO())
    call_command("import_results", str(RESULTS_CSV), programme="vestre-toten", stdout=io.StringIO())
    return Programme.objects.get(slug="vestre-toten")


def leader_of(programme, email):
    user = UserFactory(email=email, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.PROGRAMME_LEADER))
    StaffMembershipFactory(programme=programme, user=user)
    return user


# --- The Vestre Toten 2012 PDF against seed 004 ------------------------------------------------------


def test_vestre_toten_2012_pdf_has_the_seeds_sections_in_order_with_its_text_and_results(seeded, tmp_path):
    pages = build(tmp_path, "vestre-toten", 2012)
    # The body starts where the background's text does (the contents page lists the headings too).
    first = next(
        index for index, page in enumerate(pages) if "Vestre Toten er en typisk industrikommune" in page
    )
    body = " ".join(pages[first:])

    position, missing = 0, []
    for heading in SEED_HEADINGS_2012:
        found = body.find(heading, position)
        if found < 0:
            missing.append(heading)
        else:
            position = found + len(heading)
    assert not missing, f"headings missing or out of the seed's order: {missing}"

    results = body[body.index("Konkrete resultater i 2011 og 2012") :]
    for label, figure in SEED_RESULTS:
        assert f"{label} 2011–2012 {figure}" in results
    assert "Ingen resultatrapporter er levert" not in body
    for phrase in SEED_PHRASES_2012:
        assert phrase in body, phrase
    # Every page says the plan is a draft until the board adopts it.
    assert all("UTKAST" in page for page in pages)


def test_the_seed_numbers_the_2010_2012_focus_areas_as_the_plan_and_prints_andre_only_with_grants(seeded):
    html = annual_report_html(seeded, 2012)

    tables = html[html.index('<table class="data matrix">') :].split('<table class="data matrix">')[1:3]
    table_2011, table_2012 = (table[: table.index("</table>")] for table in tables)
    assert "Andre" in table_2011 and "Andre" not in table_2012
    order = [table_2012.index(name) for name in ("Nyskaping", "Velferdsinnovasjon", "Sentrum", "Fritid")]
    assert order == sorted(order)


def test_seeding_again_adds_no_version_and_an_edit_adds_one(seeded):
    versions = NarrativeVersion.objects.count()

    call_command("seed_programmes", stdout=io.StringIO())

    assert NarrativeVersion.objects.count() == versions
    plan = AnnualPlan.objects.get(programme=seeded, year=2012)
    assert set(plan.sections.values_list("place", flat=True)) == set(NarrativeSection.Place.values)


def test_elverum_2018_shows_the_call_the_deadline_and_the_further_jobs(seeded, tmp_path):
    text = " ".join(build(tmp_path, "elverumregionen", 2018))

    assert "kr 1 900 000 til prosjekter i 2018 med søknadsfrist 15. mai" in text
    assert "ytterligere 50 arbeidsplasser i perioden 2019 – 2023" in text
    assert "Reiseliv og opplevelsesnæringer" in text
    assert "0 prosjekter" not in text
    # The main goal is printed once, not again as a goal of its own.
    assert text.count("brutto 150 nye arbeidsplasser i Elverumregionen") == 1


def test_a_year_outside_the_status_period_is_refused_by_the_command_and_nothing_is_written(seeded, tmp_path):
    output = tmp_path / "vestre-toten-1999.pdf"

    with pytest.raises(CommandError, match="omstillingsstatus 2010–2016"):
        call_command("build_report", programme="vestre-toten", year=1999, output=str(output))

    assert not output.exists()


def test_the_command_exits_non_zero_for_a_year_outside_the_status_period(seeded, tmp_path):
    from django.core.management import ManagementUtility

    output = tmp_path / "out.pdf"
    utility = ManagementUtility(
        [
            "manage.py",
            "build_report",
            "--programme",
            "vestre-toten",
            "--year",
            "1999",
            "--output",
            str(output),
        ]
    )
    with pytest.raises(SystemExit) as exit_info:
        utility.execute()

    assert exit_info.value.code != 0
    assert not output.exists()


def test_the_report_service_refuses_a_year_outside_the_status_period(seeded):
    leader = leader_of(seeded, "leder@vestre-toten.no")

    with pytest.raises(Exception, match="omstillingsstatus 2010–2016"):
        report_job_request(seeded, actor=leader, year=2020, kind=ReportJob.Kind.ANNUAL_PLAN_PDF)

    assert not ReportJob.objects.exists()


def test_a_single_year_period_is_written_once(seeded):
    html = annual_report_html(seeded, 2010)

    assert "2010–2010" not in html
    assert "Arbeid og resultater i 2010" in html


# --- The programme leader's texts ----------------------------------------------------------------------


class _Elements(HTMLParser):
    """Every element and attribute of a piece of HTML, as a browser would parse it."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attributes = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]


def test_markdown_is_sanitised_script_onclick_and_javascript_links_are_stripped():
    html = str(
        render_markdown(
            'Tekst <script>alert(1)</script> og <a href="#" onclick="steal()">lenke</a>.\n\n'
            "[klikk](javascript:alert(1)) [trygg](https://vestre-toten.no) "
            "<img src=x onerror=alert(1)>\n\n# Stor overskrift\n\n### Underoverskrift\n\n- punkt"
        )
    )

    elements = _Elements(html)
    assert set(elements.tags) <= {"p", "a", "h3", "ul", "li"}
    assert "script" not in elements.tags and "img" not in elements.tags and "h1" not in elements.tags
    assert not [name for _tag, name, _value in elements.attributes if name.startswith("on")]
    assert [value for _tag, name, value in elements.attributes if name == "href"] == [
        "https://vestre-toten.no"
    ]
    # What was markup in the text is shown as text, never run.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<h3>Underoverskrift</h3>" in html and "<li>punkt</li>" in html


def test_leader_edits_a_text_in_the_admin_every_save_is_a_version_and_the_preview_shows_it(client, seeded):
    leader = leader_of(seeded, "leder@vestre-toten.no")
    client.force_login(leader)
    url = reverse("admin:reports_reportjob_narrative", args=[seeded.pk, 2012])
    form = client.get(url).context["form"]
    data = {place: form.fields[place].initial for place in NarrativeSection.Place.values}
    data["intro"] = "Ny innledning med **fet** skrift og <script>alert(1)</script>."

    response = client.post(url, data)

    assert response.status_code == 302
    section = NarrativeSection.objects.get(plan__programme=seeded, plan__year=2012, place="intro")
    assert [version.number for version in section.versions.all()] == [2, 1]
    assert section.versions.get(number=2).saved_by == leader
    assert AuditEntry.objects.filter(action="narrative:saved", actor=leader).count() == 1
    preview = client.get(reverse("admin:reports_reportjob_preview", args=[seeded.pk, 2012])).content.decode()
    assert "Ny innledning med <strong>fet</strong> skrift" in preview
    assert "<script>alert(1)</script>" not in preview


def test_a_board_member_cannot_write_the_texts(seeded):
    board = make_board("annet", "Omstillingsprogrammet Annet", "annet.demo")

    with pytest.raises(Refused):
        narrative_section_save(board.programme, actor=board.chair.user, year=2012, place="intro", body="x")


def test_the_admin_order_form_says_why_a_year_is_refused(client, seeded):
    client.force_login(leader_of(seeded, "leder@vestre-toten.no"))

    response = client.post(
        reverse("admin:reports_reportjob_request"), {"programme": seeded.pk, "year": 2030, "format": "pdf"}
    )

    assert "Vestre Toten har omstillingsstatus 2010–2016" in str(response.context["form"].errors["year"])
    assert "Vestre Toten har omstillingsstatus 2010–2016" in response.content.decode()
    assert not ReportJob.objects.exists()


# --- Results --------------------------------------------------------------------------------------------


def test_import_results_is_one_transaction_with_line_numbered_errors(seeded, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "start_year,end_year,metric,bound,value,value_high\n"
        "2011,2012,new_firms,exact,3,\n"
        "2011,2012,jobs,floor,50,\n"
        "2011,2012,networks,range,5,\n",
        encoding="utf-8",
    )
    before = list(HistoricalResult.objects.values_list("metric", "value"))

    with pytest.raises(CommandError) as refused:
        call_command("import_results", str(bad), programme="vestre-toten")

    assert "Linje 3: ukjent resultat «jobs»" in str(refused.value)
    assert "Linje 4:" in str(refused.value)
    assert list(HistoricalResult.objects.values_list("metric", "value")) == before


def test_importing_the_results_again_adds_nothing(seeded):
    out = io.StringIO()
    call_command("import_results", str(RESULTS_CSV), programme="vestre-toten", stdout=out)

    assert "Importerte 0 resultater, 0 endret, 6 fantes fra før" in out.getvalue()
    assert HistoricalResult.objects.filter(programme=seeded).count() == 6


# --- Adopted by the board ------------------------------------------------------------------------------


def adopt(board, plan, choices):
    meeting = meeting_create(board.programme, actor=board.leader, starts_at=timezone.now(), place="Rådhuset")
    for member in board.seats:
        attendance_register(meeting, actor=board.leader, member=member)
    case = case_open(case_add_plan(meeting, actor=board.leader, plan=plan), actor=board.leader)
    for seat, choice in zip(board.seats, choices, strict=False):
        vote_cast(case, actor=seat.user, choice=choice)
    case_close(case, actor=board.chair.user)
    return BoardCase.objects.get(pk=case.pk)


def test_the_plan_is_a_draft_until_the_board_adopts_it_and_the_job_keeps_both(
    django_capture_on_commit_callbacks, tmp_path
):
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    plan = AnnualPlan.objects.create(programme=board.programme, year=2012)
    narrative_section_save(
        board.programme, actor=board.leader, year=2012, place="intro", body="Året i korte trekk."
    )

    with django_capture_on_commit_callbacks(execute=True):
        draft_job = report_job_request(
            board.programme, actor=board.leader, year=2012, kind=ReportJob.Kind.ANNUAL_PLAN_PDF
        )
    draft_job.refresh_from_db()
    assert draft_job.state == ReportJob.State.DONE
    assert (draft_job.plan_adopted, draft_job.plan_adopted_on) == (False, None)
    assert draft_job.narrative_versions == {"intro": 1}
    assert all("UTKAST" in page for page in pdf_pages(draft_job.file.path))

    case = adopt(board, plan, [Vote.Choice.FOR] * len(board.seats))

    plan.refresh_from_db()
    assert plan.adopted_on == timezone.localdate(case.closed_at)
    with django_capture_on_commit_callbacks(execute=True):
        job = report_job_request(
            board.programme, actor=board.leader, year=2012, kind=ReportJob.Kind.ANNUAL_PLAN_PDF
        )
    job.refresh_from_db()
    assert (job.plan_adopted, job.plan_adopted_on) == (True, plan.adopted_on)
    stamp = f"Vedtatt av styret {format_date(plan.adopted_on)}"
    pages = pdf_pages(job.file.path)
    assert all(stamp in page and "UTKAST" not in page for page in pages)
    assert AuditEntry.objects.filter(action="plan:adopted").exists()


def test_a_plan_voted_down_stays_a_draft_and_the_minutes_say_so(tmp_path):
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    plan = AnnualPlan.objects.create(programme=board.programme, year=2012)

    case = adopt(board, plan, [Vote.Choice.AGAINST] * len(board.seats))

    plan.refresh_from_db()
    assert case.state == BoardCase.State.CLOSED and plan.adopted_on is None
    assert "UTKAST" in annual_report_html(board.programme, 2012).upper()


def test_a_case_is_about_exactly_one_subject():
    from django.db import IntegrityError, transaction

    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    meeting = meeting_create(board.programme, actor=board.leader, starts_at=timezone.now(), place="Rådhuset")

    with pytest.raises(IntegrityError), transaction.atomic():
        BoardCase.objects.create(meeting=meeting, number=1)
