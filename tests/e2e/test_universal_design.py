"""Universal design beyond what axe-core sees (issue #14, point 9), in a real browser.

1. Keyboard: tabbing through the portal's form pages, every control that takes focus (links, buttons,
   text fields, selects, checkboxes) shows a focus indicator — an outline or a box-shadow ring at least
   2 px wide — whose colour has a contrast of at least 3:1 against the background around the control,
   computed from the browser's computed colours.
2. Reflow (WCAG 1.4.10): at 320 CSS px every portal page, and the board's case page in the admin, fits
   the window: no sideways scrolling of the page. A data table may be wider; it then scrolls inside its
   own box, which can be reached by keyboard (tabindex=0) and is a named region, its caption visible;
   and axe-core finds nothing on the page at that width.

Screenshots (320 px pages, each focused control) go to $E2E_SCREENSHOT_DIR or the test's tmp dir.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import OrganisationMembership
from tests.board.conftest import application_to_board, make_board, open_case
from tests.board.pages import browser_login, case_url
from tests.browser import AXE
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocusAreaFactory,
    GrantFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    PlanPeriodFactory,
    ProgrammeFactory,
    UserFactory,
)
from tests.portal.conftest import make_complete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-word-123"

# Colour maths in the page: WCAG relative luminance and contrast ratio, the background a control sits
# on (the first ancestor with a painted background, blended over white), and the focus indicator's
# candidates: the outline (style not none, at least 2 px) and each outer box-shadow ring with a spread
# of at least 2 px.
FOCUS_JS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const parse = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) =>
    top.slice(0, 3).map((c, i) => c * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const lum = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  let background = [255, 255, 255, 1];
  const layers = [];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = parse(getComputedStyle(node).backgroundColor);
    if (colour && colour[3] > 0) {
      layers.push(colour);
      if (colour[3] >= 1) break;
    }
  }
  for (const layer of layers.reverse()) background = over(layer, background);
  const style = getComputedStyle(el);
  const candidates = [];
  if (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2) {
    candidates.push(["outline", parse(style.outlineColor)]);
  }
  if (style.boxShadow && style.boxShadow !== "none") {
    for (const shadow of style.boxShadow.split(/,(?![^(]*\\))/)) {
      if (/inset/.test(shadow)) continue;
      const lengths = shadow.replace(/rgba?\\([^)]*\\)/, "").trim().split(/\\s+/).map(parseFloat);
      if ((lengths[3] || 0) >= 2) candidates.push(["box-shadow", parse(shadow)]);
    }
  }
  const ratios = candidates
    .filter(([, colour]) => colour && colour[3] > 0)
    .map(([kind, colour]) => [kind, contrast(over(colour, background), background)]);
  const best = ratios.reduce((a, b) => (b[1] > a[1] ? b : a), ["none", 1]);
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    name: el.getAttribute("name") || el.id || (el.textContent || "").trim().slice(0, 40),
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    boxShadow: style.boxShadow,
    background: `rgb(${background.slice(0, 3).map(Math.round).join(", ")})`,
    kind: best[0],
    ratio: Math.round(best[1] * 100) / 100,
    box: [box.x + window.scrollX, box.y + window.scrollY, box.width, box.height],
  };
}
"""

# What sticks out at the right of the window, tables in a scrolling box excepted; and every such box.
REFLOW_JS = """
() => {
  const width = window.innerWidth;
  const scrollers = [...document.querySelectorAll("*")].filter((node) => {
    const style = getComputedStyle(node);
    return ["auto", "scroll"].includes(style.overflowX) && node.querySelector("table");
  });
  const inScroller = (node) => scrollers.some((box) => box !== node && box.contains(node));
  const sticking = [...document.body.querySelectorAll("*")]
    .filter((node) => node.getBoundingClientRect().right > width + 0.5 && !inScroller(node))
    .filter((node) => getComputedStyle(node).visibility !== "hidden" && node.getClientRects().length)
    .map((node) => `${node.tagName.toLowerCase()}${node.id ? "#" + node.id : ""}`
      + `.${[...node.classList].join(".")} (right ${Math.round(node.getBoundingClientRect().right)})`)
    .slice(0, 8);
  const tables = scrollers.map((box) => {
    const caption = box.querySelector("caption");
    const captionBox = caption ? caption.getBoundingClientRect() : null;
    return {
      scrolls: box.scrollWidth > box.clientWidth,
      tabindex: box.getAttribute("tabindex"),
      role: box.getAttribute("role"),
      named: Boolean(box.getAttribute("aria-label") || box.getAttribute("aria-labelledby")),
      caption: caption ? caption.textContent.trim() : "",
      captionFits: captionBox ? captionBox.left >= -0.5 && captionBox.right <= width + 0.5 : true,
    };
  });
  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: width,
    sticking,
    tables,
  };
}
"""


