"""The budget step's rows: each a group named by its legend, the blank row for the "add row" button too."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


ROW = re.compile(r'<fieldset class="budget-line" id="([\w-]+)-row">\s*<legend[^>]*>([^<]*)</legend>')


def legends(html):
    return ROW.findall(html)


def test_every_budget_row_is_a_group_with_its_own_legend(applicant_client, complete_draft):
    html = applicant_client.get(reverse("application_step", args=[complete_draft.pk, "budsjett"])).text
    # One saved cost line and two blank ones; two financing lines and two blank ones; each plan's
    # blank template row (prefix __prefix__) for the "add row" button.
    assert legends(html) == [
        ("cost-0", "Kostnad 1"),
        ("cost-1", "Kostnad 2"),
        ("cost-2", "Kostnad 3"),
        ("cost-__prefix__", "Ny kostnad"),
        ("fin-0", "Finansiering 1"),
        ("fin-1", "Finansiering 2"),
        ("fin-2", "Finansiering 3"),
        ("fin-3", "Finansiering 4"),
        ("fin-__prefix__", "Ny finansiering"),
    ]


def test_the_row_legends_are_translated(applicant_client, complete_draft):
    applicant_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = applicant_client.get(reverse("application_step", args=[complete_draft.pk, "budsjett"])).text
    assert ("cost-0", "Cost 1") in legends(html)
    assert ("fin-__prefix__", "New financing") in legends(html)


def test_a_row_with_an_error_shows_it_in_the_row_and_keeps_the_input(applicant_client, draft):
    url = reverse("application_step", args=[draft.pk, "budsjett"])
    response = applicant_client.post(
        url,
        {
            "cost-TOTAL_FORMS": "1",
            "cost-INITIAL_FORMS": "0",
            "cost-0-description": "Konsulent <b>",
            "cost-0-amount": "mange",
            "fin-TOTAL_FORMS": "0",
            "fin-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    row = response.text.split('id="cost-0-row"')[1].split("</fieldset>")[0]
    assert 'value="Konsulent &lt;b&gt;"' in row
    assert 'value="mange"' in row and "is-invalid" in row
