"""Payout requests (utbetalingsanmodninger): amount, costs against the cost plan, progress, attachments."""

import pytest
from django.urls import reverse

from projects.models import Payout, PayoutAttachment
from projects.services import payout_approve, payout_request, result_report_submit
from tests.portal import files

pytestmark = pytest.mark.django_db


def request_data(**overrides):
    data = {
        "kind": "partial",
        "amount": "120 000",
        "accumulated_costs": "150 000 kr",
        "progress_note": "Pilot på to sykehjem er i gang.",
    }
    data.update(overrides)
    return data


def post(client, grant, **overrides):
    return client.post(reverse("payout_request", args=[grant.pk]), request_data(**overrides))


def test_form_shows_the_cost_plan_totals_and_what_can_be_requested(applicant_client, accepted):
    response = applicant_client.get(reverse("payout_request", args=[accepted.pk]))
    page = response.content.decode()

    assert response.status_code == 200
    assert "Kostnadsplanen i søknaden" in page
    assert "Utvikling" in page and "500\xa0000 kr" in page and "Pilotdrift" in page
    assert "600\xa0000 kr" in page  # the cost plan's total
    assert "Du kan be om inntil 210\xa0000 kr som delutbetaling nå" in page
    assert (
        'enctype="multipart/form-data"' in page and 'type="file" name="files"' in page and "multiple" in page
    )
    # The first request suggests the share paid on acceptance.
    assert response.context["form"]["amount"].value() == 120000


