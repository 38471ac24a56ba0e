"""The public lists on a phone (390×844 and 320×640): filters that wait, results in view,
nothing cut off. Uses the ``server`` and ``watched`` fixtures of test_browser_public."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from . import test_browser_public as public
from .test_browser_public import assert_private_and_clean

# The live server with the seed, and the page that logs requests and errors.
server = public.server
watched = public.watched

pytestmark = pytest.mark.browser

PHONES = [{"width": 390, "height": 844}, {"width": 320, "height": 640}]
SHOTS = Path("/work/wt/reading-shots")


def heading_in_view_and_focused(page) -> bool:
    return page.evaluate(
        """() => {
            const h = document.getElementById("results");
            const box = h.getBoundingClientRect();
            // Within a pixel: fonts with fractional line heights land the top at -0.06.
            return document.activeElement === h && box.top > -1 && box.bottom <= innerHeight;
        }"""
    )


def cut_off_cells(page) -> list[str]:
    """Cells of the station list whose text is wider than the cell, and page overflow."""
    return page.evaluate(
        """() => {
            const cells = "table.records tbody th, table.records tbody td";
            const bad = [...document.querySelectorAll(cells)]
                .filter(c => c.offsetParent && c.scrollWidth > c.clientWidth + 1)
                .map(c => c.textContent.trim().slice(0, 40));
            const doc = document.documentElement;
            if (doc.scrollWidth > innerWidth + 1) bad.push(`page ${doc.scrollWidth}px`);
            const list = document.querySelector(".table-scroll");
            if (list && list.scrollWidth > list.clientWidth + 1) bad.push("list scrolls sideways");
            return bad;
        }"""
    )


@pytest.mark.parametrize("size", PHONES, ids=["390", "320"])
def test_after_filtering_the_results_heading_is_in_view_and_focused(watched, size):
    page, base, log = watched
    page.set_viewport_size(size)
    page.goto(f"{base}/stations/")
    # The filters are folded into their button on a phone.
    expect(page.locator("#id_continent")).to_be_hidden()
    page.locator(".filter-panel > summary").click()
    page.select_option("#id_continent", "europe")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/stations/?continent=europe#results")
    expect(page.locator("#results")).to_have_text("38 stations")
    assert heading_in_view_and_focused(page)
    expect(page.locator(".filter-panel > summary")).to_have_text("Filter (1)")
    expect(page.locator(".chip")).to_have_count(1)
    assert_private_and_clean(base, log)


@pytest.mark.parametrize("size", PHONES, ids=["390", "320"])
@pytest.mark.parametrize("query", ["", "?q=Rotterdam", "?country=GBR"])
def test_no_text_of_the_station_list_is_cut_off(watched, size, query):
    page, base, log = watched
    page.set_viewport_size(size)
    page.goto(f"{base}/stations/{query}")
    assert cut_off_cells(page) == []
    # Code, place and status come first on each card.
    first = page.locator("table.records tbody tr").first
    code_box = first.locator("th").bounding_box()
    status_box = first.locator("td").last.bounding_box()
    assert abs(code_box["y"] - status_box["y"]) < 20
    assert_private_and_clean(base, log)


def test_a_keyboard_user_changes_two_drop_downs_and_applies_once(watched):
    page, base, log = watched
    page.set_viewport_size(PHONES[0])
    page.goto(f"{base}/stations/")
    loads = []
    page.on("load", lambda: loads.append(page.url))
    page.locator(".filter-panel > summary").focus()
    page.keyboard.press("Enter")  # opens the folded filters
    page.locator("#id_continent").focus()
    page.keyboard.press("ArrowDown")  # a closed drop-down changes its value, nothing more
    page.locator("#id_status").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(300)
    assert loads == [] and page.url.endswith("/stations/")
    continent = page.locator("#id_continent").input_value()
    status = page.locator("#id_status").input_value()
    assert continent and status
    page.get_by_role("button", name="Apply filters").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/stations/?continent={continent}&status={status}#results")
    assert len(loads) == 1
    assert heading_in_view_and_focused(page)
    assert_private_and_clean(base, log)


def test_phone_screenshots(watched):
    """Not a check: pictures of the phone station list and a station page for review."""
    page, base, log = watched
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONES[0])
    page.goto(f"{base}/stations/?q=Rotterdam#results")
    page.screenshot(path=str(SHOTS / "stations-search-390.png"), full_page=False)
    page.goto(f"{base}/stations/")
    page.screenshot(path=str(SHOTS / "stations-390.png"), full_page=True)
    page.goto(f"{base}/stations/NLD04/")
    page.screenshot(path=str(SHOTS / "station-NLD04-390.png"), full_page=True)
    page.set_viewport_size(PHONES[1])
    page.goto(f"{base}/stations/?country=GBR#results")
    page.screenshot(path=str(SHOTS / "stations-gbr-320.png"), full_page=False)
    page.goto(f"{base}/events/?type=investigation&from=2022&to=2023#results")
    page.screenshot(path=str(SHOTS / "events-investigations-320.png"), full_page=True)
