"""The public site in a real browser: filters, map, every page type, privacy.

Each test records every request the page makes and every console message:
no request may go to a host other than the test server, and the console
must stay free of errors (a Content-Security-Policy violation is one).
"""

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PAGE_TYPES = {
    "home": "/",
    "stations": "/stations/",
    "stations-filtered": "/stations/?bureau=qingtian&country=ESP",
    "station": "/stations/IRL01/",
    "events": "/events/",
    "event": "/events/2022-10-dublin-closure-order/",
    "sources": "/sources/",
    "source": "/sources/irl-dail-2022-12-13/",
    "country": "/countries/NLD/",
    "bureau": "/bureaus/qingtian/",
    "about": "/about/",
    "not-found": "/no-such-page/",
}


@pytest.fixture
def server(transactional_db, live_server, settings):
    """live_server's URL with the seed loaded and middleware reloaded under the test settings."""
    # transactional_db empties the tables: load the seed again.
    call_command("seed", verbosity=0)
    handler = live_server.thread.httpd.get_app().application
    handler.load_middleware()
    yield live_server.url
    handler.load_middleware()


@pytest.fixture
def watched(page, server):
    """The page, with a log of requested URLs and console errors."""
    log = {"requests": [], "errors": []}
    page.on("request", lambda request: log["requests"].append(request.url))
    page.on(
        "console",
        lambda message: (
            log["errors"].append(f"{page.url}: {message.text}") if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: log["errors"].append(f"{page.url}: {error}"))
    return page, server, log


def assert_private_and_clean(server, log, expected_errors=()):
    host = urlsplit(server).netloc
    others = {urlsplit(url).netloc for url in log["requests"]} - {host}
    assert others == set(), f"requests to other hosts: {others}"
    errors = [e for e in log["errors"] if not any(allowed in e for allowed in expected_errors)]
    assert errors == []


def test_filters_narrow_the_station_list_and_chips_remove_them(watched):
    page, server, log = watched
    page.goto(f"{server}/stations/")
    expect(page.locator(".result-count")).to_have_text("70 stations")
    # Choices wait for the button: nothing happens on change.
    page.select_option("#id_bureau", "qingtian")
    page.get_by_label("Spain (9)").check()
    assert "bureau" not in page.url
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/stations/?*bureau=qingtian*country=ESP*")
    expect(page.locator(".result-count")).to_have_text("4 stations")
    expect(page.locator("table.records tbody tr")).to_have_count(4)
    # The chip removes the bureau and keeps the country.
    page.get_by_role(
        "link", name="Remove filter Bureau: Qingtian County Public Security Bureau"
    ).click()
    expect(page.locator(".result-count")).to_have_text("9 stations")
    csv_link = page.get_by_role("link", name="CSV", exact=True)
    assert csv_link.get_attribute("href") == "/stations.csv?country=ESP"
    assert_private_and_clean(server, log)


def test_search_box_finds_stations_by_chinese_name(watched):
    page, server, log = watched
    page.goto(f"{server}/")
    page.get_by_label("Search stations").fill("青田")
    page.get_by_label("Search stations").press("Enter")
    expect(page.locator(".result-count")).to_have_text("22 stations")
    assert_private_and_clean(server, log)


def test_filters_work_without_javascript(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/stations/")
    page.select_option("#id_continent", "africa")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".result-count")).to_have_text("11 stations")
    context.close()


def test_map_country_links_to_its_page(watched):
    page, server, log = watched
    page.goto(f"{server}/")
    spain = page.locator('svg.worldmap a[href="/countries/ESP/"]')
    expect(spain).to_have_count(1)
    spain.locator("path").click()
    page.wait_for_url("**/countries/ESP/")
    expect(page.locator("h1")).to_have_text("Spain")
    expect(page.locator(".lede").first).to_contain_text("9 stations")
    # The country map marks the city named for its stations (Madrid).
    expect(page.locator("svg.worldmap .station-dot").first).to_be_visible()
    assert_private_and_clean(server, log)


def test_map_is_reachable_by_keyboard(watched):
    page, server, log = watched
    page.goto(f"{server}/")
    page.locator('svg.worldmap a[href="/countries/NLD/"]').focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/countries/NLD/")
    assert_private_and_clean(server, log)


@pytest.mark.parametrize("width", [1280, 390], ids=["laptop", "phone"])
def test_every_page_type_renders_privately_and_without_errors(watched, width):
    page, server, log = watched
    page.set_viewport_size({"width": width, "height": 900})
    for name, path in PAGE_TYPES.items():
        response = page.goto(f"{server}{path}")
        assert response.status == (404 if name == "not-found" else 200), path
        expect(page.locator("h1")).to_be_visible()
        # Nothing spills sideways on a phone: the page is no wider than the screen.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} is {overflow}px too wide at {width}px"
        suffix = "" if width == 1280 else "-phone"
        page.screenshot(path=f"/tmp/public-{name}{suffix}.png", full_page=True)
    # The 404 page's own status is reported by Chromium as a failed resource.
    assert_private_and_clean(server, log, expected_errors=["404 (Not Found)"])


def test_station_page_carries_json_ld_a_reference_manager_can_read(watched):
    page, server, log = watched
    page.goto(f"{server}/stations/IRL01/")
    blocks = page.eval_on_selector_all(
        'script[type="application/ld+json"]',
        "scripts => scripts.map(script => JSON.parse(script.textContent))",
    )
    assert len(blocks) == 1
    data = blocks[0]
    assert data["url"] == f"{server}/stations/IRL01/"
    assert data["name"] == "IRL01: overseas police service station in Dublin, Ireland"
    assert data["isPartOf"]["@type"] == "Dataset"
    assert data["about"]["address"]["addressLocality"] == "Dublin"
    assert data["citation"]
    # The citation tags Zotero reads agree with it.
    title = page.locator('meta[name="citation_title"]').get_attribute("content")
    assert title == data["name"]
    # The data block is not code: the strict CSP reports nothing.
    assert_private_and_clean(server, log)
