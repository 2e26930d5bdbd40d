"""The public journal (offentlig journal): every incoming application and outgoing letter is an entry,
numbered per programme and year; the programme's staff screen a title (with its legal basis) or a private
person's name, and the public page, CSV and JSON show that something was withheld and why."""

import csv
import io
import json
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from applications.models import JournalEntry
from applications.services.journal import journal_register
from omstilling import roles
from omstilling.models import AuditEntry, StaffMembership
from tests.factories import BoardMembershipFactory, ProgrammeFactory, StaffMembershipFactory, UserFactory

SECRET_TITLE = "Hemmelig oppskrift på brunost"
BASIS = JournalEntry.Basis.BUSINESS_SECRETS


def submit(applicant_client, application, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(
            reverse("application_submit", args=[application.pk]), {"confirmed": "on"}
        )
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def submitted(applicant_client, complete_draft, django_capture_on_commit_callbacks):
    submit(applicant_client, complete_draft, django_capture_on_commit_callbacks)
    return complete_draft


@pytest.fixture
def leader_client(client, programme):
    roles.role_groups_sync()
    leader = UserFactory(email="leder@ernu.no", is_staff=True)
    leader.groups.add(Group.objects.get(name=roles.PROGRAMME_LEADER))
    StaffMembershipFactory(programme=programme, user=leader, role=StaffMembership.Role.LEADER)
    client.force_login(leader)
    return client


def test_a_submitted_application_is_journalled_as_incoming_and_shown_to_the_public(
    submitted, client, programme
):
    entry = JournalEntry.objects.get(application=submitted)
    year = timezone.localdate().year
    assert (entry.number, entry.direction, entry.kind) == (f"{year}/1", "I", "application")
    assert entry.title == "Søknad om tilskudd: Vinteropplevelser i Elverum"
    assert entry.party == "Elverum Reiseliv AS" and entry.case_reference == submitted.reference

    page = client.get(reverse("journal", args=[programme.slug])).content.decode()
    assert f"{year}/1" in page and "Søknad om tilskudd: Vinteropplevelser i Elverum" in page
    assert "Elverum Reiseliv AS" in page and submitted.reference in page
    assert reverse("journal", args=[programme.slug]) in client.get(reverse("journal_index")).content.decode()


def test_the_journal_title_is_norwegian_whatever_language_the_applicant_uses(
    applicant_client, complete_draft, django_capture_on_commit_callbacks
):
    applicant_client.cookies["django_language"] = "en"
    submit(applicant_client, complete_draft, django_capture_on_commit_callbacks)
    assert JournalEntry.objects.get(application=complete_draft).title.startswith("Søknad om tilskudd: ")


def test_a_screened_title_is_withheld_everywhere_with_its_basis(submitted, leader_client, client, programme):
    entry = JournalEntry.objects.get(application=submitted)
    JournalEntry.objects.filter(pk=entry.pk).update(title=SECRET_TITLE)
    change = reverse("admin:applications_journalentry_change", args=[entry.pk])
    response = leader_client.post(
        change, {"title_screened": "on", "screening_basis": BASIS, "party_is_private_person": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    entry.refresh_from_db()
    assert entry.title_screened and entry.screening_basis == BASIS and entry.party_is_private_person
    assert AuditEntry.objects.filter(action="journal_screen", object_id=str(entry.pk)).exists()

    url = reverse("journal", args=[programme.slug])
    page = client.get(url).content.decode()
    assert SECRET_TITLE not in page and "Elverum Reiseliv AS" not in page
    assert "[Skjermet: Offentleglova § 13, jf. forvaltningsloven § 13 første ledd nr. 2" in page
    assert "[Privatperson – navn skjermet]" in page
    # Searching for the withheld words finds nothing; the case reference still finds the entry.
    assert "Ingen journalposter passer" in client.get(url, {"q": "brunost"}).content.decode()
    assert entry.number in client.get(url, {"q": submitted.reference}).content.decode()

    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("journal_csv", args=[programme.slug])).content.decode())
        )
    )
    assert rows[0]["tittel"].startswith("[Skjermet:") and rows[0]["skjermet"] == "True"
    assert rows[0]["skjermingshjemmel"].startswith("Offentleglova § 13")
    document = json.loads(client.get(reverse("journal_json", args=[programme.slug])).content)
    assert SECRET_TITLE not in json.dumps(document, ensure_ascii=False)
    assert document["entries"][0]["avsender_mottaker"] == "[Privatperson – navn skjermet]"


def test_screening_a_title_without_a_basis_is_refused_at_the_field(submitted, leader_client):
    entry = JournalEntry.objects.get(application=submitted)
    change = reverse("admin:applications_journalentry_change", args=[entry.pk])
    response = leader_client.post(change, {"title_screened": "on", "screening_basis": ""})
    assert response.status_code == 200
    assert "Oppgi hjemmelen for å skjerme tittelen." in response.content.decode()
    entry.refresh_from_db()
    assert not entry.title_screened


def test_a_board_member_and_another_programme_s_leader_cannot_screen(submitted, client, programme):
    entry = JournalEntry.objects.get(application=submitted)
    change = reverse("admin:applications_journalentry_change", args=[entry.pk])
    roles.role_groups_sync()
    member = UserFactory(is_staff=True)
    member.groups.add(Group.objects.get(name=roles.BOARD_MEMBER))
    BoardMembershipFactory(programme=programme, user=member)
    other = UserFactory(is_staff=True)
    other.groups.add(Group.objects.get(name=roles.PROGRAMME_LEADER))
    StaffMembershipFactory(programme=ProgrammeFactory(), user=other, role=StaffMembership.Role.LEADER)
    for user in (member, other):
        client.force_login(user)
        response = client.post(change, {"title_screened": "on", "screening_basis": BASIS})
        # Refused (403), or the entry is not in their admin at all (the admin sends them to its index).
        assert response.status_code == 403 or response["Location"] == reverse("admin:index"), response
    entry.refresh_from_db()
    assert not entry.title_screened


def test_numbers_run_per_programme_and_start_again_each_year(programme):
    other = ProgrammeFactory()

    def register(prog, moment):
        return journal_register(
            prog,
            direction="I",
            kind="application",
            title="t",
            party="p",
            case_reference="S",
            registered_at=moment,
        )

    jan = timezone.make_aware(timezone.datetime(2026, 1, 5, 12))
    dec = timezone.make_aware(timezone.datetime(2025, 12, 30, 12))
    assert register(programme, dec).number == "2025/1"
    assert register(programme, jan).number == "2026/1"
    assert register(programme, jan).number == "2026/2"
    assert register(other, jan).number == "2026/1"


@pytest.mark.django_db(transaction=True)
def test_two_documents_registered_at_once_get_two_numbers():
    programme = ProgrammeFactory()
    barrier = threading.Barrier(2)
    numbers, errors = [], []

    def register():
        try:
            from django.db import transaction

            with transaction.atomic():
                barrier.wait(timeout=10)
                entry = journal_register(
                    programme, direction="I", kind="application", title="t", party="p", case_reference="S"
                )
                numbers.append(entry.number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    year = timezone.localdate().year
    assert sorted(numbers) == [f"{year}/1", f"{year}/2"]
