"""Sending a tip in a real browser with JavaScript off, on a phone-sized screen."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.test_browser_public import server  # noqa: F401 -- the live server with the seed
from tracker.models import Tip

pytestmark = pytest.mark.browser


def test_tip_sent_without_javascript_and_its_status_read(browser, server):  # noqa: F811
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server}/stations/IRL01/")
    page.get_by_role("link", name="Report an error or add information").click()
    page.wait_for_url("**/tips/?station=IRL01")
    expect(page.get_by_label("Which station or event? (optional)")).to_have_value("IRL01")
    expect(page.get_by_role("heading", name="What we keep")).to_be_visible()
    # The honeypot is out of sight and out of the accessibility tree.
    expect(page.get_by_label("Leave this field empty")).to_be_hidden()

    page.get_by_label("What did you see, or what is wrong?").fill(
        "The office on Capel Street closed; a <b>sign</b> is still up."
    )
    page.get_by_label("Links to sources (optional)").fill("not a link")
    page.wait_for_timeout(3200)  # a person takes longer than the form's minimum
    page.get_by_role("button", name="Send the tip").click()
    # Refused at the field, with the text kept.
    links = page.get_by_label("Links to sources (optional)")
    expect(links).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_links_error")).to_contain_text("Line 1 is not a web address")
    expect(page.get_by_label("What did you see, or what is wrong?")).to_have_value(
        "The office on Capel Street closed; a <b>sign</b> is still up."
    )
    links.fill("https://example.org/report")
    page.wait_for_timeout(3200)
    page.get_by_role("button", name="Send the tip").click()

    expect(page.get_by_role("heading", name="Thank you: your tip is saved")).to_be_visible()
    receipt = page.locator(".receipt").inner_text()
    tip = Tip.objects.get(receipt=receipt)
    assert tip.station.code == "IRL01" and tip.links == ["https://example.org/report"]

    page.goto(f"{server}/tips/{receipt}/")
    expect(page.locator(".tip-state")).to_have_text("New")
    expect(page.locator("main")).not_to_contain_text("Capel Street")
    hosts = {urlsplit(url).netloc for url in requested}
    assert hosts == {urlsplit(server).netloc}
    context.close()
