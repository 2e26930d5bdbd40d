"""Every admin page opens for a superuser, the search box finds rows, and what must not be edited
in the admin cannot be."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import (
    Appeal,
    Application,
    ApplicationSnapshot,
    Assessment,
    BoardCase,
    BoardMeeting,
    CaseStandIn,
    ConflictDeclaration,
    Decision,
    JournalEntry,
    Letter,
    MeetingAttendance,
    Vote,
)
from omstilling.formatting import format_nok
from omstilling.models import AuditEntry, Call, User
from projects.models import DeadlineExtension, Grant, Payout
from reports.models import ReportJob
from tests.admin.html_forms import form_data
from tests.admin.rows import ROWS, person
from tests.factories import ApplicationFactory, CallFactory, FocusAreaFactory, GrantFactory, PayoutFactory

pytestmark = pytest.mark.django_db

# Rows that come from services (or are evidence) and so have no add form in the admin.
NOT_ADDED_IN_ADMIN = {
    AuditEntry,
    ApplicationSnapshot,
    Letter,
    Grant,
    Payout,
    DeadlineExtension,
    ReportJob,
    Decision,
    Vote,
    CaseStandIn,
    ConflictDeclaration,
    MeetingAttendance,
    Assessment,
    # The services write the journal; staff only screen what its public version withholds.
    JournalEntry,
    # Lodged by the applicant in the portal (appeal_lodge).
    Appeal,
}


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_admin_index_links_every_registered_model(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    listed = {entry["object_name"] for app in response.context["app_list"] for entry in app["models"]}
    assert {model.__name__ for model in ROWS} <= listed


@pytest.mark.parametrize("model", list(ROWS), ids=lambda model: model.__name__)
def test_changelist_add_and_change_pages_open_for_a_superuser(admin_client, model):
    obj = ROWS[model].build()

    assert admin_client.get(_url(model, "changelist")).status_code == 200
    assert admin_client.get(_url(model, "add")).status_code == (403 if model in NOT_ADDED_IN_ADMIN else 200)
    change = admin_client.get(_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert change.context["original"] == obj


@pytest.mark.parametrize("model", list(ROWS), ids=lambda model: model.__name__)
def test_search_box_finds_the_row_it_names_and_not_the_others(admin_client, model):
    row = ROWS[model]
    wanted, other = row.build(), row.build()
    term = row.term(wanted)
    assert term.lower() not in row.term(other).lower()

    response = admin_client.get(_url(model, "changelist"), {"q": term})

    assert response.status_code == 200
    found = {obj.pk for obj in response.context["cl"].result_list}
    assert wanted.pk in found
    assert other.pk not in found


def test_amounts_are_grouped_by_thousands_with_no_break_spaces():
    assert format_nok(Decimal("1900000")) == "1\u00a0900\u00a0000"
    assert format_nok(Decimal("999")) == "999"
    assert format_nok(Decimal("2499.5")) == "2\u00a0500"
    assert format_nok(0) == "0"
    assert format_nok(None) == ""


def test_call_budget_column_shows_norwegian_kroner(admin_client):
    CallFactory(title="Utlysning 2025", budget=Decimal("1900000"))

    response = admin_client.get(_url(Call, "changelist"))

    assert "1\u00a0900\u00a0000" in response.content.decode()


def test_grant_list_labels_columns_in_norwegian_and_writes_years_without_grouping(admin_client):
    GrantFactory(year=2012, amount=Decimal("2600000"), decision__amount=Decimal("2600000"))

    response = admin_client.get(_url(Grant, "changelist"))

    headers = [str(header["text"]) for header in response.context["result_headers"]]
    assert "tilsagnsmottaker" in headers
    assert "bevilgningsår" in headers
    html = response.content.decode()
    assert ">2012<" in html
    assert "2\u00a0600\u00a0000" in html


def test_audit_log_cannot_be_added_changed_or_deleted_even_by_a_superuser(admin_client):
    entry = ROWS[AuditEntry].build()
    change_url = _url(AuditEntry, "change", entry.pk)

    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin_client.get(_url(AuditEntry, "add")).status_code == 403
    assert admin_client.post(change_url, {"reason": "Endret i ettertid"}).status_code == 403
    assert admin_client.post(_url(AuditEntry, "delete", entry.pk), {"post": "yes"}).status_code == 403
    changelist = admin_client.get(_url(AuditEntry, "changelist"))
    assert "delete_selected" not in changelist.context["cl"].model_admin.get_actions(changelist.wsgi_request)
    entry.refresh_from_db()
    assert entry.reason.startswith("Sendt inn")


@pytest.mark.parametrize("model", [ApplicationSnapshot, Letter], ids=lambda model: model.__name__)
def test_submitted_copies_and_issued_letters_are_read_only(admin_client, model):
    obj = ROWS[model].build()

    assert admin_client.get(_url(model, "change", obj.pk)).status_code == 200
    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize(
    "model", [Decision, Vote, ConflictDeclaration, MeetingAttendance], ids=lambda model: model.__name__
)
def test_board_records_are_written_only_by_the_board_services(admin_client, model):
    """Votes, recusals, attendance and decisions must pass the quorum and recusal rules."""
    obj = ROWS[model].build()

    page = admin_client.get(_url(model, "change", obj.pk))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_every_admin_edit_leaves_an_audit_entry(admin_client, admin_user):
    call = CallFactory(title="Utlysning 2025", budget=Decimal("1900000"))
    call.focus_areas.add(FocusAreaFactory(plan_period__programme=call.programme))
    post = form_data(admin_client.get(_url(Call, "change", call.pk)), "call_form")
    post["budget"] = "2000000"

    response = admin_client.post(_url(Call, "change", call.pk), post)

    assert response.status_code == 302, response.context["adminform"].form.errors
    call.refresh_from_db()
    assert call.budget == Decimal("2000000")
    entry = AuditEntry.objects.get(object_id=str(call.pk), action="admin:changed")
    assert entry.actor == admin_user
    assert entry.programme_id == call.programme_id
    assert "budget" in entry.data["fields"]


@pytest.mark.parametrize(
    ("model", "read_only"),
    [
        (Application, {"state", "submitted_at", "decided_at", "withdrawn_at"}),
        (Grant, {"state", "amount", "released_amount", "payout_on_acceptance_percent", "holdback_percent"}),
        (Payout, {"state", "amount", "accumulated_costs", "approved_at", "paid_at"}),
        (ReportJob, {"state", "progress", "sha256"}),
        (BoardMeeting, {"state"}),
        (BoardCase, {"state", "opened_at", "closed_at"}),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
def test_money_and_state_fields_are_not_in_the_change_form(admin_client, model, read_only):
    obj = ROWS[model].build()

    page = admin_client.get(_url(model, "change", obj.pk))

    assert page.status_code == 200
    assert read_only.isdisjoint(page.context["adminform"].form.fields)
    assert read_only <= set(page.context["adminform"].readonly_fields)


def test_posting_a_state_to_a_draft_application_changes_the_text_but_not_the_state(admin_client):
    application = ROWS[Application].build()
    url = _url(Application, "change", application.pk)
    data = form_data(admin_client.get(url), "application_form")
    data["title"] = ["Nytt reisemål i Elverum"]
    data["state"] = [Application.State.APPROVED]

    response = admin_client.post(url, data)

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.title == "Nytt reisemål i Elverum"
    assert application.state == Application.State.DRAFT


def test_submitted_application_is_shown_but_not_editable(admin_client):
    application = ApplicationFactory(state=Application.State.SUBMITTED, title="Bioøkonomi-klynge")
    url = _url(Application, "change", application.pk)

    page = admin_client.get(url)

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert admin_client.post(url, {"title": "Endret etter innsending"}).status_code == 403
    application.refresh_from_db()
    assert application.title == "Bioøkonomi-klynge"


def test_payout_change_form_keeps_the_approved_amount(admin_client):
    payout = PayoutFactory(
        grant__decision__application__title="Næringshage",
        amount=Decimal("50000"),
        state=Payout.State.APPROVED,
        approved_at=timezone.now(),
    )
    url = _url(Payout, "change", payout.pk)
    data = form_data(admin_client.get(url), "payout_form")
    data.update(amount=["900000"], state=[Payout.State.PAID])

    admin_client.post(url, data)

    payout.refresh_from_db()
    assert payout.amount == Decimal("50000")
    assert payout.state == Payout.State.APPROVED


def test_operator_creates_a_user_with_an_email_address_and_no_username(admin_client):
    response = admin_client.post(
        _url(User, "add"),
        {
            "email": "Kari.Nordmann@Elverum.KOMMUNE.no",
            "full_name": "Kari Nordmann",
            "usable_password": "true",
            "password1": "Omstilling-2025!",
            "password2": "Omstilling-2025!",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(full_name="Kari Nordmann")
    assert user.email == "kari.nordmann@elverum.kommune.no"
    assert user.check_password("Omstilling-2025!")


def test_operator_edits_a_user_and_gives_a_programme_role(admin_client):
    user = person(email="ola@vestre-toten.kommune.no", full_name="Ola")
    programme = ROWS[Call].build().programme
    url = _url(User, "change", user.pk)
    data = form_data(admin_client.get(url), "user_form")
    data.update(
        {
            "full_name": ["Ola Nordmann"],
            "phone": ["61 15 33 00"],
            "staff_memberships-TOTAL_FORMS": ["1"],
            "staff_memberships-0-programme": [str(programme.pk)],
            "staff_memberships-0-role": ["leader"],
            "staff_memberships-0-title": ["Programleder"],
            "staff_memberships-0-is_active": ["on"],
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("Ola Nordmann", "61 15 33 00")
    assert user.staff_memberships.get().programme == programme


@pytest.mark.parametrize(
    ("url_name", "status"),
    [
        # Django's own answer for a change page of an object that does not exist: back to the index.
        ("admin:applications_application_change", 302),
        ("admin:projects_grant_change", 302),
        ("admin:projects_payout_change", 302),
        ("admin:applications_letter_download", 404),
    ],
)
def test_a_malformed_id_in_an_admin_link_is_not_a_server_error(admin_client, url_name, status):
    url = reverse(url_name, args=["999"]).replace("999", "ikke-et-tall")

    assert admin_client.get(url).status_code == status
