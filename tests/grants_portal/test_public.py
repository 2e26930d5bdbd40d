"""The public list of granted projects, filterable, sortable and paginated, and the same list as open data."""

import csv
import io
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, Decision
from projects.models import Grant
from tests.factories import ApplicationFactory, FocusAreaFactory, OrganisationFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

FIELDS = ["year", "programme", "focus_area", "organisation", "project", "amount"]


def granted(programme, focus_area, organisation, title, year, amount, state=Grant.State.ACCEPTED):
    application = ApplicationFactory(
        programme=programme,
        focus_area=focus_area,
        organisation=OrganisationFactory(name=organisation),
        title=title,
        state=Application.State.APPROVED,
        summary="Ikke offentlig sammendrag",
        contact_email="hemmelig@kontakt.no",
    )
    decision = Decision.objects.create(
        application=application, outcome=Decision.Outcome.APPROVED, amount=amount, decided_at=timezone.now()
    )
    return Grant.objects.create(
        application=application,
        decision=decision,
        reference=f"T{year}-{application.pk:05d}",
        year=year,
        amount=amount,
        state=state,
        conditions="Hemmelige vilkår",
    )


@pytest.fixture
def grants(db):
    toten = ProgrammeFactory(
        slug="vestre-toten", name="Omstillingsprogrammet i Vestre Toten", short_name="Vestre Toten"
    )
    elverum = ProgrammeFactory(
        slug="elverum", name="Omstillingsprogrammet for Elverumregionen", short_name="ERNU"
    )
    welfare = FocusAreaFactory(plan_period__programme=toten, name="Velferdsinnovasjon")
    tourism = FocusAreaFactory(plan_period__programme=elverum, name="Reiseliv og opplevelsesnæringer")
    return {
        "raufoss": granted(toten, welfare, "Raufoss Velferd AS", "Velferdsteknologi", 2012, Decimal(1900000)),
        "bøverbru": granted(toten, welfare, "Bøverbru Bygg AS", "Nye boliger", 2011, Decimal(250000)),
        "elvesafari": granted(elverum, tourism, "Elvesafari AS", "Kano på Glomma", 2018, Decimal(400000)),
        "cancelled": granted(
            elverum, tourism, "Avlyst AS", "Annullert prosjekt", 2018, Decimal(99000), Grant.State.CANCELLED
        ),
        "lapsed": granted(
            elverum, tourism, "Bortfalt AS", "Aldri akseptert", 2018, Decimal(77000), Grant.State.LAPSED
        ),
    }


def rows(response):
    return [
        (grant.application.organisation.name, grant.year) for grant in response.context["page"].object_list
    ]


def test_the_page_lists_every_granted_project_in_norwegian_formats(client, grants):
    response = client.get(reverse("public_grants"))
    page = response.content.decode()

    assert response.status_code == 200
    assert rows(response) == [
        ("Elvesafari AS", 2018),
        ("Raufoss Velferd AS", 2012),
        ("Bøverbru Bygg AS", 2011),
    ]
    assert (
        "1\xa0900\xa0000 kr" in page
        and "Kano på Glomma" in page
        and "Reiseliv og opplevelsesnæringer" in page
    )
    assert "Avlyst AS" not in page  # a cancelled grant is no support
    assert "Bortfalt AS" not in page  # nor is an offer that lapsed without being accepted
    # Nothing else about the applications is public.
    for secret in (
        "Hemmelige vilkår",
        "Ikke offentlig sammendrag",
        "hemmelig@kontakt.no",
        grants["raufoss"].reference,
    ):
        assert secret not in page


def test_filter_by_programme_and_year(client, grants):
    by_programme = client.get(reverse("public_grants"), {"programme": "vestre-toten"})
    assert rows(by_programme) == [("Raufoss Velferd AS", 2012), ("Bøverbru Bygg AS", 2011)]

    by_both = client.get(reverse("public_grants"), {"programme": "vestre-toten", "year": "2011"})
    assert rows(by_both) == [("Bøverbru Bygg AS", 2011)]
    page = by_both.content.decode()
    assert '<option value="vestre-toten" selected>' in page
    assert 'href="/tildelte-prosjekter/tilsagn.csv?programme=vestre-toten&amp;year=2011"' in page


def test_unknown_filters_and_sorts_are_ignored(client, grants):
    response = client.get(reverse("public_grants"), {"programme": "finnes-ikke", "year": "x", "sort": "evil"})

    assert response.status_code == 200 and len(rows(response)) == 3


def test_sort_by_column_both_ways_with_aria_sort(client, grants):
    ascending = client.get(reverse("public_grants"), {"sort": "amount"})
    assert [grant.amount for grant in ascending.context["page"].object_list] == [250000, 400000, 1900000]
    assert 'aria-sort="ascending"' in ascending.content.decode()

    descending = client.get(reverse("public_grants"), {"sort": "-amount"})
    assert [grant.amount for grant in descending.context["page"].object_list] == [1900000, 400000, 250000]
    page = descending.content.decode()
    assert 'aria-sort="descending"' in page
    assert 'href="?sort=amount"' in page  # the header link turns the order round

    by_name = client.get(reverse("public_grants"), {"sort": "organisation"})
    assert [name for name, _year in rows(by_name)] == [
        "Bøverbru Bygg AS",
        "Elvesafari AS",
        "Raufoss Velferd AS",
    ]


