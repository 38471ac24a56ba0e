"""/sitemap.xml: every public page of a published record, with its last change.

An index (``/sitemap.xml``) lists one sitemap per kind of page
(``/sitemap-stations.xml`` …); a kind with more than ``limit`` pages is split
into numbered parts (``?p=2``), each listed in the index. Every item comes
from ``published()``, so no draft is ever announced.
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from .models import Bureau, Country, Event, Source, State, Station


class InEveryLanguage:
    """Each page once per language (/, /zh-hans/, /zh-hant/), each entry listing the
    others and the English page as x-default, as search engines read hreflang."""

    i18n = True
    alternates = True
    x_default = True


class RecordSitemap(InEveryLanguage, Sitemap):
    """The pages of one kind of published record, each with its ``updated_at``."""

    #: Pages per sitemap file; more make a second part, listed in the index.
    limit = 10_000
    model = None
    order = None

    def items(self):
        return self.model.objects.published().order_by(self.order).only(self.order, "updated_at")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        """The latest change of the kind, in one query (not by loading every item)."""
        return self.model.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class StationSitemap(RecordSitemap):
    model = Station
    order = "code"


class EventSitemap(RecordSitemap):
    model = Event
    order = "slug"


class SourceSitemap(RecordSitemap):
    model = Source
    order = "key"


class PlaceSitemap(InEveryLanguage, Sitemap):
    """Countries or bureaus with published stations; last change: their latest station's."""

    limit = 10_000
    model = None
    order = None

    def items(self):
        return (
            self.model.objects.filter(stations__state=State.PUBLISHED)
            .annotate(changed=Max("stations__updated_at"))
            .order_by(self.order)
        )

    def lastmod(self, item):
        return item.changed

    def get_latest_lastmod(self):
        return Station.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class CountrySitemap(PlaceSitemap):
    model = Country
    order = "code"


class BureauSitemap(PlaceSitemap):
    model = Bureau
    order = "slug"


class PageSitemap(InEveryLanguage, Sitemap):
    """The pages that are not records: home, the lists, the methodology."""

    def items(self):
        return [
            "tracker:home",
            "tracker:station_list",
            "tracker:event_list",
            "tracker:source_list",
            "tracker:about",
        ]

    def location(self, item):
        return reverse(item)


#: The sections of /sitemap.xml, by the name in their address (/sitemap-<name>.xml).
SITEMAPS = {
    "pages": PageSitemap,
    "stations": StationSitemap,
    "events": EventSitemap,
    "sources": SourceSitemap,
    "countries": CountrySitemap,
    "bureaus": BureauSitemap,
}
