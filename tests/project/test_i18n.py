"""Norwegian bokmål is the source language; the English catalogue must be complete and compiled."""

import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from applications.models import Application
from projects.models import Grant

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _entries(text):
    """(msgid, msgstr, flags) for each entry of a .po file, plural forms folded in."""
    entries = []
    for block in text.split("\n\n"):
        flags = " ".join(line for line in block.splitlines() if line.startswith("#,"))
        if "msgid_plural" in block:
            flags += " plural"
        msgid = "".join(re.findall(r'^msgid(?:_plural)? "(.*)"$', block, re.M))
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        msgstr = "".join(first + "".join(re.findall(r'"(.*)"', rest)) for first, rest in strs)
        if msgid:
            entries.append((msgid, msgstr, flags))
    return entries


def test_english_catalogue_translates_every_string():
    entries = _entries(PO_FILE.read_text(encoding="utf-8"))
    assert len(entries) > 100
    untranslated = [msgid for msgid, msgstr, _ in entries if not msgstr]
    fuzzy = [msgid for msgid, _, flags in entries if "fuzzy" in flags]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"fuzzy entries: {fuzzy[:5]}"


def test_compiled_catalogue_matches_its_source():
    with PO_FILE.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        msgid
        for msgid, msgstr, flags in _entries(PO_FILE.read_text(encoding="utf-8"))
        if "plural" not in flags and "\\" not in msgid + msgstr and compiled.gettext(msgid) != msgstr
    ]
    assert not stale, f"run compilemessages: {stale[:5]}"


def test_model_names_are_norwegian_by_default_and_english_on_request():
    with translation.override("nb"):
        assert str(Grant._meta.verbose_name) == "tilsagn"
        assert str(Application.State.SUBMITTED.label) == "Sendt inn"
    with translation.override("en"):
        assert str(Grant._meta.verbose_name) == "grant"
        assert str(Application.State.SUBMITTED.label) == "Submitted"


@pytest.mark.django_db
def test_pages_are_norwegian_even_when_the_browser_asks_for_english(admin_client):
    response = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response["Content-Language"] == "nb"
    assert "Logg ut" in response.content.decode()


@pytest.mark.django_db
def test_the_language_switch_turns_the_pages_english(admin_client):
    response = admin_client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert response.status_code == 302

    page = admin_client.get(reverse("admin:index"))

    assert page["Content-Language"] == "en"
    assert "Log out" in page.content.decode()
