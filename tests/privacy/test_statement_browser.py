"""The browser tests fail on an accessibility deviation the statement does not name, and only then."""

import pytest

import tests.browser as browser
from omstilling.accessibility import Deviation, Statement, statement

pytestmark = pytest.mark.browser


@pytest.fixture
def page_with_an_image_without_alt(browser_page):
    page = browser_page
    page.set_content(
        '<html lang="nb"><head><title>Test</title></head><body><main><h1>Test</h1>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>'
    )
    return page


def test_an_unnamed_deviation_fails_the_check(page_with_an_image_without_alt):
    with pytest.raises(AssertionError, match="image-alt"):
        browser.assert_accessible(page_with_an_image_without_alt, "test")


def test_a_deviation_the_statement_names_passes_the_check(page_with_an_image_without_alt, monkeypatch):
    known = statement()
    named = Deviation(rule="image-alt", wcag="1.1.1", pages=(), text={"nb": "Bilde uten alternativ tekst."})
    monkeypatch.setattr(
        browser, "statement", lambda: Statement(known.standard, known.last_checked, known.method, (named,))
    )
    browser.assert_accessible(page_with_an_image_without_alt, "test")
