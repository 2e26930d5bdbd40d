"""What the browser tests share: an axe-core check and a walk that checks and photographs each stop."""

import re

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()


def assert_accessible(page, name=""):
    """axe-core (WCAG 2.1 AA rules and best practices) finds nothing on the page as it is now."""
    results = AXE.run(page)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


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
