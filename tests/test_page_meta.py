"""Every public page declares its canonical address and a link-preview card."""

import pytest

from .markup import read_head

pytestmark = pytest.mark.django_db

#: One page of each public type, and the canonical address it must declare.
PAGES = {
    "/": "http://testserver/",
    "/stations/": "http://testserver/stations/",
    "/stations/IRL01/": "http://testserver/stations/IRL01/",
    "/events/": "http://testserver/events/",
    "/events/2022-10-dublin-closure-order/": (
        "http://testserver/events/2022-10-dublin-closure-order/"
    ),
    "/sources/": "http://testserver/sources/",
    "/sources/irl-dail-2022-12-13/": "http://testserver/sources/irl-dail-2022-12-13/",
    "/countries/NLD/": "http://testserver/countries/NLD/",
    "/bureaus/qingtian/": "http://testserver/bureaus/qingtian/",
    "/about/": "http://testserver/about/",
}


@pytest.mark.parametrize("url", list(PAGES))
def test_page_declares_canonical_open_graph_and_twitter_card(client, url):
    response = client.get(url)
    assert response.status_code == 200
    head = read_head(response)
    assert head.links["canonical"] == PAGES[url]
    assert head.meta["og:url"] == PAGES[url]
    assert head.meta["og:site_name"] == "Overseas Station Tracker"
    assert head.meta["og:type"] in ("website", "article")
    assert head.meta["og:title"]
    assert head.meta["og:description"] == head.meta["description"]
    # The card image is served by this site, at an absolute address.
    assert head.meta["og:image"] == "http://testserver/static/tracker/card.png"
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["twitter:title"] == head.meta["og:title"]
    assert head.meta["twitter:image"] == head.meta["og:image"]


def test_record_pages_preview_with_their_own_title(client):
    head = read_head(client.get("/stations/IRL01/"))
    assert head.meta["og:type"] == "article"
    assert head.meta["og:title"].startswith("IRL01: overseas police station in Dublin, Ireland")
    assert "Fuzhou City Public Security Bureau" in head.meta["og:description"]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # Blank filters, the first page and unknown parameters add nothing.
        ("/stations/?country=&bureau=&page=1&utm_source=chat", "http://testserver/stations/"),
        # Filters stay, in one order, whichever order the link had.
        (
            "/stations/?country=NLD&bureau=qingtian&country=ESP",
            "http://testserver/stations/?bureau=qingtian&country=ESP&country=NLD",
        ),
        ("/events/?year=2022&page=2", "http://testserver/events/?page=2&year=2022"),
        ("/events/?page=abc", "http://testserver/events/"),
        ("/stations/IRL01/?page=3&ref=x", "http://testserver/stations/IRL01/"),
        ("/countries/NLD/?page=1", "http://testserver/countries/NLD/"),
    ],
)
def test_canonical_url_drops_noise(client, url, canonical):
    assert read_head(client.get(url)).links["canonical"] == canonical


def test_card_image_is_served_from_this_site():
    from django.contrib.staticfiles import finders

    path = finders.find("tracker/card.png")
    with open(path, "rb") as image:
        assert image.read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_header_links_to_the_methodology_page(client):
    html = client.get("/").content.decode()
    assert 'href="/about/"' in html
    assert "#about" not in html.split("</header>")[0]
