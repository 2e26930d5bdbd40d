"""Hostile uploads are refused with a message that says why, and leave nothing behind: no file under
MEDIA_ROOT, no Attachment row, no audit entry. (The five accepted kinds and downloads are in
tests/portal/test_attachments.py.)"""

import io
import os
import zipfile
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from applications import uploads
from applications.models import Attachment
from omstilling.models import AuditEntry
from tests.portal import files

from . import payloads

pytestmark = pytest.mark.django_db

NOT_ACCEPTED = "er ikke en fil vi kan ta imot"
TOO_MUCH_DATA = "pakker seg ut til unormalt mye data"


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def owner_client(world):
    client = Client()
    client.force_login(world.owner)
    return client


def post_file(client, world, name, content):
    return client.post(
        reverse("attachment_upload", args=[world.draft.pk]),
        {"kind": "other", "file": files.upload(name, content)},
    )


@pytest.fixture
def upload(world, owner_client, settings):
    """Post one file to the applicant's draft and check that nothing new was kept."""
    before = stored_files(settings)

    def post(name, content):
        response = post_file(owner_client, world, name, content)
        assert stored_files(settings) == before, "a refused file was written to MEDIA_ROOT"
        assert list(Attachment.objects.exclude(pk=world.attachment.pk)) == []
        assert not AuditEntry.objects.filter(action="attachment_add").exclude(object_id=world.attachment.pk)
        return response

    return post


def refused(response, message):
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert 'href="#id_file"' in page  # the error summary points at the file field
    return page


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tilbud.pdf", payloads.ELF),
        ("tilbud.pdf", payloads.PE),
        ("tilbud.docx", payloads.PE),
        ("tilbud.exe", payloads.PE),
        ("side.html", payloads.HTML),
        ("side.pdf", payloads.HTML),
        ("logo.svg", payloads.SVG),
        ("logo.png", payloads.SVG),
        ("logo.jpg", payloads.SVG),
    ],
    ids=[
        "ELF named .pdf",
        "PE named .pdf",
        "PE named .docx",
        "PE named .exe",
        "HTML",
        "HTML named .pdf",
        "SVG with script",
        "SVG named .png",
        "SVG named .jpg",
    ],
)
def test_executables_html_and_svg_are_refused_whatever_their_name(upload, name, content):
    page = refused(upload(name, content), NOT_ACCEPTED)

    assert f"«{name}»" in page


def test_a_file_over_the_limit_is_refused_and_the_page_says_the_limit(upload, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024

    refused(upload("stor.pdf", files.PDF + b"0" * (1024 * 1024)), "Største tillatte filstørrelse er 1,0 MB")


def test_a_zip_bomb_whose_directory_lies_about_its_size_is_refused(upload):
    bomb = payloads.lying_zip_bomb(stated_size=1000, real_size=50 * 1024 * 1024)
    # As its directory tells it — and as ZipFile.open reads it — the bomb is a small, intact document.
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert sum(entry.file_size for entry in archive.infolist()) < 2000
        assert archive.testzip() is None

    refused(upload("soknad.docx", bomb), TOO_MUCH_DATA)


def test_a_zip_bomb_that_states_its_size_honestly_is_refused(upload):
    refused(upload("soknad.docx", files.zip_bomb()), TOO_MUCH_DATA)


def test_a_document_over_the_total_uncompressed_limit_is_refused(upload, monkeypatch):
    monkeypatch.setattr(uploads, "ZIP_MAX_UNCOMPRESSED", 1024 * 1024)
    # Data that does not compress keeps the ratio low; only the total is too large.
    document = files.ooxml(files.DOCX_MAIN, extra={"word/media/bilde.bin": os.urandom(2 * 1024 * 1024)})

    refused(upload("soknad.docx", document), TOO_MUCH_DATA)


def test_a_zip_with_a_broken_member_is_not_taken(upload):
    document = bytearray(files.docx())
    with zipfile.ZipFile(io.BytesIO(bytes(document))) as archive:
        first = archive.infolist()[0]
    start = first.header_offset + 30 + len(first.filename)
    document[start : start + 4] = b"\xff\xff\xff\xff"  # the deflate stream no longer decodes

    refused(upload("soknad.docx", bytes(document)), NOT_ACCEPTED)


def test_an_honest_word_document_with_media_still_gets_through(world, owner_client):
    document = files.ooxml(files.DOCX_MAIN, extra={"word/media/bilde.png": files.PNG + os.urandom(64 * 1024)})

    response = post_file(owner_client, world, "plan.docx", document)

    assert response.status_code == 302
    assert world.draft.attachments.filter(original_name="plan.docx").exists()


def test_a_file_name_with_script_is_echoed_as_text_in_the_refusal(upload):
    name = "<img src=x onerror=alert(1)>.pdf"  # no "/": a browser's file name has no path

    page = refused(upload(name, payloads.ELF), NOT_ACCEPTED)

    assert "<img src=x" not in page
    assert "«&lt;img src=x onerror=alert(1)&gt;.pdf» er ikke en fil" in page
