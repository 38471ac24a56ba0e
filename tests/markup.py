"""Reading a page's head as machines do: meta tags, links and JSON-LD blocks."""

import json
from html.parser import HTMLParser


class Head(HTMLParser):
    """Collects ``<meta>`` tags by name or property, ``<link>`` tags by rel, and JSON-LD."""

    def __init__(self):
        super().__init__()
        self.meta, self.links, self.jsonld = {}, {}, []
        self._in_jsonld = False
        self._buffer = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.meta.setdefault(attrs.get("property") or attrs.get("name"), attrs.get("content"))
        if tag == "link" and attrs.get("rel"):
            self.links.setdefault(attrs["rel"], attrs.get("href"))
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_jsonld, self._buffer = True, []

    def handle_data(self, data):
        if self._in_jsonld:
            self._buffer.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_jsonld:
            self._in_jsonld = False
            self.jsonld.append(json.loads("".join(self._buffer)))


def read_html(html: str) -> Head:
    head = Head()
    head.feed(html)
    return head


def read_head(response) -> Head:
    return read_html(response.content.decode())
