"""axe-core's WCAG 2.1 A and AA rules on every public page type, in all three languages,
in Debian's Chromium; and keyboard use of the map.

axe-core is vendored from the npm registry as tests/data/axe.min.js (4.14.1, MPL-2.0,
licence beside it): test data, never served by the site.
"""

import os
from pathlib import Path

import pytest

from .test_browser_public import server  # noqa: F401 -- the live server with the seed

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "data" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PREFIXES = {"en": "", "zh-hans": "/zh-hans", "zh-hant": "/zh-hant"}
PAGE_TYPES = {
    "home": "/",
    "stations": "/stations/?q=london",
    "station": "/stations/GBR02/",
    "events": "/events/",
    "event": "/events/2022-10-dublin-closure-order/",
    "sources": "/sources/",
    "source": "/sources/irl-dail-2022-12-13/",
    "country": "/countries/NLD/",
    "bureau": "/bureaus/qingtian/",
    "about": "/about/",
    "changes": "/changes/",
    "data": "/data/",
    "tips": "/tips/",
    "not-found": "/no-such-page/",
}
#: Where screenshots go when asked for (not committed).
SHOTS = os.environ.get("TRACKER_SCREENSHOTS", "")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe is injected as a script; the site's Content-Security-Policy rightly refuses
    # scripts it did not serve, so the test context sets it aside for axe alone.
    return {**browser_context_args, "bypass_csp": True}


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run({runOnly: {type: 'tag', values: %s}})" % WCAG_21_AA  # noqa: UP031
    )
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


@pytest.mark.parametrize("language", PREFIXES)
@pytest.mark.parametrize("kind", PAGE_TYPES)
def test_no_wcag_violation_on_any_public_page_type(page, server, kind, language):  # noqa: F811
    page.goto(server + PREFIXES[language] + PAGE_TYPES[kind])
    assert page.locator("html").get_attribute("lang") in {"en", "zh-Hans", "zh-Hant"}
    assert axe_violations(page) == []
    if SHOTS and kind in {"home", "station"}:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{kind}-{language}.png", full_page=kind == "station")


def test_map_countries_are_reached_and_followed_by_keyboard(page, server):  # noqa: F811
    page.goto(server + "/zh-hans/")
    links = page.locator("svg.worldmap a")
    assert links.count() > 10
    links.first.focus()
    focused_name = page.evaluate("document.activeElement.querySelector('title').textContent")
    assert "个站点" in focused_name
    page.keyboard.press("Enter")
    page.wait_for_url("**/zh-hans/countries/*/")
