"""Privacy: the public site loads nothing from another host, under a strict CSP."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("tracker:home"),
    reverse("tracker:station_list"),
    reverse("tracker:station_detail", args=["IRL01"]),
    reverse("tracker:event_list"),
    reverse("tracker:event_detail", args=["2022-10-dublin-closure-order"]),
    reverse("tracker:source_list"),
    reverse("tracker:source_detail", args=["irl-dail-2022-12-13"]),
    reverse("tracker:country_detail", args=["NLD"]),
    reverse("tracker:bureau_detail", args=["qingtian"]),
    "/no-such-page/",
]


class Loads(HTMLParser):
    """Collects what a browser would fetch on its own, and any inline script or style."""

    def __init__(self):
        super().__init__()
        self.fetched, self.inline = [], []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.inline.append(f"style attribute on <{tag}>")
        if any(name.startswith("on") for name in attrs):
            self.inline.append(f"event handler on <{tag}>")
        if tag == "style":
            self.inline.append("<style> element")
        if tag == "script":
            if attrs.get("type") == "application/ld+json":
                # A data block (schema.org metadata): never run, not subject to script-src.
                pass
            elif attrs.get("src"):
                self.fetched.append(attrs["src"])
            else:
                self.inline.append("inline <script>")
        if tag in ("img", "iframe", "audio", "video", "source", "embed") and attrs.get("src"):
            self.fetched.append(attrs["src"])
        # rel=canonical names the page's own address, rel=alternate hreflang the same page
        # in another language; a browser fetches neither.
        names_a_page = attrs.get("rel") == "canonical" or attrs.get("hreflang")
        if tag == "link" and attrs.get("href") and not names_a_page:
            self.fetched.append(attrs["href"])


def parse(html):
    loads = Loads()
    loads.feed(html)
    return loads


@pytest.mark.parametrize("url", PAGES)
def test_page_fetches_only_from_the_site_and_has_no_inline_code(client, url):
    response = client.get(url)
    loads = parse(response.content.decode())
    assert loads.fetched, "the stylesheet at least"
    for address in loads.fetched:
        assert address.startswith("/") and not address.startswith("//"), address
    assert loads.inline == []


@pytest.mark.parametrize("url", PAGES)
def test_content_security_policy_allows_only_the_site(client, url):
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    for name in ("default-src", "script-src", "style-src", "img-src", "font-src", "connect-src"):
        assert directives[name] == "'self'", name
    assert "unsafe-inline" not in policy and "http" not in policy


def test_site_serves_its_own_favicon(client):
    html = client.get(reverse("tracker:home")).content.decode()
    assert '<link rel="icon" href="/static/tracker/favicon.svg"' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/tracker/favicon")


def test_referrer_is_not_sent_to_other_sites(client):
    response = client.get(reverse("tracker:station_detail", args=["IRL01"]))
    assert response["Referrer-Policy"] == "same-origin"
    html = response.content.decode()
    assert 'rel="noopener noreferrer nofollow" class="external"' in html
