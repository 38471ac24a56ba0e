"""How a station, event or source page is cited, in every form a reader or machine asks for.

``record_citation()`` builds the one description of a record's page (title,
address, last change, the sources behind it); the "Cite this page" box, the
schema.org JSON-LD, the Highwire ``citation_*`` meta tags that reference
managers read, and the BibTeX and RIS downloads are all written from it, so
they cannot disagree.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import text
from .dataset import SITE_NAME, dataset_reference, publisher
from .models import Event, Source, Station


@dataclass(frozen=True)
class CitedSource:
    """A published source behind a record, as its citation lists it."""

    key: str
    title: str
    authors: str
    publisher: str
    published: str  # ISO 8601 at its precision: 2022, 2022-09 or 2022-09-12; blank if unknown
    url: str
    archived_url: str
    locator: str = ""

    @classmethod
    def of(cls, source: Source, locator: str = "") -> CitedSource:
        return cls(
            key=source.key,
            title=str(source),
            authors=source.authors,
            publisher=source.publisher,
            published=text.format_partial_date(source.published_on, source.published_precision),
            url=_http(source.url),
            archived_url=_http(source.archived_url),
            locator=locator,
        )

    def describe(self) -> str:
        """ "Title (Publisher, 2022-09)", for notes in a reference manager."""
        # A source without a title goes by its publisher: do not name it twice.
        details = [part for part in (self.publisher, self.published) if part and part != self.title]
        return f"{self.title} ({', '.join(details)})" if details else self.title


@dataclass(frozen=True)
class RecordCitation:
    """What citing one record's page says: the page's title, address and last change."""

    kind: str  # station, event or source
    key: str  # the record's code, slug or key
    title: str
    description: str
    url: str
    changed: datetime.datetime
    accessed: datetime.date
    about: dict  # the thing the page describes, as schema.org
    sources: list[CitedSource] = field(default_factory=list)

    @property
    def changed_date(self) -> datetime.date:
        return timezone.localtime(self.changed).date()

    @property
    def file_name(self) -> str:
        return f"{self.kind}-{self.key}"

    @property
    def bibtex_url(self) -> str:
        return reverse(f"tracker:{self.kind}_bibtex", args=[self.key])

    @property
    def ris_url(self) -> str:
        return reverse(f"tracker:{self.kind}_ris", args=[self.key])


def _http(url: str) -> str:
    """``url`` if it is an http(s) address, else "" (never a ``javascript:`` link)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) else ""


def _compact(data: dict) -> dict:
    """``data`` without blank values: schema.org readers take a missing fact for unknown."""
    return {name: value for name, value in data.items() if value not in ("", None, [], {})}


def station_title(station: Station) -> str:
    if station.city:
        return _("%(code)s: overseas police service station in %(city)s, %(country)s") % {
            "code": station.code,
            "city": station.city,
            "country": station.country.local_name,
        }
    return _("%(code)s: overseas police service station, %(country)s") % {
        "code": station.code,
        "country": station.country.local_name,
    }


def record_citation(request, record: Station | Event | Source) -> RecordCitation:
    """The citation of ``record``'s public page.

    Stations and events must come with ``public_citations`` (from
    ``with_public_citations()`` or ``with_public_details()``); events with
    ``country_list`` too.
    """
    url = request.build_absolute_uri(record.get_absolute_url())
    common = {"url": url, "changed": record.updated_at, "accessed": timezone.localdate()}
    if isinstance(record, Station):
        return RecordCitation(
            kind="station",
            key=record.code,
            title=station_title(record),
            description=record.summary
            or _("An overseas police service station associated with the %(bureau)s.")
            % {"bureau": record.bureau.name},
            about=_station_place(record),
            sources=[CitedSource.of(c.source, c.locator) for c in record.public_citations],
            **common,
        )
    if isinstance(record, Event):
        return RecordCitation(
            kind="event",
            key=record.slug,
            title=record.title,
            description=record.description or record.title,
            about=_compact(
                {
                    "@type": "Event",
                    "name": record.title,
                    # Blank for an undated event, and then left out (_compact).
                    "startDate": text.format_partial_date(record.date, record.date_precision),
                    "description": record.description,
                    "location": [
                        {"@type": "Place", "name": country.name} for country in record.country_list
                    ],
                }
            ),
            sources=[CitedSource.of(c.source, c.locator) for c in record.public_citations],
            **common,
        )
    cited = CitedSource.of(record)
    return RecordCitation(
        kind="source",
        key=record.key,
        title=_("Source: %(title)s") % {"title": cited.title},
        description=_("%(source)s: the records of the tracker that rest on it.")
        % {"source": cited.describe()},
        about=source_jsonld(cited),
        sources=[cited],
        **common,
    )


