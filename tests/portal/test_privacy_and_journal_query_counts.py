"""The public journal, the statements and "Personvern: dine opplysninger" cost the same number of queries
with 5 rows as with 50 (no N+1)."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from applications.models import CaseMessage, JournalEntry
from projects.models import PersonalDataExport
from tests.factories import ProgrammeFactory

from .conftest import make_draft

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(context.captured_queries)


def add_entries(programme, n):
    for i in range(n):
        JournalEntry.objects.create(
            programme=programme,
            year=2026,
            sequence=next(_numbers),
            registered_at=timezone.now(),
            direction="I",
            kind="application",
            title=f"Søknad om tilskudd: Prosjekt {i}",
            party="Firma AS",
            case_reference=f"S-{i}",
            title_screened=i % 2 == 0,
            screening_basis="offl13_fvl13_1_2" if i % 2 == 0 else "",
        )


@pytest.mark.parametrize("name", ["journal", "journal_csv", "journal_json"])
def test_the_public_journal(client, programme, name):
    url = reverse(name, args=[programme.slug])
    add_entries(programme, 5)
    few = queries(client, url)
    add_entries(programme, 45)
    assert queries(client, url) == few


@pytest.mark.parametrize("name", ["journal_index", "privacy", "accessibility"])
def test_the_pages_that_list_every_programme(client, programme, name):
    for _ in range(4):
        ProgrammeFactory(contact_email="post@program.no")
    few = queries(client, reverse(name))
    for _ in range(45):
        ProgrammeFactory(contact_email="post@program.no")
    assert queries(client, reverse(name)) == few


def test_my_data(applicant_client, applicant):
    def add(n):
        for _ in range(n):
            PersonalDataExport.objects.create(user=applicant, state=PersonalDataExport.State.DONE)

    add(5)
    few = queries(applicant_client, reverse("my_data"))
    add(45)
    assert queries(applicant_client, reverse("my_data")) == few


def test_a_case_with_many_messages(applicant_client, applicant, call, organisation):
    application = make_draft(call, organisation, applicant, state="submitted", submitted_at=timezone.now())

    def add(n):
        for i in range(n):
            CaseMessage.objects.create(
                application=application, author=applicant, from_staff=False, body=f"M {i}"
            )

    add(5)
    few = queries(applicant_client, reverse("application_detail", args=[application.pk]))
    add(45)
    assert queries(applicant_client, reverse("application_detail", args=[application.pk])) == few
