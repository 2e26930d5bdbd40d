"""The PDF renderer serves the project's static files and nothing else."""

import io

import pytest
from pypdf import PdfReader

from omstilling.pdf import BASE_URL, ProjectOnlyURLFetcher, RefusedURLError, render_pdf


def pdf_text(pdf_bytes):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_bytes)).pages)


def test_renders_norwegian_text_to_a_pdf():
    pdf = render_pdf("<html><body><p>Tilsagn på 1 900 000 kr til Åmot og Våler</p></body></html>")

    assert pdf.startswith(b"%PDF")
    assert "Tilsagn på 1 900 000 kr til Åmot og Våler" in pdf_text(pdf)


def test_serves_the_projects_own_static_files():
    response = ProjectOnlyURLFetcher().fetch(f"{BASE_URL}static/reports/print-base.css")

    assert b"@page" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "https://example.com/logo.png",
        f"{BASE_URL}static/../../../../etc/passwd",
        f"{BASE_URL}static/%2e%2e/%2e%2e/settings.py",
        f"{BASE_URL}media/attachments/secret.pdf",
        "ftp://example.com/x",
    ],
)
def test_refuses_files_remote_urls_and_paths_outside_static(url):
    with pytest.raises(RefusedURLError):
        ProjectOnlyURLFetcher().fetch(url)


def test_a_passwd_image_typed_into_a_text_field_does_not_reach_the_pdf(caplog):
    html = (
        '<html><body><p>Prosjekt</p><img src="file:///etc/passwd">'
        '<link rel="stylesheet" href="https://example.com/x.css">'
        "<iframe src='file:///etc/passwd'></iframe></body></html>"
    )

    text = pdf_text(render_pdf(html))

    assert "root:" not in text
    assert "Prosjekt" in text
    assert "refused to fetch file:///etc/passwd" in caplog.text
