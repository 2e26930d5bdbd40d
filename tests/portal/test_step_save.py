"""An applicant's step save: what it checks, what it refuses, and how little it asks of the database."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications.services import application_save_step
from omstilling.exceptions import ServiceError
from omstilling.policies import Refused
from tests.factories import UserFactory

from .conftest import reload

pytestmark = pytest.mark.django_db


def project_post(draft, **changes):
    return {
        "category": "forstudie",
        "focus_area": str(draft.focus_area_id),
        "title": "Vinteropplevelser i Elverum",
        "summary": "Et kort sammendrag.",
        "description": "Bakgrunn.",
        "start_date": "2027-01-01",
        "end_date": "2027-12-31",
        "save_and_stay": "",
        **changes,
    }


def statements(context):
    """The statements of a request, without the savepoints the test's own transaction adds."""
    return [
        query["sql"]
        for query in context.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


def test_a_step_save_asks_its_policy_locks_checks_and_writes_in_four_statements(applicant_client, draft):
    url = reverse("application_step", args=[draft.pk, "prosjekt"])
    with CaptureQueriesContext(connection) as context:
        response = applicant_client.post(url, project_post(draft, title="Ny tittel"))
    assert response.status_code == 302
    assert reload(draft).title == "Ny tittel"

    sql = statements(context)
    # The page: the user, the access-checked application, the focus-area choices (the session
    # comes from the cache). The save: the policy's membership check, the locked row with the
    # membership checked again in the same SELECT, the focus area against the call's, the update;
    # no constraint checks in savepoints, no row read twice.
    assert len(sql) == 7, "\n".join(sql)
    policy, lock = sql[3], sql[4]
    assert "applications_organisationmembership" in policy and "FOR UPDATE" not in policy
    assert "FOR UPDATE" in lock and "applications_organisationmembership" in lock
    assert [statement for statement in sql if "FOR UPDATE" in statement] == [lock]
    assert sql[-1].startswith('UPDATE "applications_application"')


def test_a_step_save_that_breaks_a_constraint_is_refused_with_its_message_and_saves_nothing(draft, applicant):
    before = reload(draft)
    with pytest.raises(ServiceError) as refused:
        application_save_step(
            draft,
            actor=applicant,
            title="Endret",
            start_date=dt.date(2027, 6, 1),
            end_date=dt.date(2027, 1, 1),
        )
    assert refused.value.message == "Sluttdatoen kan ikke være før startdatoen."
    assert refused.value.field == "end_date"
    after = reload(draft)
    unchanged = (before.title, before.start_date, before.end_date)
    assert (after.title, after.start_date, after.end_date) == unchanged


def test_a_step_save_by_someone_outside_the_organisation_is_refused(draft):
    outsider = UserFactory()
    with pytest.raises(Refused, match="ikke tilgang"):
        application_save_step(draft, actor=outsider, title="Kapret")
    assert reload(draft).title != "Kapret"


def test_the_membership_is_checked_again_under_the_lock(draft):
    """A membership withdrawn after the policy answered (here: the policy is skipped) still stops the
    save, in the statement that locks the row."""
    outsider = UserFactory()
    with pytest.raises(Refused, match="ikke tilgang"):
        application_save_step.__wrapped__(draft, actor=outsider, title="Kapret")
    assert reload(draft).title != "Kapret"


def test_a_step_save_with_a_value_the_model_refuses_names_the_field(draft, applicant):
    with pytest.raises(ServiceError) as refused:
        application_save_step(draft, actor=applicant, contact_email="ikke-en-adresse")
    assert refused.value.field == "contact_email"
    assert reload(draft).contact_email != "ikke-en-adresse"
