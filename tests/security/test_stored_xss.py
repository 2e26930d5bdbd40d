"""Script typed into any text field of an application comes back as text, never as markup: in the
portal, in the admin (the case file and the board's case page), in the letters and in the annual
report — both in the HTML WeasyPrint is given and in the PDF's text. And markup that would make the
PDF renderer fetch a file or a remote URL is only text, so nothing is fetched."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from applications.board import letters
from applications.board.decisions import case_close
from applications.board.services import meeting_close, vote_cast
from applications.models import Application, CostLine, FinancingLine, Letter, OrganisationMembership, Vote
from omstilling import pdf
from projects.models import Grant
from reports import annual
from tests.board.conftest import application_to_board, make_board, open_case
from tests.factories import (
    ApplicationFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    UserFactory,
)

from . import payloads
from .payloads import pdf_text, squeezed

pytestmark = pytest.mark.django_db


def hostile(code):
    """A script short enough for the narrowest field (a 30-character phone number)."""
    return f"<script>{code}()</script>"


APPLICATION_FIELDS = {
    "title": hostile("tittel") + payloads.PASSWD_IMAGE + payloads.REMOTE_IMAGE,
    "summary": hostile("sammendrag"),
    "description": hostile("beskrivelse"),
    "contact_name": hostile("kontakt"),
    # contact_email is not here: an e-mail address cannot hold "<" (the services refuse it).
    "contact_phone": hostile("tlf"),
    "de_minimis_details": hostile("bagatell"),
}
ORGANISATION_FIELDS = {
    "name": hostile("orgnavn"),
    "address": hostile("adresse"),
    "city": hostile("poststed"),
    "contact_name": hostile("orgkontakt"),
}
COST_LINE = hostile("kostnad")
FINANCING_SOURCE = hostile("kilde")
EVERY_PAYLOAD = [*APPLICATION_FIELDS.values(), *ORGANISATION_FIELDS.values(), COST_LINE, FINANCING_SOURCE]


def _hostile_lines(application):
    CostLine.objects.filter(application=application).update(description=COST_LINE)
    FinancingLine.objects.filter(application=application).update(source=FINANCING_SOURCE)


@pytest.fixture
def programme_board():
    return make_board("elverumregionen", "Omstillingsprogrammet for Elverumregionen", "ernu.demo")


@pytest.fixture
def organisation():
    return OrganisationFactory(**ORGANISATION_FIELDS)


@pytest.fixture
def applicant(organisation):
    user = UserFactory(email="kari@glommen-skog.no", full_name="Kari", email_verified_at=timezone.now())
    OrganisationMembershipFactory(
        organisation=organisation, user=user, role=OrganisationMembership.Role.ADMIN
    )
    return user


@pytest.fixture
def submitted(programme_board, organisation, applicant):
    application = application_to_board(
        programme_board,
        organisation=organisation,
        de_minimis_declared=True,
        de_minimis_received=Decimal(100000),
        **APPLICATION_FIELDS,
    )
    _hostile_lines(application)
    return application


@pytest.fixture
def draft(submitted):
    application = ApplicationFactory(
        programme=submitted.programme,
        call=submitted.call,
        organisation=submitted.organisation,
        focus_area=submitted.focus_area,
        **APPLICATION_FIELDS,
    )
    CostLine.objects.create(application=application, description=COST_LINE, amount=Decimal(1000))
    FinancingLine.objects.create(
        application=application, kind=FinancingLine.Kind.OWN_FUNDS, source=FINANCING_SOURCE, amount=1000
    )
    return application


@pytest.fixture
def rendered_html(monkeypatch):
    """Every HTML document handed to WeasyPrint, and every URL WeasyPrint asked for."""
    documents, fetched = [], []
    real_render, real_fetch = pdf.render_pdf, pdf.ProjectOnlyURLFetcher.fetch

    def render(html, **kwargs):
        documents.append(html)
        return real_render(html, **kwargs)

    def fetch(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(letters, "render_pdf", render)
    monkeypatch.setattr(annual, "render_pdf", render)
    monkeypatch.setattr(pdf.ProjectOnlyURLFetcher, "fetch", fetch)
    return documents, fetched


def assert_escaped(html, shown):
    """No payload is markup; each of ``shown`` is on the page as text."""
    for payload in EVERY_PAYLOAD:
        assert payload not in html, f"unescaped: {payload}"
    for payload in shown:
        assert escape(payload) in html, f"not shown as text: {payload}"


def page(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_portal_shows_the_applicants_script_as_text(applicant, draft, submitted, programme_board):
    case = open_case(programme_board, submitted)
    for seat in programme_board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    case_close(case, actor=programme_board.chair.user)

    summary = page(applicant, reverse("application_step", args=[draft.pk, "oppsummering"]))
    assert_escaped(
        summary,
        [*APPLICATION_FIELDS.values(), ORGANISATION_FIELDS["name"], COST_LINE, FINANCING_SOURCE],
    )
    for step, shown in {
        "kontakt": ["contact_name", "contact_phone"],
        "prosjekt": ["title", "summary", "description"],
        "bagatellstotte": ["de_minimis_details"],
    }.items():
        html = page(applicant, reverse("application_step", args=[draft.pk, step]))
        assert_escaped(html, [APPLICATION_FIELDS[name] for name in shown])
    assert_escaped(
        page(applicant, reverse("application_step", args=[draft.pk, "budsjett"])),
        [COST_LINE, FINANCING_SOURCE],
    )
    assert_escaped(
        page(applicant, reverse("my_applications")),
        [APPLICATION_FIELDS["title"], ORGANISATION_FIELDS["name"]],
    )
    assert_escaped(page(applicant, reverse("organisations")), [ORGANISATION_FIELDS["name"]])
    submitted.refresh_from_db()
    assert submitted.state == Application.State.APPROVED
    assert_escaped(
        page(applicant, reverse("application_detail", args=[submitted.pk])),
        [APPLICATION_FIELDS["title"], APPLICATION_FIELDS["description"], COST_LINE, FINANCING_SOURCE],
    )
    grant = Grant.objects.get(application=submitted)
    assert_escaped(page(applicant, reverse("my_grants")), [APPLICATION_FIELDS["title"]])
    assert_escaped(page(applicant, reverse("grant_detail", args=[grant.pk])), [APPLICATION_FIELDS["title"]])
    assert_escaped(
        Client().get(reverse("public_grants")).content.decode(),
        [APPLICATION_FIELDS["title"], ORGANISATION_FIELDS["name"]],
    )


def test_the_admin_shows_the_applicants_script_as_text(submitted, programme_board):
    leader, member = programme_board.leader, programme_board.members[0].user
    case = open_case(programme_board, submitted)

    change = page(leader, reverse("admin:applications_application_change", args=[submitted.pk]))
    assert_escaped(change, [*APPLICATION_FIELDS.values(), COST_LINE, FINANCING_SOURCE])
    changelist = page(leader, reverse("admin:applications_application_changelist"))
    assert_escaped(changelist, [APPLICATION_FIELDS["title"], ORGANISATION_FIELDS["name"]])
    organisation = page(
        leader, reverse("admin:applications_organisation_change", args=[submitted.organisation_id])
    )
    assert_escaped(organisation, [ORGANISATION_FIELDS["name"], ORGANISATION_FIELDS["address"]])
    case_page = page(member, reverse("admin:applications_boardcase_vote", args=[case.pk]))
    assert_escaped(case_page, [APPLICATION_FIELDS["title"]])


def test_letters_and_minutes_print_the_script_as_text_and_fetch_nothing(
    submitted, programme_board, rendered_html, django_capture_on_commit_callbacks
):
    documents, fetched = rendered_html
    case = open_case(programme_board, submitted)
    for seat in programme_board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_close(case, actor=programme_board.chair.user)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_close(case.meeting, actor=programme_board.leader)

    grant_letter = Letter.objects.get(decision=decision, kind=Letter.Kind.GRANT_LETTER)
    minutes = Letter.objects.get(meeting=case.meeting, kind=Letter.Kind.MINUTES)
    assert len(documents) == 2
    for html in documents:
        assert_escaped(html, [APPLICATION_FIELDS["title"], ORGANISATION_FIELDS["name"]])
    for letter in (grant_letter, minutes):
        with letter.file.open("rb") as fh:
            text = pdf_text(fh.read())
        assert hostile("tittel") in text and hostile("orgnavn") in text
        assert squeezed(payloads.PASSWD_IMAGE) in text  # printed, not fetched
        assert "root:" not in text
    assert not [url for url in fetched if not url.startswith((pdf.BASE_URL, "data:"))]


def test_the_annual_report_prints_a_projects_script_as_text_and_fetches_nothing(
    submitted, programme_board, rendered_html, django_capture_on_commit_callbacks
):
    documents, fetched = rendered_html
    case = open_case(programme_board, submitted)
    for seat in programme_board.seats:
        vote_cast(case, actor=seat.user, choice=Vote.Choice.FOR)
    with django_capture_on_commit_callbacks(execute=True):
        case_close(case, actor=programme_board.chair.user)
    documents.clear()

    annual.annual_report_pdf(programme_board.programme, timezone.localdate().year)
    # The grants, with their titles and recipients, are listed in the appendix, a document of its own.
    content, _filename = annual.annual_appendix_pdf(programme_board.programme, timezone.localdate().year)

    assert len(documents) == 2
    assert_escaped(documents[1], [APPLICATION_FIELDS["title"], ORGANISATION_FIELDS["name"]])
    text = pdf_text(content)
    assert hostile("tittel") in text and hostile("orgnavn") in text
    assert not [url for url in fetched if not url.startswith((pdf.BASE_URL, "data:"))]
