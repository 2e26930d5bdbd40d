"""Issue #14, point 7: the applicant's form tells her what it needs, where it needs it, and loses nothing.

A taken organisation number points to asking to join; the budget's sums are the lines she posted; a
text over its limit is kept and refused at the field; required fields are marked on every step and
reported there; the review page asks her to confirm; e-mail addresses are compared without case.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError
from django.db.models.query import QuerySet
from django.urls import reverse

from applications.models import Application, Organisation, OrganisationJoinRequest
from applications.services import application_submit_from_portal
from omstilling.exceptions import ServiceError
from tests.factories import OrganisationFactory, UserFactory

from .conftest import PASSWORD, make_complete, make_draft, reload
from .test_application_form import budget_post, step_url

pytestmark = pytest.mark.django_db

User = get_user_model()


def field_errors(page, field_id):
    """The text of the error block under the field ``field_id`` ("" when there is none)."""
    errors = re.findall(rf'id="error_\d+_{field_id}"[^>]*>(.*?)</(?:p|span)>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", error) for error in errors)


def project_post(application, action="save_and_next", **fields):
    data = {
        "category": application.category,
        "focus_area": application.focus_area_id,
        "title": application.title,
        "summary": "Et kort sammendrag.",
        "description": "Bakgrunn og mål.",
        "start_date": "2027-08-01",
        "end_date": "2028-06-30",
        action: "",
    }
    data.update(fields)
    return data


# ---- A known organisation number -----------------------------------------------------------------


def test_registering_a_known_number_answers_at_the_field_and_links_to_asking_to_join(applicant_client):
    existing = OrganisationFactory(name="Åmot Tre AS")
    spaced = f"{existing.orgnr[:3]} {existing.orgnr[3:6]} {existing.orgnr[6:]}"

    response = applicant_client.post(reverse("organisation_register"), {"orgnr": spaced, "name": "Kopi AS"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "er allerede registrert" in field_errors(page, "id_orgnr")
    assert "Begrensning" not in page
    join_link = re.search(r'<a href="([^"]+)" class="alert-link">Be om å bli med i organisasjonen</a>', page)
    assert join_link is not None
    assert 'value="Kopi AS"' in page
    assert Organisation.objects.filter(orgnr=existing.orgnr).count() == 1

    # The link opens the join request with the number filled in; sending it asks the admins.
    join_url = join_link.group(1).replace("&amp;", "&")
    assert f'value="{existing.orgnr}"' in applicant_client.get(join_url).content.decode()
    applicant_client.post(reverse("organisation_join"), {"orgnr": existing.orgnr})
    assert OrganisationJoinRequest.objects.filter(organisation=existing).exists()


def test_a_registration_that_loses_a_race_for_the_number_gets_the_same_answer(applicant_client, monkeypatch):
    existing = OrganisationFactory()
    # Both checks before the insert miss the other registration, as when it commits in between.
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)

    response = applicant_client.post(
        reverse("organisation_register"), {"orgnr": existing.orgnr, "name": "Samtidig AS"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "er allerede registrert" in field_errors(page, "id_orgnr")
    assert "Be om å bli med i organisasjonen" in page
    assert not Organisation.objects.filter(name="Samtidig AS").exists()


# ---- Sums computed on the server ------------------------------------------------------------------


def test_an_unbalanced_budget_shows_again_with_the_sums_of_the_lines_typed(applicant_client, draft):
    response = applicant_client.post(
        step_url(draft, "budsjett"),
        budget_post(
            costs=[("Konsulent", "150 000"), ("Reiser", "50 000")],
            financing=[("own_funds", "", "100 000"), ("programme", "", "50 000")],
        ),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "går ikke i balanse" in page
    assert re.search(r'data-total="cost">200\xa0000 kr<', page)
    assert re.search(r'data-total="fin">150\xa0000 kr<', page)
    assert not draft.cost_lines.exists()


def test_a_row_with_an_unreadable_amount_counts_as_nothing_in_the_sum_shown(applicant_client, draft):
    response = applicant_client.post(
        step_url(draft, "budsjett"),
        budget_post(costs=[("Konsulent", "150 000"), ("Reiser", "mye")], financing=[]),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Skriv et beløp i hele kroner" in page
    assert 'value="mye"' in page
    assert re.search(r'data-total="cost">150\xa0000 kr<', page)


# ---- A text over its limit -----------------------------------------------------------------------


def test_a_summary_over_500_characters_is_refused_at_the_field_and_kept_whole(applicant_client, draft):
    too_long = ("Flisfyring i næringsbygg og nye arbeidsplasser. " * 13)[:600]

    response = applicant_client.post(step_url(draft, "prosjekt"), project_post(draft, summary=too_long))

    page = response.content.decode()
    assert response.status_code == 400
    assert "har 600 tegn, men høyst 500" in field_errors(page, "id_summary")
    textarea = re.search(r"<textarea name=\"summary\"[^>]*>\n(.*?)</textarea>", page, re.S)
    assert textarea.group(1) == too_long
    assert not re.search(r'<textarea name="summary"[^>]*\smaxlength=', page)
    assert 'data-maxlength="500"' in page
    assert reload(draft).summary == "Et kort sammendrag."


def test_a_summary_of_500_characters_with_line_breaks_is_500_as_the_counter_counts_them(
    applicant_client, draft
):
    paragraphs = ["a" * 98] * 5
    typed = "\r\n".join(paragraphs)  # as a browser sends a text area: 490 letters, 4 line breaks
    assert len(typed) == 498 and len(typed.replace("\r\n", "\n")) == 494

    response = applicant_client.post(
        step_url(draft, "prosjekt"), project_post(draft, summary=typed + "\r\nabcde")
    )

    assert response.status_code == 302
    assert reload(draft).summary == "\n".join([*paragraphs, "abcde"])
    assert len(reload(draft).summary) == 500


def test_no_field_of_the_steps_has_a_maxlength_that_would_cut_what_is_typed(applicant_client, draft):
    for step in ("kontakt", "prosjekt", "budsjett", "resultater", "bagatellstotte"):
        page = applicant_client.get(step_url(draft, step)).content.decode()
        assert "maxlength=" not in page.replace("data-maxlength=", ""), step


# ---- Required fields, marked and reported on their own step --------------------------------------


@pytest.mark.parametrize(
    ("field_id", "label"),
    [
        ("id_summary", "Sammendrag"),
        ("id_description", "Prosjektbeskrivelse"),
        ("id_start_date", "Startdato"),
        ("id_end_date", "Sluttdato"),
        ("id_title", "Prosjekttittel"),
    ],
)
def test_each_required_field_of_the_project_step_is_marked_for_eyes_and_screen_readers(
    applicant_client, draft, field_id, label
):
    page = applicant_client.get(step_url(draft, "prosjekt")).content.decode()

    assert "Felt merket * må fylles ut" in page
    assert re.search(
        rf'<label for="{field_id}" class="form-label requiredField">{label}'
        r'<span class="asteriskField">\*</span>',
        page,
    )
    control = re.search(rf'<(input|textarea|select)[^>]*id="{field_id}"[^>]*>', page).group(0)
    assert " required" in control
    if field_id != "id_title":
        assert 'aria-required="true"' in control


def test_every_step_with_fields_explains_the_asterisk(applicant_client, draft):
    for step in (
        "kontakt",
        "prosjekt",
        "budsjett",
        "resultater",
        "bagatellstotte",
        "vedlegg",
        "oppsummering",
    ):
        page = applicant_client.get(step_url(draft, step)).content.decode()
        assert "Felt merket * må fylles ut" in page, step


def test_going_on_without_a_required_field_says_so_on_the_step_and_keeps_what_was_typed(
    applicant_client, draft
):
    response = applicant_client.post(
        step_url(draft, "prosjekt"),
        project_post(draft, title="Nytt navn", summary="", start_date=""),
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert "Sammendrag må fylles ut før søknaden kan sendes inn." in field_errors(page, "id_summary")
    assert "Startdato må fylles ut" in field_errors(page, "id_start_date")
    assert 'href="#id_summary"' in page  # the error summary at the top links to the field
    assert 'value="Nytt navn"' in page
    assert reload(draft).title == "Vinteropplevelser i Elverum"


def test_saving_a_draft_keeps_it_even_with_required_fields_still_empty(applicant_client, draft):
    response = applicant_client.post(
        step_url(draft, "prosjekt"),
        project_post(draft, action="save_and_stay", title="Nytt navn", description="", end_date=""),
    )

    assert response.status_code == 302
    application = reload(draft)
    assert (application.title, application.description, application.end_date) == ("Nytt navn", "", None)


def test_the_review_page_leads_to_the_step_that_lacks_something_and_marks_the_field_there(
    applicant_client, draft
):
    review = applicant_client.get(step_url(draft, "oppsummering")).content.decode()

    assert "Prosjektbeskrivelse mangler." in review
    link = f"{step_url(draft, 'prosjekt')}?sjekk=1"
    assert f'href="{link}"' in review
    assert f'href="{step_url(draft, "kontakt")}?sjekk=1"' not in review
    assert f'<li><a href="{step_url(draft, "budsjett")}">Kostnader og finansiering</a></li>' in review

    page = applicant_client.get(link).content.decode()
    assert "Prosjektbeskrivelse må fylles ut" in field_errors(page, "id_description")
    assert "Startdato må fylles ut" in field_errors(page, "id_start_date")
    assert field_errors(page, "id_summary") == ""
    state_aid = applicant_client.get(f"{step_url(draft, 'bagatellstotte')}?sjekk=1").content.decode()
    assert "Kryss av for erklæringen" in field_errors(state_aid, "id_de_minimis_declared")


# ---- Confirming before submitting ----------------------------------------------------------------


def test_submit_without_the_confirmation_is_refused_at_the_checkbox(applicant_client, complete_draft):
    review = applicant_client.get(step_url(complete_draft, "oppsummering")).content.decode()
    assert "Jeg bekrefter at opplysningene er riktige" in review

    response = applicant_client.post(reverse("application_submit", args=[complete_draft.pk]))

    page = response.content.decode()
    assert response.status_code == 400
    assert "Kryss av for at opplysningene er riktige" in field_errors(page, "id_confirmed")
    assert 'href="#id_confirmed"' in page
    assert reload(complete_draft).state == Application.State.DRAFT

    response = applicant_client.post(
        reverse("application_submit", args=[complete_draft.pk]), {"confirmed": "on"}
    )

    assert response.status_code == 302
    assert reload(complete_draft).state == Application.State.SUBMITTED


def test_the_service_refuses_an_unconfirmed_submit_whatever_the_page_sent(complete_draft, applicant):
    with pytest.raises(ServiceError, match="Kryss av for at opplysningene er riktige") as refused:
        application_submit_from_portal(complete_draft, actor=applicant, confirmed=False)

    assert refused.value.field == "confirmed"
    assert reload(complete_draft).state == Application.State.DRAFT


def test_an_incomplete_draft_names_its_gaps_and_the_missing_confirmation_together(applicant_client, draft):
    response = applicant_client.post(reverse("application_submit", args=[draft.pk]))

    page = response.content.decode()
    assert "Kostnadsplanen har ingen linjer." in page
    assert "Kryss av for at opplysningene er riktige" in field_errors(page, "id_confirmed")
    assert page.count('id="error-summary"') == 1


# ---- E-mail addresses without case ---------------------------------------------------------------


def test_log_in_accepts_the_address_in_any_case(client):
    UserFactory(email="soker@vestre-toten.demo", password=PASSWORD)

    response = client.post(reverse("login"), {"username": "Soker@Vestre-Toten.demo", "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("my_applications")).status_code == 200


def test_an_account_stored_with_capitals_still_logs_in_typed_in_lower_case(client):
    user = UserFactory(email="ingen@bedrift.no", password=PASSWORD)
    User.objects.filter(pk=user.pk).update(email="Kari.Nordmann@Bedrift.no")

    response = client.post(reverse("login"), {"username": "kari.nordmann@bedrift.no", "password": PASSWORD})

    assert response.status_code == 302


def test_a_wrong_password_is_still_refused_whatever_the_case(client):
    UserFactory(email="kari@bedrift.no", password=PASSWORD)

    response = client.post(reverse("login"), {"username": "KARI@bedrift.no", "password": "feil-passord"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_registering_an_address_that_differs_only_in_case_makes_no_second_account(client):
    UserFactory(email="ola@bedrift.no")

    response = client.post(
        reverse("register"),
        {
            "full_name": "Ola Nordmann",
            "email": "Ola@Bedrift.NO",
            "password1": "Glomma-og-Trysilelva-2027",
            "password2": "Glomma-og-Trysilelva-2027",
        },
    )

    assert response.status_code == 302
    assert User.objects.filter(email__iexact="ola@bedrift.no").count() == 1
    assert "allerede en konto" in mail.outbox[-1].subject


def test_the_database_refuses_two_accounts_differing_only_in_case():
    UserFactory(email="per@bedrift.no")

    with pytest.raises(IntegrityError):
        User.objects.filter(pk=UserFactory(email="annen@bedrift.no").pk).update(email="Per@Bedrift.no")


# ---- Smaller things ------------------------------------------------------------------------------


def test_the_title_of_each_application_in_my_applications_is_a_link_to_it(
    applicant_client, call, organisation, applicant
):
    draft = make_draft(call, organisation, applicant, title="Vinterturer")
    submitted = make_complete(make_draft(call, organisation, applicant, title="Sommerturer"))
    Application.objects.filter(pk=submitted.pk).update(state=Application.State.SUBMITTED)

    page = applicant_client.get(reverse("my_applications")).content.decode()

    assert f'<a href="{step_url(draft, "kontakt")}">Vinterturer</a>' in page
    assert f'<a href="{reverse("application_detail", args=[submitted.pk])}">Sommerturer</a>' in page
