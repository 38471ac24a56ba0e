"""The whole curation loop in a real browser: a researcher drafts, an editor publishes."""

import re
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from playwright.sync_api import expect

from tracker.models import Source, State, Station

CODE = "NLD95"


@pytest.fixture
def cast(transactional_db, django_user_model, settings):
    # transactional_db empties the tables: load the seed and the roles again.
    call_command("seed", verbosity=0)
    call_command("setup_roles", verbosity=0)
    # live_server finds static files itself; no collectstatic manifest needed.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    for username, group in (("rita", "Researchers"), ("eddie", "Editors")):
        user = django_user_model.objects.create_user(username, password="pass", is_staff=True)
        user.groups.add(Group.objects.get(name=group))


@pytest.fixture
def server(live_server, cast):
    """live_server's URL, its middleware reloaded under this test's settings.

    The session-wide server loaded SecurityMiddleware (which reads
    SECURE_SSL_REDIRECT once) before the plain-HTTP test settings applied.
    """
    # StaticFilesHandler(_MediaFilesHandler(WSGIHandler())): the media handler runs
    # its own middleware chain around every request.
    handler = live_server.thread.httpd.get_app().application
    handler.load_middleware()
    yield live_server.url
    handler.load_middleware()


def log_in(page, base, username):
    page.context.clear_cookies()
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass")
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def choose(page, select_id, search, label=None):
    """Pick an option in an admin autocomplete (select2) widget by typing into its search."""
    page.locator(f"#{select_id} ~ .select2").first.click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    option = page.locator(".select2-results__option", has_text=label or search).first
    option.wait_for()
    option.click()


