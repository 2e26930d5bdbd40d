"""What the browser tests share: an axe-core check and a walk that checks and photographs each stop."""

import re
from urllib.parse import urlsplit

from axe_playwright_python.sync_playwright import Axe

from omstilling.accessibility import statement

AXE = Axe()


def unnamed_violations(page):
    """What axe-core (WCAG 2.1 AA rules and best practices) finds on the page as it is now, less the
    deviations the accessibility statement names for it (``data/accessibility.json``)."""
    results = AXE.run(page)
    path = urlsplit(page.url).path
    named = statement()
    return [v for v in results.response["violations"] if not named.named(v["id"], path)], results


def assert_accessible(page, name=""):
    """axe-core finds nothing on the page that the accessibility statement does not name: a new
    deviation fails the test until it is fixed or published in the statement."""
    unnamed, results = unnamed_violations(page)
    ids = ", ".join(sorted({v["id"] for v in unnamed}))
    assert not unnamed, (
        f"{name}: axe finds {ids}, which the accessibility statement (data/accessibility.json) does not "
        f"name:\n{results.generate_report()}"
    )


def required(text):
    """A label as read out, with or without the asterisk of a required field."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


class Walk:
    """The browser page, plus an axe check and a numbered screenshot at each stop."""

    def __init__(self, page, screenshot_dir, prefix=""):
        self.page = page
        self.screenshot_dir = screenshot_dir
        self.prefix = prefix
        self.stops = []

    def check(self, name):
        self.page.screenshot(
            path=str(self.screenshot_dir / f"{self.prefix}{len(self.stops) + 1:02d}-{name}.png"),
            full_page=True,
        )
        self.stops.append(name)
        assert_accessible(self.page, name)

    def button(self, name):
        self.page.get_by_role("button", name=name, exact=True).click()

    def link(self, name):
        self.page.get_by_role("link", name=name, exact=True).first.click()

    def label(self, text, within=None):
        return (within or self.page).get_by_label(required(text))
