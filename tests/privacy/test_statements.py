"""The privacy and accessibility statements: reachable from every page, and saying what the code does."""

import pytest
from django.urls import reverse

from omstilling import accessibility
from omstilling.accessibility import Deviation, Statement


@pytest.mark.parametrize("url", ["/", "/konto/registrer/", "/tildelte-prosjekter/"])
def test_every_portal_page_links_both_statements_in_its_footer(client, db, url):
    page = client.get(url).content.decode()
    footer = page[page.index('<footer class="site-footer">') :]
    assert f'href="{reverse("privacy")}"' in footer
    assert f'href="{reverse("accessibility")}"' in footer


def test_the_admin_links_both_statements_too(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert f'href="{reverse("privacy")}"' in page and f'href="{reverse("accessibility")}"' in page


def test_registration_points_to_the_privacy_statement(client, db):
    page = client.get(reverse("register")).content.decode()
    main = page[page.index("<main") : page.index("<footer")]
    assert f'href="{reverse("privacy")}"' in main


def test_the_privacy_statement_names_each_programme_as_controller_and_the_retention_rules(
    client, programme, settings
):
    settings.RETENTION_ANONYMISE_YEARS = 7
    page = client.get(reverse("privacy")).content.decode()
    assert "Omstillingsprogrammet for Elverumregionen" in page and "Elverum kommune" in page
    assert "mailto:post@ernu.no" in page
    assert "anonymiseres 7 år etter vedtaket" in page
    assert "datatilsynet.no" in page


def test_the_accessibility_statement_has_the_parts_the_supervisory_authority_asks_for(client, programme):
    page = client.get(reverse("accessibility")).content.decode()
    for part in (
        "Status",
        "Kjente avvik",
        "Slik er portalen vurdert",
        "Meld fra om et problem",
        "uutilsynet.no",
    ):
        assert part in page
    assert "WCAG 2.1 AA" in page
    assert "Sist kontrollert" in page
    assert "mailto:post@ernu.no" in page


def test_a_deviation_in_the_data_is_published_on_the_statement(client, db, monkeypatch):
    deviation = Deviation(
        rule="color-contrast",
        wcag="1.4.3",
        pages=("/admin/",),
        text={
            "nb": "Grå tekst i saksbehandlingen har for lav kontrast.",
            "en": "Grey text has too low contrast.",
        },
    )
    known = accessibility.statement()
    monkeypatch.setattr(
        accessibility,
        "statement",
        lambda: Statement(known.standard, known.last_checked, known.method, (deviation,)),
    )
    page = client.get(reverse("accessibility")).content.decode()
    assert "oppfyller ikke alle kravene" in page
    assert "Suksesskriterium 1.4.3:" in page and "Grå tekst i saksbehandlingen" in page
    assert deviation.covers("color-contrast", "/admin/applications/")
    assert not deviation.covers("color-contrast", "/")
    assert not deviation.covers("image-alt", "/admin/")