@pytest.mark.browser
def test_researcher_drafts_and_editor_publishes(server, page):
    base = server
    page.set_viewport_size({"width": 1366, "height": 768})

    # A researcher creates a draft station with a citation and sends it to review.
    log_in(page, base, "rita")
    page.screenshot(path="/tmp/admin-index.png", full_page=True)
    page.goto(f"{base}/admin/tracker/station/add/")
    page.fill("#id_code", CODE)
    choose(page, "id_country", "Netherlands")
    page.fill("#id_city", "Utrecht")
    choose(page, "id_bureau", "Wenzhou")
    page.click("#citations-group .add-row a")
    source = Source.objects.get(key="safeguard-2022-09")
    choose(page, "id_citations-0-source", source.key, label=str(source))
    page.fill("#id_citations-0-locator", "p. 4")
    page.screenshot(path="/tmp/admin-station-add.png", full_page=True)
    page.locator("input[name=_send_to_review]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("is now in review")
    page.screenshot(path="/tmp/admin-station-list.png")

    # Not public yet.
    assert page.goto(f"{base}/stations/{CODE}/").status == 404

    # An editor finds it waiting for review and publishes it from its page.
    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/needs-work/")
    page.screenshot(path="/tmp/admin-needs-work.png", full_page=True)
    page.get_by_role("link", name="Stations waiting for review").click()
    page.get_by_role("link", name=CODE).click()
    page.screenshot(path="/tmp/admin-station-change.png", full_page=True)
    page.locator("input[name=_publish]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("is now published")

    page.goto(f"{base}/admin/tracker/station/?q={CODE}")
    page.get_by_role("link", name=CODE).click()
    page.get_by_role("link", name="History").click()
    expect(page.locator("#content")).to_contain_text("Published")
    page.screenshot(path="/tmp/admin-station-history.png", full_page=True)

    for model in ("event", "source"):
        page.goto(f"{base}/admin/tracker/{model}/")
        page.screenshot(path=f"/tmp/admin-{model}-list.png")

    response = page.goto(f"{base}/stations/{CODE}/")
    assert response.status == 200
    expect(page.locator("body")).to_contain_text(re.compile(CODE))


@pytest.mark.browser
def test_researcher_proposes_and_editor_publishes_a_correction(server, page):
    base = server
    log_in(page, base, "rita")
    page.goto(f"{base}/admin/tracker/station/?q=GBR01")
    page.get_by_role("link", name="GBR01").click()
    page.fill("#id_location", "Croydon High Street")
    page.fill("#id_public_note", "Named in the BBC report.")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("kept as a proposal")
    assert "Croydon High Street" not in page.context.request.get(f"{base}/stations/GBR01/").text()

    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/tracker/station/?q=GBR01")
    page.get_by_role("link", name="GBR01").click()
    proposal = page.locator(".proposal").first
    expect(proposal).to_contain_text("Croydon High Street")
    page.screenshot(path="/tmp/admin-proposal.png", full_page=True)
    proposal.locator("textarea").fill("Location from the BBC report.")
    proposal.locator("input[name=_publish_proposal]").click()
    expect(page.locator(".messagelist")).to_contain_text("Proposal published")

    page.goto(f"{base}/stations/GBR01/")
    expect(page.locator("body")).to_contain_text("Croydon High Street")
    page.goto(f"{base}/changes/")
    expect(page.locator("body")).to_contain_text("Location from the BBC report.")


@pytest.mark.browser
def test_researchers_day_from_source_to_published_station(server, page):
    """A source, a station citing it and an event, sent to review with notes; the
    editor previews and publishes the station with its source. Counts page loads: 24
    (the same day acted out on the admin before the curation work took 32, three of
    them failed saves and the source published on its own after the station)."""
    base = server
    page.set_viewport_size({"width": 1366, "height": 768})
    loads = []
    # Every page the browser shows, as each document commits (a "load" listener can
    # miss a page the next step leaves before its images have loaded).
    page.on("framenavigated", lambda frame: frame == page.main_frame and loads.append(frame.url))

    log_in(page, base, "rita")
    # A source: the key is made from the publisher and the month, as typed.
    page.goto(f"{base}/admin/tracker/source/add/")
    page.fill("#id_title", "Chinese police station in Reykjavík")
    page.fill("#id_publisher", "RÚV")
    page.fill("#id_published_on", "2023-03")
    page.locator("input[name=_send_to_review]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("is now in review")
    source = Source.objects.get(key="ruv-2023-03")
    assert source.published_precision == "month"

    # A station: the country's next free code is offered; it cites the new source.
    page.goto(f"{base}/admin/tracker/station/add/?country=ISL")
    expect(page.locator("#id_code")).to_have_value("ISL01")
    page.fill("#id_city", "Reykjavík")
    choose(page, "id_bureau", "Wenzhou")
    page.click("#citations-group .add-row a")
    choose(page, "id_citations-0-source", "ruv-2023", label=str(source))
    page.fill("#id_citations-0-locator", "para. 2")
    page.fill("#id_note_for_editor", "The city is from RÚV; no address yet.")
    page.locator("input[name=_send_to_review]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("is now in review")
    # The curator stays on the record, which shows the source's state in its row.
    expect(page.locator("#citations-group")).to_contain_text("In review")

    # An event with a month-only date, naming the station.
    page.goto(f"{base}/admin/tracker/event/add/")
    page.fill("#id_title", "Reykjavík station reported")
    page.fill("#id_date", "2023-03")
    page.select_option("#id_type", "report")
    choose(page, "id_stations", "ISL01")
    page.click("#citations-group .add-row a")
    choose(page, "id_citations-0-source", "ruv-2023", label=str(source))
    page.locator("input[name=_send_to_review]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("is now in review")
    expect(page.locator("#id_date")).to_have_value("2023-03")

    # A sheet of one more station, with a mistake in its country: the preview names
    # the row and suggests the code; fixed, it imports as a draft.
    sheet = Path(tempfile.mkdtemp()) / "stations.csv"
    header = "code,country,city,bureau,sources\n"
    sheet.write_text(header + "ISL02,ICL,Akureyri,wenzhou,ruv-2023-03\n", encoding="utf-8")
    page.goto(f"{base}/admin/tracker/station/import/")
    page.select_option("#id_format", label="csv")
    page.set_input_files("#id_import_file", str(sheet))
    page.locator("form input[type=submit]").first.click()
    expect(page.locator("body")).to_contain_text("ISL (Iceland)")
    assert not Station.objects.filter(code="ISL02").exists()
    sheet.write_text(header + "ISL02,ISL,Akureyri,wenzhou,ruv-2023-03\n", encoding="utf-8")
    page.goto(f"{base}/admin/tracker/station/import/")
    page.select_option("#id_format", label="csv")
    page.set_input_files("#id_import_file", str(sheet))
    page.locator("form input[type=submit]").first.click()
    expect(page.locator("body")).to_contain_text("Iceland (ISL)")
    page.locator("input[name=confirm]").click()
    expect(page.locator(".messagelist")).to_contain_text("1 new")
    assert Station.objects.get(code="ISL02").state == State.DRAFT

    # The editor reads the note, previews the page and publishes with the source.
    log_in(page, base, "eddie")
    page.goto(f"{base}/admin/needs-work/")
    expect(page.locator("#review-queue")).to_contain_text("no address yet")
    page.locator("#review-queue").get_by_role("link", name=re.compile("ISL01")).click()
    preview = page.get_by_role("link", name="Preview the public page").first.get_attribute("href")
    page.goto(f"{base}{preview}")
    expect(page.locator(".preview-banner")).to_contain_text("Preview — not published")
    page.screenshot(path="/tmp/admin-preview.png", full_page=True)
    page.get_by_role("link", name="Back to the record").click()
    page.locator("input[name=_publish_with_sources]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("is now published")

    page.goto(f"{base}/admin/needs-work/")
    page.locator("#review-queue").get_by_role("link", name=re.compile("Reykjavík station")).click()
    page.locator("input[name=_publish]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("is now published")

    response = page.goto(f"{base}/stations/ISL01/")
    assert response.status == 200
    expect(page.locator("body")).to_contain_text("RÚV")
    print(f"\nresearcher's day: {len(loads)} page loads")

    # Back at work, the researcher adds the imported station's location with a plain
    # Save: the list it returns to shows that station highlighted, and only that one.
    log_in(page, base, "rita")
    page.goto(f"{base}/admin/tracker/station/?q=ISL")
    page.get_by_role("link", name="ISL02").click()
    page.fill("#id_location", "Akureyri harbour")
    page.locator("input[name=_save]").first.click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    saved = page.locator("#result_list tbody tr", has_text="ISL02")
    other = page.locator("#result_list tbody tr", has_text="ISL01")
    expect(saved).to_have_class("saved-record")
    expect(page.locator("#result_list tr.saved-record")).to_have_count(1)
    colour = "el => getComputedStyle(el).backgroundColor"
    assert saved.evaluate(colour) != other.evaluate(colour)
    assert saved.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.screenshot(path="/tmp/admin-saved-highlight.png")