def test_partial_request_with_attachments_is_stored_and_then_locked(applicant_client, accepted, applicant):
    response = applicant_client.post(
        reverse("payout_request", args=[accepted.pk]),
        {
            **request_data(),
            "files": [files.upload("kostnader.pdf", files.PDF), files.upload("timeliste.xlsx", files.xlsx())],
        },
    )

    payout = Payout.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("payout_detail", args=[accepted.pk, payout.pk])
    assert (payout.kind, payout.state, payout.amount, payout.accumulated_costs) == (
        "partial",
        "requested",
        120000,
        150000,
    )
    assert payout.progress_note == "Pilot på to sykehjem er i gang." and payout.requested_by == applicant
    assert sorted(payout.attachments.values_list("original_name", "content_type")) == [
        ("kostnader.pdf", "application/pdf"),
        ("timeliste.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ]

    page = applicant_client.get(response.url).content.decode()
    assert "Utbetalingsanmodning nr. 1" in page and "Anmodet" in page
    assert "kan ikke endres" in page
    assert "<form" not in page.split('id="main"')[1] and "<input" not in page.split('id="main"')[1]
    attachment = payout.attachments.get(original_name="kostnader.pdf")
    download = applicant_client.get(reverse("payout_attachment_download", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == files.PDF


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_is_stored(applicant_client, accepted):
    response = applicant_client.post(
        reverse("payout_request", args=[accepted.pk]),
        {**request_data(), "files": [files.upload("faktura.pdf", b"MZ\x90\x00 not a pdf")]},
    )
    page = response.content.decode()

    assert response.status_code == 400
    assert 'href="#id_files"' in page and "faktura.pdf" in page
    assert not Payout.objects.exists() and not PayoutAttachment.objects.exists()
    # What was typed is still there.
    assert "Pilot på to sykehjem er i gang." in page and 'value="150 000 kr"' in page


def test_a_file_over_the_size_limit_is_refused(applicant_client, accepted, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    big = files.PDF + b"0" * 2048

    response = applicant_client.post(
        reverse("payout_request", args=[accepted.pk]),
        {**request_data(), "files": [files.upload("stor.pdf", big)]},
    )

    assert response.status_code == 400
    assert "Største tillatte filstørrelse" in response.content.decode()
    assert not Payout.objects.exists()


def test_a_partial_request_above_what_the_page_promises_is_refused_on_the_amount_field(
    applicant_client, accepted
):
    promise = "Du kan be om inntil 210\xa0000 kr som delutbetaling nå"
    assert promise in applicant_client.get(reverse("payout_request", args=[accepted.pk])).content.decode()

    response = post(applicant_client, accepted, amount="210 001")

    page = response.content.decode()
    assert response.status_code == 400
    assert 'href="#id_amount"' in page and promise in page
    assert 'value="210 001"' in page  # what was typed is kept
    assert not Payout.objects.exists()
    assert post(applicant_client, accepted, amount="210 000").status_code == 302


def test_what_is_approved_and_what_is_pending_count_against_the_partial_limit(
    applicant_client, accepted, applicant, officer
):
    payout_approve(payout_request(accepted, actor=applicant, amount=150000), actor=officer)
    payout_request(accepted, actor=applicant, amount=40000)
    page = applicant_client.get(reverse("payout_request", args=[accepted.pk])).content.decode()
    assert "Du kan be om inntil 20\xa0000 kr som delutbetaling nå" in page

    response = post(applicant_client, accepted, amount="20 001")

    assert response.status_code == 400
    assert "Du kan be om inntil 20\xa0000 kr som delutbetaling nå" in response.content.decode()
    assert Payout.objects.count() == 2
    assert post(applicant_client, accepted, amount="20 000").status_code == 302


@pytest.mark.parametrize("amount", ["0", "tusen", "1 000,50"])
def test_amount_must_be_whole_positive_kroner(applicant_client, accepted, amount):
    response = post(applicant_client, accepted, amount=amount)

    assert response.status_code == 400 and 'href="#id_amount"' in response.content.decode()
    assert not Payout.objects.exists()


def test_progress_note_is_required(applicant_client, accepted):
    response = post(applicant_client, accepted, progress_note="")

    assert response.status_code == 400 and 'href="#id_progress_note"' in response.content.decode()


def test_a_final_request_requires_the_final_report(applicant_client, accepted):
    response = post(applicant_client, accepted, kind="final", amount="300 000")
    page = response.content.decode()

    assert response.status_code == 400
    assert "Sluttutbetaling forutsetter at sluttrapporten er levert" in page and 'href="#id_kind_0"' in page
    assert not Payout.objects.exists()


def test_after_the_final_report_the_final_payout_can_be_requested_once(applicant_client, accepted, applicant):
    result_report_submit(
        accepted, actor=applicant, year=accepted.year, new_jobs=3, narrative="Ferdig.", is_final=True
    )
    form = applicant_client.get(reverse("payout_request", args=[accepted.pk]) + "?type=final")
    assert form.context["form"]["kind"].value() == "final"
    assert form.context["form"]["amount"].value() == 300000

    response = post_final(applicant_client, accepted)

    assert response.status_code == 302
    payout = Payout.objects.get()
    assert payout.kind == Payout.Kind.FINAL and payout.amount == 300000
    page = applicant_client.get(reverse("grant_detail", args=[accepted.pk])).content.decode()
    assert "det er bedt om sluttutbetaling" in page
    assert reverse("payout_request", args=[accepted.pk]) not in page

    again = post(applicant_client, accepted, kind="final", amount="1 000")
    assert again.status_code == 400 and "allerede bedt om sluttutbetaling" in again.content.decode()
    assert Payout.objects.count() == 1


def test_no_payout_can_be_requested_before_the_grant_is_accepted(applicant_client, offered):
    response = post(applicant_client, offered)

    assert response.status_code == 302 and response.url == reverse("grant_detail", args=[offered.pk])
    assert not Payout.objects.exists()
    assert "krever et akseptert tilsagn" in applicant_client.get(response.url).content.decode()


# The final payout's project accounts (prosjektregnskap), attested by the grant's size --------------


def post_final(client, grant, *, accounts=True, attestation="accountant", amount="300 000"):
    data = request_data(kind="final", amount=amount, accounts_attestation=attestation)
    if accounts:
        data["accounts_file"] = files.upload("prosjektregnskap.pdf", files.PDF)
    return client.post(reverse("payout_request", args=[grant.pk]), data)


@pytest.fixture
def reported(accepted, applicant):
    """The accepted grant of 300 000 kr with its final report in, ready for the final payout."""
    result_report_submit(
        accepted, actor=applicant, year=accepted.year, new_jobs=3, narrative="Ferdig.", is_final=True
    )
    return accepted


def test_the_payout_page_names_the_attestation_the_programmes_limits_require(
    applicant_client, reported, programme
):
    url = reverse("payout_request", args=[reported.pk]) + "?type=final"
    page = applicant_client.get(url).content.decode()
    # Defaults: leader under 100 000, accountant up to 600 000, auditor above; the grant is 300 000.
    assert (
        "For dette tilsagnet på 300\xa0000 kr må regnskapet være: "
        "<strong>Attestert av autorisert regnskapsfører" in page
    )
    assert "tilsagn under 100\xa0000 kr" in page and "til og med 600\xa0000 kr" in page

    programme.accounts_leader_limit = 50000
    programme.accounts_accountant_limit = 250000
    programme.save()
    page = applicant_client.get(url).content.decode()
    assert "må regnskapet være: <strong>Attestert av statsautorisert eller registrert revisor" in page
    assert "tilsagn under 50\xa0000 kr" in page and "til og med 250\xa0000 kr" in page

    programme.accounts_leader_limit = 400000
    programme.accounts_accountant_limit = 800000
    programme.save()
    page = applicant_client.get(url).content.decode()
    assert "må regnskapet være: <strong>Signert av organisasjonens daglige leder" in page


def test_a_final_request_without_the_project_accounts_is_refused(applicant_client, reported):
    response = post_final(applicant_client, reported, accounts=False)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Sluttutbetalingen krever prosjektregnskapet" in page and 'href="#id_accounts_file"' in page
    assert not Payout.objects.exists()


def test_a_final_request_with_too_weak_an_attestation_is_refused(applicant_client, reported):
    response = post_final(applicant_client, reported, attestation="leader")

    page = response.content.decode()
    assert response.status_code == 400
    assert (
        "Prosjektregnskapet er «Signert av organisasjonens daglige leder», men for et tilsagn på "
        "300\xa0000 kr må det være «Attestert av autorisert regnskapsfører»" in page
    )
    assert 'href="#id_accounts_attestation_0"' in page
    assert not Payout.objects.exists() and not PayoutAttachment.objects.exists()


@pytest.mark.parametrize("attestation", ["accountant", "auditor"])
def test_a_final_request_with_the_required_attestation_or_a_stronger_one_is_accepted(
    applicant_client, reported, attestation
):
    response = post_final(applicant_client, reported, attestation=attestation)

    assert response.status_code == 302
    payout = Payout.objects.get()
    assert (payout.kind, payout.amount, payout.accounts_attestation) == ("final", 300000, attestation)
    assert list(payout.attachments.values_list("kind", "original_name")) == [
        ("accounts", "prosjektregnskap.pdf")
    ]