@pytest.fixture
def portal():
    """A programme with an open call and granted projects, an applicant with a complete draft, and a
    board with a case open."""
    programme = ProgrammeFactory(slug="elverumregionen", name="Omstillingsprogrammet for Elverumregionen")
    period = PlanPeriodFactory(programme=programme)
    areas = [
        FocusAreaFactory(plan_period=period, number=1, name="Reiseliv og opplevelsesnæringer"),
        FocusAreaFactory(plan_period=period, number=2, name="Eksisterende næringsliv med vekstpotensial"),
    ]
    call = CallFactory(
        programme=programme,
        title="Utlysning 2027",
        budget=Decimal(1900000),
        max_amount=Decimal(500000),
        max_share_percent=50,
        deadline=timezone.now() + dt.timedelta(days=30),
    )
    call.focus_areas.set(areas)
    for n, name in enumerate(["Bioraffineri på Hanestad", "Opplevelsesturisme i Åmot og Våler"]):
        GrantFactory(
            decision__application__programme=programme,
            decision__application__title=name,
            decision__application__focus_area=areas[n],
            decision__application__organisation__name=f"Hedmark Bioenergi og Opplevelser {n} AS",
        )
    applicant = UserFactory(
        email="ingrid@elvesafari.no", full_name="Ingrid Elvesafari", email_verified_at=timezone.now()
    )
    organisation = OrganisationFactory(name="Elvesafari Trysilelva AS")
    OrganisationMembershipFactory(
        organisation=organisation, user=applicant, role=OrganisationMembership.Role.ADMIN
    )
    draft = make_complete(
        ApplicationFactory(
            programme=programme,
            call=call,
            organisation=organisation,
            created_by=applicant,
            focus_area=areas[0],
            title="Elvesafari for bedriftsmarkedet",
            summary="Guidede turer på Glomma og Trysilelva for bedrifter og konferansegjester.",
        )
    )
    own_grant = GrantFactory(
        decision__application__programme=programme,
        decision__application__organisation=organisation,
        decision__application__focus_area=areas[1],
        decision__application__title="Flåteturer for konferansegjester",
    )
    board = make_board("vestre-toten", "Omstillingsprogrammet i Vestre Toten", "vestre-toten.demo")
    case = open_case(board, application_to_board(board, title="Velferdsteknologi på Raufoss"))
    return {
        "call": call,
        "applicant": applicant,
        "draft": draft,
        "grant": own_grant,
        "board": board,
        "case": case,
    }


def portal_login(page, live_server, user):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_load_state()


def step(draft, name):
    return reverse("application_step", args=[draft.pk, name])