def _station_place(station: Station) -> dict:
    place = {
        "@type": "Place",
        "name": station_title(station),
        "address": _compact(
            {
                "@type": "PostalAddress",
                "streetAddress": station.location,
                "addressLocality": station.city,
                "addressCountry": station.country.name,
            }
        ),
    }
    if station.latitude is not None and station.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(station.latitude),
            "longitude": float(station.longitude),
        }
    return place


def source_jsonld(source: CitedSource) -> dict:
    """A cited source as a schema.org ``CreativeWork``; unknown facts are left out."""
    return _compact(
        {
            "@type": "CreativeWork",
            "name": source.title,
            "author": source.authors,
            "publisher": {"@type": "Organization", "name": source.publisher}
            if source.publisher
            else None,
            "datePublished": source.published,
            "url": source.url,
            "archivedAt": source.archived_url,
        }
    )


def record_jsonld(request, citation: RecordCitation) -> dict:
    """The page as schema.org: a ``WebPage`` about the record, part of the dataset."""
    return {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "@id": citation.url,
        "url": citation.url,
        "name": citation.title,
        "description": citation.description,
        "dateModified": citation.changed.isoformat(),
        "publisher": publisher(request),
        "author": publisher(request),
        "license": settings.TRACKER_DATA_LICENSE_URL,
        "isPartOf": dataset_reference(request),
        "about": citation.about,
        "citation": [source_jsonld(source) for source in citation.sources],
    }


def citation_context(request, record: Station | Event | Source) -> dict:
    """What a record's page template needs to cite it: the box, meta tags and JSON-LD."""
    citation = record_citation(request, record)
    return {
        "cite": citation,
        "citation_tags": highwire_tags(citation),
        "page_jsonld": record_jsonld(request, citation),
    }


def highwire_tags(citation: RecordCitation) -> list[tuple[str, str]]:
    """The ``citation_*`` meta tags (Highwire Press) that Zotero and Google Scholar read."""
    changed = citation.changed_date.strftime("%Y/%m/%d")
    return [
        ("citation_title", citation.title),
        ("citation_author", str(SITE_NAME)),
        ("citation_publisher", str(SITE_NAME)),
        ("citation_date", changed),
        ("citation_publication_date", changed),
        ("citation_public_url", citation.url),
    ]


def _sources_note(citation: RecordCitation) -> str:
    if not citation.sources:
        return ""
    return _("Sources: %(sources)s.") % {
        "sources": "; ".join(source.describe() for source in citation.sources)
    }


# BibTeX's special characters and how LaTeX writes them; the backslash is one of them.
_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_PATTERN = re.compile("|".join(re.escape(char) for char in _BIBTEX_SPECIAL))


def bibtex_escape(value: str) -> str:
    """``value`` as BibTeX field text: special characters escaped, on one line."""
    value = " ".join(str(value).split())
    return _BIBTEX_PATTERN.sub(lambda match: _BIBTEX_SPECIAL[match.group()], value)


def bibtex(citation: RecordCitation) -> str:
    """The page's citation as one BibTeX ``@misc`` entry (biblatex's ``date`` and ``urldate``)."""
    name = bibtex_escape(SITE_NAME)
    fields = [
        ("author", f"{{{name}}}"),  # braced twice: a body, not a "Tracker, Overseas Station"
        ("title", f"{{{bibtex_escape(citation.title)}}}"),
        ("howpublished", name),
        ("publisher", name),
        ("year", str(citation.changed_date.year)),
        ("date", citation.changed_date.isoformat()),
        # URLs go verbatim (the url package reads them); ours never hold braces.
        ("url", citation.url.replace("{", "%7B").replace("}", "%7D")),
        ("urldate", citation.accessed.isoformat()),
        ("note", bibtex_escape(_sources_note(citation))),
    ]
    key = re.sub(r"[^A-Za-z0-9_-]", "-", f"ost-{citation.file_name}")
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}\n"


def ris(citation: RecordCitation) -> str:
    """The page's citation as one RIS record (``ELEC``: a web page), lines ending in CRLF."""
    lines = [
        ("TY", "ELEC"),
        ("TI", citation.title),
        ("AU", str(SITE_NAME)),
        ("PB", str(SITE_NAME)),
        ("PY", str(citation.changed_date.year)),
        ("DA", citation.changed_date.strftime("%Y/%m/%d")),
        ("Y2", citation.accessed.strftime("%Y/%m/%d")),
        ("UR", citation.url),
        ("AB", citation.description),
        ("N1", _sources_note(citation)),
    ]
    out = [f"{tag}  - {' '.join(str(value).split())}" for tag, value in lines if value]
    out.append("ER  - ")
    return "\r\n".join(out) + "\r\n"
