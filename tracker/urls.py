"""Public URLs of the tracker; the names are the contract's."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from . import feeds
from .sitemaps import SITEMAPS
from .views import analysis, changes, citing, downloads, pages, releases, site, tips

app_name = "tracker"

urlpatterns = [
    path("", pages.home, name="home"),
    path("stations/", pages.station_list, name="station_list"),
    path("stations.csv", downloads.stations_csv, name="stations_csv"),
    path("stations.json", downloads.stations_json, name="stations_json"),
    path("stations.geojson", downloads.stations_geojson, name="stations_geojson"),
    path("stations/<str:code>/", pages.station_detail, name="station_detail"),
    path(
        "stations/<str:code>/cite.bib",
        citing.station_citation,
        {"fmt": "bib"},
        name="station_bibtex",
    ),
    path(
        "stations/<str:code>/cite.ris", citing.station_citation, {"fmt": "ris"}, name="station_ris"
    ),
    path("events/", pages.event_list, name="event_list"),
    path("events.csv", downloads.events_csv, name="events_csv"),
    path("events.json", downloads.events_json, name="events_json"),
    path("events/summary.csv", analysis.event_summary_csv, name="event_summary_csv"),
    path("events/feed/", feeds.LatestEventsFeed(), name="event_feed"),
    path("events/<slug:slug>/", pages.event_detail, name="event_detail"),
    path("events/<slug:slug>/cite.bib", citing.event_citation, {"fmt": "bib"}, name="event_bibtex"),
    path("events/<slug:slug>/cite.ris", citing.event_citation, {"fmt": "ris"}, name="event_ris"),
    path("sources/", pages.source_list, name="source_list"),
    path("sources/<slug:key>/", pages.source_detail, name="source_detail"),
    path(
        "sources/<slug:key>/cite.bib", citing.source_citation, {"fmt": "bib"}, name="source_bibtex"
    ),
    path("sources/<slug:key>/cite.ris", citing.source_citation, {"fmt": "ris"}, name="source_ris"),
    path("changes/", changes.changes, name="changes"),
    path("changes/feed/", feeds.CorrectionsFeed(), name="changes_feed"),
    path("data/", releases.release_list, name="data"),
    path("data/<int:number>/<str:filename>", releases.release_file, name="release_file"),
    path("countries/<str:code>/", pages.country_detail, name="country_detail"),
    path("bureaus/<slug:slug>/", pages.bureau_detail, name="bureau_detail"),
    path("about/", site.about, name="about"),
    # For crawlers: what they may read, and the index of every public page.
    path("robots.txt", site.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "tracker:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path(".well-known/security.txt", site.security_txt, name="security_txt"),
    path("tips/", tips.tip_form, name="tips"),
    path("tips/<str:receipt>/", tips.tip_status, name="tip_status"),
    # Browsers ask for /favicon.ico whatever the page says; send them to ours.
    path("favicon.ico", pages.favicon, name="favicon"),
]