def test_the_list_is_paginated_and_keeps_filter_and_sort(client, grants, monkeypatch):
    monkeypatch.setattr("projects.views.PUBLIC_PAGE_SIZE", 2)
    query = {"programme": "elverum", "sort": "year"}

    first = client.get(reverse("public_grants"))
    second = client.get(reverse("public_grants"), {"page": "2"})

    assert rows(first) == [("Elvesafari AS", 2018), ("Raufoss Velferd AS", 2012)]
    assert rows(second) == [("Bøverbru Bygg AS", 2011)]
    page = first.content.decode()
    assert "Viser 1–2 av 3 tilsagn." in page and 'href="?page=2"' in page
    filtered = client.get(
        reverse("public_grants"), {"programme": "vestre-toten", "sort": "year"}
    ).content.decode()
    assert 'href="?programme=vestre-toten&amp;sort=year&amp;page=2"' not in filtered  # one page only
    many = client.get(reverse("public_grants"), {**query, "page": "1"})
    assert rows(many) == [("Elvesafari AS", 2018)]
    sorted_page = client.get(reverse("public_grants"), {"sort": "year"}).content.decode()
    assert 'href="?sort=year&amp;page=2"' in sorted_page


def test_csv_holds_the_same_list_in_machine_formats(client, grants):
    response = client.get(reverse("public_grants_csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tilsagn.csv"'
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    assert list(table[0]) == FIELDS
    assert table[1] == {
        "year": "2012",
        "programme": "Omstillingsprogrammet i Vestre Toten",
        "focus_area": "Velferdsinnovasjon",
        "organisation": "Raufoss Velferd AS",
        "project": "Velferdsteknologi",
        "amount": "1900000",
    }
    assert [row["organisation"] for row in table] == [
        "Elvesafari AS",
        "Raufoss Velferd AS",
        "Bøverbru Bygg AS",
    ]


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_published_as_text(client, grants):
    toten = grants["raufoss"].application.programme
    area = grants["raufoss"].application.focus_area
    granted(toten, area, "@SUM(A1) AS", '=HYPERLINK("http://evil.example","klikk")', 2019, Decimal(5000))

    response = client.get(reverse("public_grants_csv"))
    row = next(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))

    assert row["project"] == '\'=HYPERLINK("http://evil.example","klikk")'
    assert row["organisation"] == "'@SUM(A1) AS"
    assert row["amount"] == "5000"
    # The JSON is for programs, not spreadsheets: it keeps the text exactly as typed.
    document = json.loads(client.get(reverse("public_grants_json")).content)
    assert document["grants"][0]["project"] == '=HYPERLINK("http://evil.example","klikk")'


def test_json_holds_the_same_list_filtered_like_the_page(client, grants):
    response = client.get(reverse("public_grants_json"), {"programme": "elverum"})

    document = json.loads(response.content)
    assert document["count"] == 1
    assert document["grants"] == [
        {
            "year": 2018,
            "programme": "Omstillingsprogrammet for Elverumregionen",
            "focus_area": "Reiseliv og opplevelsesnæringer",
            "organisation": "Elvesafari AS",
            "project": "Kano på Glomma",
            "amount": 400000,
        }
    ]
    assert document["generated_at"].startswith(str(timezone.now().year))


def test_names_are_escaped_on_the_page(client, grants):
    programme = grants["raufoss"].application.programme
    granted(
        programme,
        grants["raufoss"].application.focus_area,
        "<b>Fet</b> AS",
        "<script>x()</script>",
        2013,
        1000,
    )

    page = client.get(reverse("public_grants")).content.decode()

    assert "<script>x()</script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page
    assert "&lt;b&gt;Fet&lt;/b&gt; AS" in page


def test_the_page_is_linked_from_every_page_and_needs_no_login(client, grants):
    front = client.get(reverse("front_page")).content.decode()

    assert f'href="{reverse("public_grants")}"' in front
    assert client.get(reverse("public_grants_csv")).status_code == 200


def _without_the_address(page):
    """The page less the list's address, which keeps its old name (/tildelte-prosjekter/) for links."""
    return page.replace(reverse("public_grants"), "")


def test_the_list_is_called_bevilgede_prosjekter_like_the_plans_grant_tables(client, grants):
    page = client.get(reverse("public_grants")).content.decode()
    front = client.get(reverse("front_page")).content.decode()

    assert "<title>Bevilgede prosjekter – " in page
    assert "<h1>Bevilgede prosjekter</h1>" in page
    assert "Se alle bevilgede prosjekter og last dem ned som åpne data (CSV, JSON)" in front


def test_the_menu_names_the_list_like_its_heading(client, grants):
    page = client.get(reverse("public_grants")).content.decode()

    menu_item = re.search(rf'<a href="{reverse("public_grants")}"[^>]*>([^<]*)</a>', page)
    assert menu_item and menu_item.group(1) == "Bevilgede prosjekter"
    assert "ildelt" not in _without_the_address(page).lower()


def test_only_get_is_allowed(client, grants):
    assert client.post(reverse("public_grants")).status_code == 405
    assert client.post(reverse("public_grants_json")).status_code == 405
