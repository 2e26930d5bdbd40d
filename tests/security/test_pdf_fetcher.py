"""The PDF renderer's URL fetcher, attacked the ways a URL parser is usually fooled. (The plain cases —
file:///etc/passwd, remote http(s), ../ out of static — are in tests/reports/test_pdf.py; that markup
typed into an application never reaches it as markup is tests/security/test_stored_xss.py.)"""

import pytest
from django.core.exceptions import SuspiciousFileOperation

from omstilling.pdf import BASE_URL, ProjectOnlyURLFetcher, RefusedURLError, render_pdf

from .payloads import pdf_text


@pytest.mark.parametrize(
    "url",
    [
        "FILE:///etc/passwd",
        "file:/etc/passwd",
        "file://localhost/etc/passwd",
        "//169.254.169.254/latest/meta-data/",
        "https://omstilling.invalid@evil.example/static/reports/print-base.css",
        "https://OMSTILLING.INVALID/static/reports/print-base.css",
        "https://omstilling.invalid:8443/static/reports/print-base.css",
        "http://omstilling.invalid/static/reports/print-base.css",
        f"{BASE_URL}static//etc/passwd",
        f"{BASE_URL}static/%2Fetc%2Fpasswd",
        f"{BASE_URL}static/reports/..%2f..%2f..%2fomstilling/settings/base.py",
        f"{BASE_URL}static/reports/%2e%2e/%2e%2e/%2e%2e/.env",
    ],
)
def test_the_fetcher_is_not_fooled_by_odd_spellings(url):
    with pytest.raises((RefusedURLError, SuspiciousFileOperation)):
        ProjectOnlyURLFetcher().fetch(url)


def test_a_stylesheet_that_imports_the_servers_files_prints_without_them(caplog):
    html = (
        "<html><head><style>@import url('file:///etc/passwd');"
        "body { background: url('http://169.254.169.254/'); }</style></head>"
        "<body><p>Søknad</p><object data='file:///etc/passwd'></object></body></html>"
    )

    text = pdf_text(render_pdf(html))

    assert "Søknad" in text
    assert "root:" not in text
    assert "refused to fetch file:///etc/passwd" in caplog.text
