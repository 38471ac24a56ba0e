"""robots.txt and /sitemap.xml: crawlers find every published page and nothing else."""

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tracker.models import State, Station
from tracker.sitemaps import StationSitemap

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def parse_xml(content: bytes) -> ET.Element:
    """Our own sitemap's XML, parsed as a crawler would (no entities to expand)."""
    return ET.fromstring(content)  # noqa: S314 -- the site's own output, not untrusted input


def sitemap_urls(client) -> dict[str, str | None]:
    """Every page the sitemap index leads to, with its lastmod, read as a crawler would."""
    index = parse_xml(client.get(reverse("tracker:sitemap")).content)
    assert index.tag == f"{{{NS['sm']}}}sitemapindex"
    pages = {}
    for loc in index.findall("sm:sitemap/sm:loc", NS):
        part = urlsplit(loc.text)
        response = client.get(part.path, {"p": part.query[2:]} if part.query else {})
        assert response.status_code == 200, loc.text
        urlset = parse_xml(response.content)
        for url in urlset.findall("sm:url", NS):
            lastmod = url.find("sm:lastmod", NS)
            pages[url.find("sm:loc", NS).text] = lastmod.text if lastmod is not None else None
    return pages


def test_robots_txt_keeps_crawlers_out_of_the_admin_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /tips/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    # The public site stays open to crawlers.
    assert "Disallow: /" not in lines


def test_sitemap_lists_every_published_station_and_no_draft(client):
    draft = Station.objects.published().order_by("code").first()
    draft.state = State.DRAFT
    draft.save()
    pages = sitemap_urls(client)
    published = Station.objects.published()
    assert published.count() == 69
    for station in published:
        assert f"http://testserver{station.get_absolute_url()}" in pages
    assert f"http://testserver{draft.get_absolute_url()}" not in pages


def test_sitemap_lists_events_sources_countries_bureaus_and_pages(client):
    pages = sitemap_urls(client)
    for path in [
        "/",
        "/stations/",
        "/about/",
        "/events/2022-10-dublin-closure-order/",
        "/sources/irl-dail-2022-12-13/",
        "/countries/NLD/",
        "/bureaus/qingtian/",
    ]:
        assert f"http://testserver{path}" in pages, path
    # A country without a published station has no page worth announcing.
    assert "http://testserver/countries/ISL/" not in pages


def test_sitemap_gives_each_record_its_last_change(client):
    station = Station.objects.get(code="IRL01")
    pages = sitemap_urls(client)
    assert pages["http://testserver/stations/IRL01/"] == station.updated_at.date().isoformat()


def test_a_large_section_is_split_into_parts_listed_in_the_index(client, monkeypatch):
    monkeypatch.setattr(StationSitemap, "limit", 30)
    index = parse_xml(client.get(reverse("tracker:sitemap")).content)
    locs = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert "http://testserver/sitemap-stations.xml" in locs
    # 70 stations in three languages, 30 pages a part.
    assert "http://testserver/sitemap-stations.xml?p=7" in locs
    pages = sitemap_urls(client)
    english = [url for url in pages if url.startswith("http://testserver/stations/")]
    assert sum(url.count("/") == 5 for url in english) == 70
    # The 70 station pages and the station list, in Traditional Chinese.
    assert sum(url.startswith("http://testserver/zh-hant/stations/") for url in pages) == 71


def test_every_page_is_listed_in_each_language_with_its_alternates(client):
    response = client.get("/sitemap-stations.xml")
    root = parse_xml(response.content)
    xhtml = "{http://www.w3.org/1999/xhtml}link"
    entry = next(
        url
        for url in root.findall("sm:url", NS)
        if url.find("sm:loc", NS).text == "http://testserver/zh-hans/stations/IRL01/"
    )
    alternates = {link.get("hreflang"): link.get("href") for link in entry.iter(xhtml)}
    assert alternates == {
        "en": "http://testserver/stations/IRL01/",
        "zh-hans": "http://testserver/zh-hans/stations/IRL01/",
        "zh-hant": "http://testserver/zh-hant/stations/IRL01/",
        "x-default": "http://testserver/stations/IRL01/",
    }
