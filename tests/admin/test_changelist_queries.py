"""Admin pages cost the same number of queries whatever the number of rows or choices."""

import re
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.admin.rows import ADMIN_APPS, ROWS

pytestmark = pytest.mark.django_db


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return response, [query["sql"] for query in context.captured_queries]


def _growth(few, many):
    """The statements (literals blanked) that ran more often on the bigger page."""

    def shape(sql):
        return re.sub(r"'[^']*'|\b\d+\b|_django_curs_\w+", "?", sql)

    grown = Counter(map(shape, many)) - Counter(map(shape, few))
    return "\n".join(f"{count}× {sql[:300]}" for sql, count in grown.most_common(5))


def test_every_registered_model_has_a_row_builder():
    registered = {model for model in admin.site._registry if model._meta.app_label in ADMIN_APPS}
    models = {model for label in ADMIN_APPS for model in apps.get_app_config(label).get_models()}
    assert registered == set(ROWS)
    # Everything not registered on its own is edited as an inline of its parent, except the applicant's
    # PDF of her application as submitted (ApplicationCopy) and her personal data export
    # (PersonalDataExport), which only the portal serves, and a case's messages and requests for more
    # information (CaseMessage, SupplementRequest), shown on the application's own admin page.
    assert {model.__name__ for model in models - registered} == {
        "CostLine",
        "FinancingLine",
        "Attachment",
        "OrganisationJoinRequest",
        "AssessmentScore",
        "PayoutAttachment",
        "ResultFunding",
        "GrantReminder",
        "ApplicationCopy",
        "PersonalDataExport",
        "CaseMessage",
        "SupplementRequest",
        # The year's plan texts are written on the report's own admin pages ("Skriv tekstene"), each
        # save a version, and results from before the portal come in through import_results.
        "AnnualPlan",
        "NarrativeSection",
        "NarrativeVersion",
        "HistoricalResult",
    }


@pytest.mark.parametrize("model", list(ROWS), ids=lambda model: model.__name__)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    row = ROWS[model]
    for _ in range(5):
        row.build()
    url = _url(model, "changelist")
    admin_client.get(url)
    response, few = _queries(admin_client, url)
    shown_few = response.context["cl"].result_count

    for _ in range(45):
        row.build()
    response, many = _queries(admin_client, url)

    assert response.context["cl"].result_count >= shown_few + 45
    assert len(many) == len(few), _growth(few, many)


@pytest.mark.parametrize("model", list(ROWS), ids=lambda model: model.__name__)
def test_form_query_count_does_not_grow_with_choices(admin_client, model):
    """The add page (or, where adding is refused, the change page) lists every related object
    the rows brought along as a choice; naming them must not cost a query each."""
    row = ROWS[model]
    obj = row.build()
    for _ in range(4):
        row.build()
    add_allowed = admin_client.get(_url(model, "add")).status_code == 200
    url = _url(model, "add") if add_allowed else _url(model, "change", obj.pk)
    admin_client.get(url)
    _, few = _queries(admin_client, url)

    for _ in range(45):
        row.build()
    _, many = _queries(admin_client, url)

    assert len(many) == len(few), _growth(few, many)


@pytest.mark.parametrize("model", list(ROWS), ids=lambda model: model.__name__)
def test_search_query_count_does_not_grow_with_rows(admin_client, model):
    """A search (``?q=``, e.g. the application list's own ``get_search_results``) costs the same
    number of queries with 5 rows in the table as with 50."""
    row = ROWS[model]
    if not admin.site._registry[model].search_fields:
        pytest.skip("no search on this list")
    first = row.build()
    for _ in range(4):
        row.build()
    url = _url(model, "changelist") + "?" + urlencode({"q": row.term(first)})
    admin_client.get(url)
    response, few = _queries(admin_client, url)
    assert response.context["cl"].result_count >= 1

    for _ in range(45):
        row.build()
    _, many = _queries(admin_client, url)

    assert len(many) == len(few), _growth(few, many)
