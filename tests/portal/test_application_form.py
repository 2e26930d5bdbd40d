"""Filling in an application over several sittings, through the pages the applicant uses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications.models import Application, ApplicationSnapshot, FinancingLine
from omstilling.models import Category
from tests.factories import StaffMembershipFactory, UserFactory

from .conftest import PASSWORD, reload

CONFIRMED = {"confirmed": "on"}

pytestmark = pytest.mark.django_db


def step_url(application, step):
    return reverse("application_step", args=[application.pk, step])


def budget_post(costs, financing, action="save_and_next"):
    data = {
        "cost-TOTAL_FORMS": str(len(costs)),
        "cost-INITIAL_FORMS": "0",
        "fin-TOTAL_FORMS": str(len(financing)),
        "fin-INITIAL_FORMS": "0",
        action: "",
    }
    for n, (description, amount) in enumerate(costs):
        data[f"cost-{n}-description"] = description
        data[f"cost-{n}-amount"] = amount
    for n, (kind, source, amount) in enumerate(financing):
        data[f"fin-{n}-kind"] = kind
        data[f"fin-{n}-source"] = source
        data[f"fin-{n}-amount"] = amount
    return data


def test_applicant_starts_a_draft_under_an_open_call(applicant_client, call, organisation, focus_areas):
    response = applicant_client.post(
        reverse("application_start", args=[call.pk]),
        {
            "organisation": organisation.pk,
            "category": Category.FORPROSJEKT,
            "focus_area": focus_areas[1].pk,
            "title": "Bioraffineri på Hanestad",
        },
    )

    application = Application.objects.get()
    assert response.status_code == 302
    assert response.url == step_url(application, "kontakt")
    assert application.state == Application.State.DRAFT
    assert application.reference == f"S{call.year}-{application.pk:05d}"
    assert application.organisation == organisation
    assert application.contact_email == "kari@bedrift.no"


def test_start_offers_only_the_calls_categories_and_focus_areas(
    applicant_client, call, organisation, focus_areas
):
    page = applicant_client.get(reverse("application_start", args=[call.pk])).content.decode()

    assert "Forstudie" in page and "Forprosjekt" in page
    assert "Hovedprosjekt" not in page
    assert "Ikke i utlysningen" not in page

    response = applicant_client.post(
        reverse("application_start", args=[call.pk]),
        {
            "organisation": organisation.pk,
            "category": Category.HOVEDPROSJEKT,
            "focus_area": focus_areas[2].pk,
            "title": "Feil",
        },
    )
    assert response.status_code == 200
    assert not Application.objects.exists()


def test_a_closed_call_cannot_be_applied_to(applicant_client, call, organisation):
    call.opens_at = timezone.now() - dt.timedelta(days=60)
    call.deadline = timezone.now() - dt.timedelta(days=1)
    call.save()

    assert applicant_client.get(reverse("application_start", args=[call.pk])).status_code == 404


def test_a_user_without_organisation_is_sent_to_register_one_first(client, call):
    client.force_login(UserFactory())

    response = client.get(reverse("application_start", args=[call.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("organisation_register"))


def test_project_step_saves_the_draft_and_it_is_there_after_logging_in_again(client, applicant, draft):
    client.force_login(applicant)
    response = client.post(
        step_url(draft, "prosjekt"),
        {
            "category": Category.FORSTUDIE,
            "focus_area": draft.focus_area_id,
            "title": "Vinteropplevelser",
            "summary": "Kort om prosjektet.",
            "description": "Lang beskrivelse.",
            "start_date": "2027-08-01",
            "end_date": "2028-06-30",
            "save_and_next": "",
        },
    )
    assert response.status_code == 302
    assert response.url == step_url(draft, "budsjett")

    client.post(reverse("logout"))
    assert client.login(email=applicant.email, password=PASSWORD)
    page = client.get(step_url(draft, "prosjekt")).content.decode()

    assert "Lang beskrivelse." in page
    assert 'value="2027-08-01"' in page
    assert reload(draft).end_date == dt.date(2028, 6, 30)


def test_a_field_error_shows_on_the_field_and_in_a_summary_and_keeps_all_other_input(applicant_client, draft):
    response = applicant_client.post(
        step_url(draft, "prosjekt"),
        {
            "category": Category.FORSTUDIE,
            "focus_area": draft.focus_area_id,
            "title": "Ny tittel som ikke skal gå tapt",
            "summary": "x" * 501,
            "description": "Beskrivelse som ikke skal gå tapt.",
            "start_date": "2027-08-01",
            "end_date": "2027-01-01",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in page
    assert 'href="#id_summary"' in page and 'href="#id_end_date"' in page
    assert "Sluttdatoen kan ikke være før startdatoen." in page
    assert 'aria-invalid="true"' in page
    assert "Ny tittel som ikke skal gå tapt" in page
    assert "Beskrivelse som ikke skal gå tapt." in page
    assert reload(draft).title == "Vinteropplevelser i Elverum"


def test_summary_has_a_counter_hook_and_a_500_character_limit(applicant_client, draft):
    page = applicant_client.get(step_url(draft, "prosjekt")).content.decode()

    assert 'maxlength="500"' in page and "data-counter" in page and 'id="summary-counter"' in page


def test_budget_that_balances_is_saved(applicant_client, draft):
    response = applicant_client.post(
        step_url(draft, "budsjett"),
        budget_post(
            [("Konsulent", "150 000"), ("Reise", "50000 kr")],
            [
                (FinancingLine.Kind.OWN_FUNDS, "", "100 000"),
                (FinancingLine.Kind.PROGRAMME, "", "100 000"),
            ],
        ),
    )

    assert response.status_code == 302
    draft = reload(draft)
    assert [(line.description, line.amount) for line in draft.cost_lines.all()] == [
        ("Konsulent", Decimal(150000)),
        ("Reise", Decimal(50000)),
    ]
    assert sum(line.amount for line in draft.financing_lines.all()) == Decimal(200000)
    page = applicant_client.get(step_url(draft, "budsjett")).content.decode()
    assert 'value="150\xa0000"' in page


def test_budget_that_does_not_balance_is_refused_and_the_input_kept(applicant_client, draft):
    response = applicant_client.post(
        step_url(draft, "budsjett"),
        budget_post(
            [("Konsulent", "150000")],
            [(FinancingLine.Kind.PROGRAMME, "", "70000"), (FinancingLine.Kind.PRIVATE, "Banken", "20000")],
        ),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "går ikke i balanse" in page
    assert 'href="#budget-errors"' in page
    assert 'value="Banken"' in page and "Konsulent" in page
    assert not draft.cost_lines.exists()


def test_applied_amount_above_the_calls_maximum_is_refused(applicant_client, draft):
    response = applicant_client.post(
        step_url(draft, "budsjett"),
        budget_post(
            [("Investering", "2 000 000")],
            [(FinancingLine.Kind.OWN_FUNDS, "", "1 400 000"), (FinancingLine.Kind.PROGRAMME, "", "600 000")],
        ),
    )

    assert response.status_code == 400
    assert "høyere enn utlysningens maksimum på 500\xa0000 kr" in response.content.decode()


def test_an_amount_that_is_not_a_number_shows_on_its_field(applicant_client, draft):
    response = applicant_client.post(
        step_url(draft, "budsjett"),
        budget_post([("Konsulent", "mange penger")], [(FinancingLine.Kind.PROGRAMME, "", "1")]),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_cost-0-amount"' in page
    assert "Skriv et beløp i hele kroner" in page


def test_results_and_state_aid_steps_save(applicant_client, draft):
    applicant_client.post(
        step_url(draft, "resultater"),
        {"expected_new_jobs": "3", "expected_secured_jobs": "2", "expected_new_firms": "1"},
    )
    response = applicant_client.post(
        step_url(draft, "bagatellstotte"),
        {
            "de_minimis_received": "120 000",
            "de_minimis_details": "Innovasjon Norge 2026",
            "de_minimis_declared": "on",
        },
    )

    assert response.status_code == 302
    draft = reload(draft)
    assert (draft.expected_new_jobs, draft.expected_secured_jobs, draft.expected_new_firms) == (3, 2, 1)
    assert draft.de_minimis_received == Decimal(120000) and draft.de_minimis_declared


def test_state_aid_received_needs_details(applicant_client, draft):
    response = applicant_client.post(
        step_url(draft, "bagatellstotte"), {"de_minimis_received": "50000", "de_minimis_details": ""}
    )

    assert response.status_code == 400
    assert 'href="#id_de_minimis_details"' in response.content.decode()


def test_review_lists_what_is_missing_and_submit_refuses_with_each_problem(applicant_client, draft):
    page = applicant_client.get(step_url(draft, "oppsummering")).content.decode()
    assert "Prosjektbeskrivelse mangler." in page
    assert "Erklæringen om bagatellstøtte er ikke avgitt." in page

    response = applicant_client.post(reverse("application_submit", args=[draft.pk]))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Søknaden ble ikke sendt inn" in page
    assert "Kostnadsplanen har ingen linjer." in page
    assert reload(draft).state == Application.State.DRAFT


def test_submit_after_the_deadline_is_refused_with_the_deadline(applicant_client, complete_draft, call):
    call.opens_at = timezone.now() - dt.timedelta(days=60)
    call.deadline = timezone.now() - dt.timedelta(minutes=1)
    call.save()

    response = applicant_client.post(reverse("application_submit", args=[complete_draft.pk]), CONFIRMED)

    assert response.status_code == 400
    assert "Søknadsfristen er ute" in response.content.decode()
    assert reload(complete_draft).state == Application.State.DRAFT


def test_submit_freezes_the_application_shows_a_receipt_and_sends_the_emails(
    applicant_client, complete_draft, programme, django_capture_on_commit_callbacks
):
    leader = UserFactory(email="leder@program.no")
    StaffMembershipFactory(programme=programme, user=leader)

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.post(reverse("application_submit", args=[complete_draft.pk]), CONFIRMED)

    assert response.status_code == 302
    assert response.url == reverse("application_receipt", args=[complete_draft.pk])
    application = reload(complete_draft)
    assert application.state == Application.State.SUBMITTED
    assert ApplicationSnapshot.objects.filter(application=application).exists()
    receipt = applicant_client.get(response.url).content.decode()
    assert application.reference in receipt
    recipients = {address for message in mail.outbox for address in message.to}
    assert {"kari@bedrift.no", "leder@program.no"} <= recipients
    assert any(application.reference in message.subject for message in mail.outbox)

    # Frozen: the steps lead to the read-only page and a save changes nothing.
    late = applicant_client.post(step_url(application, "prosjekt"), {"title": "Endret etterpå"})
    assert late.status_code == 302
    assert reload(application).title == "Vinteropplevelser i Elverum"
    mine = applicant_client.get(reverse("my_applications")).content.decode()
    assert "Sendt inn" in mine and application.reference in mine


def test_withdraw_asks_for_confirmation_first(applicant_client, draft):
    url = reverse("application_withdraw", args=[draft.pk])

    page = applicant_client.get(url).content.decode()
    assert "Dette kan ikke angres" in page
    assert reload(draft).state == Application.State.DRAFT

    response = applicant_client.post(url, {"reason": "Feil utlysning"})
    assert response.status_code == 302
    assert reload(draft).state == Application.State.WITHDRAWN
    assert "Trukket" in applicant_client.get(reverse("my_applications")).content.decode()


def test_user_text_is_escaped_everywhere(applicant_client, draft):
    draft.title = '<script>alert("x")</script>'
    draft.summary = "<b>fet</b>"
    draft.save()

    for url in (reverse("my_applications"), step_url(draft, "oppsummering"), step_url(draft, "kontakt")):
        page = applicant_client.get(url).content.decode()
        assert '<script>alert("x")</script>' not in page
        assert "&lt;script&gt;" in page
    assert "<b>fet</b>" not in applicant_client.get(step_url(draft, "oppsummering")).content.decode()


def test_a_new_financing_plan_offers_a_row_per_kind_and_skips_the_untouched_ones(applicant_client, draft):
    from tests.admin.html_forms import form_data

    data = form_data(applicant_client.get(step_url(draft, "budsjett")), "budget-form")
    assert [data[f"fin-{n}-kind"] for n in range(4)] == [[kind] for kind in FinancingLine.Kind.values]
    data.update({"cost-0-description": "Konsulent", "cost-0-amount": "200 000"})
    data.update({"fin-0-amount": "100 000", "fin-3-amount": "100 000", "save_and_stay": ""})

    response = applicant_client.post(step_url(draft, "budsjett"), data)

    assert response.status_code == 302
    assert [(line.kind, line.amount) for line in reload(draft).financing_lines.all()] == [
        (FinancingLine.Kind.OWN_FUNDS, Decimal(100000)),
        (FinancingLine.Kind.PROGRAMME, Decimal(100000)),
    ]


def test_saving_the_budget_again_unchanged_keeps_every_line(applicant_client, complete_draft):
    from tests.admin.html_forms import form_data

    page = applicant_client.get(step_url(complete_draft, "budsjett"))
    data = {**form_data(page, "budget-form"), "save_and_stay": ""}

    response = applicant_client.post(step_url(complete_draft, "budsjett"), data)

    assert response.status_code == 302
    application = reload(complete_draft)
    assert application.cost_lines.count() == 1 and application.financing_lines.count() == 2


def test_a_line_can_be_deleted(applicant_client, complete_draft):
    from tests.admin.html_forms import form_data

    page = applicant_client.get(step_url(complete_draft, "budsjett"))
    data = {**form_data(page, "budget-form"), "save_and_stay": ""}
    data.update({"cost-1-description": "Reise", "cost-1-amount": "50 000", "fin-0-amount": "150 000"})
    applicant_client.post(step_url(complete_draft, "budsjett"), data)
    assert reload(complete_draft).cost_lines.count() == 2

    page = applicant_client.get(step_url(complete_draft, "budsjett"))
    data = {**form_data(page, "budget-form"), "save_and_stay": ""}
    data.update({"cost-1-DELETE": "on", "fin-0-amount": "100 000"})
    response = applicant_client.post(step_url(complete_draft, "budsjett"), data)

    assert response.status_code == 302
    assert [line.description for line in reload(complete_draft).cost_lines.all()] == ["Konsulent"]


def test_submit_needs_the_state_aid_declaration(applicant_client, complete_draft):
    complete_draft.de_minimis_declared = False
    complete_draft.save()

    response = applicant_client.post(reverse("application_submit", args=[complete_draft.pk]), CONFIRMED)

    assert response.status_code == 400
    assert "Erklæringen om bagatellstøtte er ikke avgitt." in response.content.decode()
    assert reload(complete_draft).state == Application.State.DRAFT


def test_a_focus_area_outside_the_call_is_refused_on_its_field(applicant_client, draft, focus_areas):
    response = applicant_client.post(
        step_url(draft, "prosjekt"),
        {
            "category": Category.FORSTUDIE,
            "focus_area": focus_areas[2].pk,  # not in the call
            "title": "Ny tittel",
            "summary": "Kort.",
        },
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_focus_area"' in page and 'aria-describedby="id_focus_area_error"' in page
    assert "Ikke i utlysningen" not in page
    assert reload(draft).title == "Vinteropplevelser i Elverum"


TRICKY = "«Sitat» \"<b>&amp;</b>' æøå"
# Input for every step form at once (each takes its own fields), most of it wrong.
AWKWARD_INPUT = dict.fromkeys(
    [
        "contact_name",
        "contact_email",
        "category",
        "focus_area",
        "title",
        "summary",
        "description",
        "start_date",
        "expected_new_jobs",
        "de_minimis_received",
        "de_minimis_details",
        "kind",
        "source",
        "amount",
    ],
    TRICKY,
) | {
    "end_date": "2020-01-01",
    "de_minimis_declared": "on",
    "DELETE": "on",
}


def step_forms(application, bound):
    """Every form of the application steps, blank or filled in with awkward input (and so with errors)."""
    from applications import forms as portal_forms

    data = AWKWARD_INPUT if bound else None
    made = [
        form_class(data, instance=application)
        for form_class in (
            portal_forms.ContactForm,
            portal_forms.ProjectForm,
            portal_forms.ResultsForm,
            portal_forms.StateAidForm,
        )
    ]
    made.append(portal_forms.AttachmentForm(data, {} if bound else None))
    costs = portal_forms.CostLineFormSet(
        None
        if data is None
        else {"cost-TOTAL_FORMS": "1", "cost-INITIAL_FORMS": "0"}
        | {f"cost-0-{key}": value for key, value in data.items()},
        prefix="cost",
        initial=[{"description": "Konsulent", "amount": Decimal(150000)}],
    )
    financing = portal_forms.financing_formset(
        None
        if data is None
        else {"fin-TOTAL_FORMS": "1", "fin-INITIAL_FORMS": "0"}
        | {f"fin-0-{key}": value for key, value in data.items()},
        [],
    )
    for formset in (costs, financing):
        made += [*formset.forms, formset.empty_form, formset.management_form]
    for form in made:
        if form.is_bound:
            form.is_valid()
            form.add_error(None, f"Feil i hele skjemaet: {TRICKY}")
    return made


@pytest.mark.parametrize("bound", [False, True], ids=["blank", "with-errors"])
def test_the_step_forms_are_marked_up_as_crispy_forms_marked_them_up(draft, bound):
    """The portal lays out fields itself (fast); the markup must stay what crispy-forms produced."""
    from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
    from django.test.html import parse_html

    from applications.templatetags.portal import field, fields

    ours, crispy = step_forms(draft, bound), step_forms(draft, bound)
    assert sum(len(form.errors) for form in ours) >= (20 if bound else 0)
    for mine, theirs in zip(ours, crispy, strict=True):
        # Field by field first (crispy-forms changes a widget's classes as it renders it).
        for name in mine.fields:
            assert parse_html(field(mine[name])) == parse_html(as_crispy_field(theirs[name])), name
    for mine, theirs in zip(step_forms(draft, bound), step_forms(draft, bound), strict=True):
        assert parse_html(fields(mine)) == parse_html(as_crispy_form(theirs))


@pytest.mark.parametrize("bound", [False, True], ids=["blank", "with-errors"])
def test_the_step_forms_widgets_render_exactly_as_djangos_templates_render_them(draft, bound):
    from django.forms.renderers import DjangoTemplates

    from applications.forms import PORTAL_RENDERER

    templates = DjangoTemplates()
    rendered = 0
    for form in step_forms(draft, bound):
        assert form.renderer is PORTAL_RENDERER
        for name in form.fields:
            for attrs in (None, {"class": "extra", "data-x": TRICKY}):
                form.renderer = PORTAL_RENDERER
                fast = form[name].as_widget(attrs=attrs)
                form.renderer = templates
                assert fast == form[name].as_widget(attrs=attrs), name
                rendered += 1
    assert rendered > 60