def test_every_focusable_control_on_the_form_pages_shows_a_focus_indicator_of_3_to_1(
    live_server, browser_page, screenshot_dir, portal
):
    page = browser_page
    draft = portal["draft"]
    pages = [
        ("registrering", reverse("register"), None),
        ("start", reverse("application_start", args=[portal["call"].pk]), portal["applicant"]),
        ("prosjekt", step(draft, "prosjekt"), portal["applicant"]),
        ("budsjett", step(draft, "budsjett"), portal["applicant"]),
        ("bagatellstotte", step(draft, "bagatellstotte"), portal["applicant"]),
        ("oppsummering", step(draft, "oppsummering"), portal["applicant"]),
    ]
    # Without transitions, what is read is the focus style itself, not a frame of its fade-in.
    page.emulate_media(reduced_motion="reduce")
    failures, seen_kinds = [], set()
    for name, path, user in pages:
        if user is not None:
            portal_login(page, live_server, user)
        else:
            page.context.clear_cookies()
        page.goto(f"{live_server.url}{path}")
        # Start from the top of the page, whatever field the page puts the focus in.
        page.evaluate(
            "() => { const s = document.createElement('span'); s.tabIndex = -1;"
            " document.body.prepend(s); s.focus(); }"
        )
        visited = []
        for _press in range(80):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_JS)
            if focused is None or (visited and focused["box"] == visited[0]["box"]):
                break  # back at the start: the whole page has been walked
            visited.append(focused)
            kind = focused["tag"] if focused["tag"] != "input" else f"input[{focused['type']}]"
            if kind not in seen_kinds:
                seen_kinds.add(kind)
                x, y, width, height = focused["box"]
                page.screenshot(
                    path=str(screenshot_dir / f"fokus-{name}-{len(visited):02d}-{kind}.png"),
                    full_page=True,
                    clip={
                        "x": max(x - 16, 0),
                        "y": max(y - 16, 0),
                        "width": width + 32,
                        "height": height + 32,
                    },
                )
            if focused["ratio"] < 3:
                failures.append(f"{name}: {focused}")
        assert len(visited) >= 5, f"{name}: tabbing reached only {visited}"
    # The walk covered every kind of control the portal's forms have.
    assert {
        "a",
        "button",
        "input[text]",
        "textarea",
        "select",
        "input[checkbox]",
        "input[date]",
    } <= seen_kinds
    assert not failures, "focus indicators under 3:1:\n" + "\n".join(failures)


def test_at_320_px_every_page_reflows_without_sideways_scrolling(
    live_server, browser_page, screenshot_dir, portal
):
    page = browser_page
    page.set_viewport_size({"width": 320, "height": 720})
    draft, board = portal["draft"], portal["board"]
    anonymous = [
        ("forside", reverse("front_page")),
        ("bevilgede-prosjekter", reverse("public_grants")),
        ("logg-inn", reverse("login")),
        ("registrering", reverse("register")),
    ]
    applicant = [
        ("mine-soknader", reverse("my_applications")),
        ("organisasjoner", reverse("organisations")),
        ("ny-organisasjon", reverse("organisation_register")),
        ("start", reverse("application_start", args=[portal["call"].pk])),
        *[(f"steg-{name}", step(draft, name)) for name in ("kontakt", "prosjekt", "budsjett", "vedlegg")],
        ("steg-oppsummering", step(draft, "oppsummering")),
        ("mine-tilsagn", reverse("my_grants")),
        ("tilsagn", reverse("grant_detail", args=[portal["grant"].pk])),
        ("utbetaling", reverse("payout_request", args=[portal["grant"].pk])),
        ("resultatrapport", reverse("result_report_new", args=[portal["grant"].pk])),
    ]
    failures = []

    def visit(name, path):
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=str(screenshot_dir / f"320-{name}.png"), full_page=True)
        axe = AXE.run(page)
        if axe.violations_count:
            failures.append(f"{name}: axe-core at 320 px:\n{axe.generate_report()}")
        result = page.evaluate(REFLOW_JS)
        if result["scrollWidth"] > result["innerWidth"]:
            failures.append(
                f"{name}: scrollWidth {result['scrollWidth']} > {result['innerWidth']}: {result['sticking']}"
            )
        for table in result["tables"]:
            if table["scrolls"] and not (
                table["tabindex"] == "0" and table["role"] == "region" and table["named"]
            ):
                failures.append(f"{name}: a scrolling table's box is not a named, focusable region: {table}")
            if table["caption"] and not table["captionFits"]:
                failures.append(f"{name}: the caption «{table['caption']}» runs out of the window")

    for name, path in anonymous:
        visit(name, path)
    portal_login(page, live_server, portal["applicant"])
    for name, path in applicant:
        visit(name, path)
    member = board.seats[1].user
    browser_login(page, live_server, member)
    page.wait_for_url(f"{live_server.url}/admin/")
    visit("styresak", case_url(portal["case"]))

    assert not failures, "\n".join(failures)
