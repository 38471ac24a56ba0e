"""The tracker as a dataset: its name, publisher and licence, and its schema.org ``Dataset``.

Every page that describes the data as a whole (the home page, the releases
page) builds its JSON-LD with ``dataset_jsonld()``; record pages point to
the dataset with ``dataset_reference()``. Facts about the data (date range,
countries, last change) come from the published records only, computed once
per state of the data.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Max, Min
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Event, Source, Station, cached_while_unchanged

#: The site's and the dataset's name, as link previews and citations give it.
SITE_NAME = gettext_lazy("Overseas Station Tracker")

#: The downloads of the whole data: (URL name, what it holds, media type).
DOWNLOADS = [
    ("tracker:stations_csv", gettext_lazy("Stations (CSV)"), "text/csv"),
    ("tracker:stations_json", gettext_lazy("Stations (JSON)"), "application/json"),
    ("tracker:stations_geojson", gettext_lazy("Stations (GeoJSON)"), "application/geo+json"),
    ("tracker:events_csv", gettext_lazy("Events (CSV)"), "text/csv"),
    ("tracker:events_json", gettext_lazy("Events (JSON)"), "application/json"),
]


def dataset_description() -> str:
    return _(
        "A sourced, editorial database of the overseas police service stations run by "
        "Chinese public security bureaus: where they are, who runs them, what happened "
        "around them, and which sources reported it."
    )


def publisher(request) -> dict:
    """The tracker as a schema.org ``Organization`` (publisher and creator of every page)."""
    return {
        "@type": "Organization",
        "name": str(SITE_NAME),
        "url": request.build_absolute_uri(reverse("tracker:home")),
    }


def dataset_reference(request) -> dict:
    """A short schema.org ``Dataset`` for a record page's ``isPartOf``."""
    return {
        "@type": "Dataset",
        "name": str(SITE_NAME),
        "url": request.build_absolute_uri(reverse("tracker:home")),
    }


def data_facts() -> dict:
    """The published data's date range, countries and latest change (cached per data state)."""
    return cached_while_unchanged("dataset_facts", (Station, Event, Source), _compute_facts)


def _compute_facts() -> dict:
    events = Event.objects.published().aggregate(
        first=Min("date"), last=Max("date"), changed=Max("updated_at")
    )
    per_country = list(
        Station.objects.published()
        .order_by("country__name")
        .values("country__name")
        .annotate(changed=Max("updated_at"))
    )
    source_changed = Source.objects.published().aggregate(changed=Max("updated_at"))["changed"]
    changes = [events["changed"], source_changed, *(row["changed"] for row in per_country)]
    changes = [value for value in changes if value is not None]
    return {
        "first_event": events["first"],
        "last_event": events["last"],
        "countries": [row["country__name"] for row in per_country],
        "changed": max(changes, default=None),
    }


def distribution(name: str, url: str, encoding_format: str) -> dict:
    """One schema.org ``DataDownload``: what a reuser can fetch, and in which format."""
    return {
        "@type": "DataDownload",
        "name": str(name),
        "encodingFormat": encoding_format,
        "contentUrl": url,
    }


def dataset_jsonld(request, extra_distributions: Iterable[dict] = ()) -> dict:
    """The schema.org ``Dataset`` describing the published data, for dataset search engines.

    ``extra_distributions`` (built with ``distribution()``) follow the
    standing downloads: the releases page adds one per release file.
    """
    facts = data_facts()
    home = request.build_absolute_uri(reverse("tracker:home"))
    data = {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": home,
        "name": str(SITE_NAME),
        "description": dataset_description(),
        "url": home,
        "license": settings.TRACKER_DATA_LICENSE_URL,
        "isAccessibleForFree": True,
        "creator": publisher(request),
        "publisher": publisher(request),
        "keywords": [
            _("overseas police service stations"),
            _("transnational repression"),
            _("public security bureaus"),
        ],
        "distribution": [
            distribution(name, request.build_absolute_uri(reverse(url_name)), media_type)
            for url_name, name, media_type in DOWNLOADS
        ]
        + list(extra_distributions),
    }
    if facts["first_event"] and facts["last_event"]:
        data["temporalCoverage"] = (
            f"{facts['first_event'].isoformat()}/{facts['last_event'].isoformat()}"
        )
    if facts["countries"]:
        data["spatialCoverage"] = [{"@type": "Place", "name": name} for name in facts["countries"]]
    if facts["changed"]:
        data["dateModified"] = facts["changed"].isoformat()
    return data
