"""Public URLs of the tracker; the names are the contract's."""

from django.urls import path

from . import feeds
from .views import analysis, downloads, pages

app_name = "tracker"

urlpatterns = [
    path("", pages.home, name="home"),
    path("stations/", pages.station_list, name="station_list"),
    path("stations.csv", downloads.stations_csv, name="stations_csv"),
    path("stations.json", downloads.stations_json, name="stations_json"),
    path("stations.geojson", downloads.stations_geojson, name="stations_geojson"),
    path("stations/<str:code>/", pages.station_detail, name="station_detail"),
    path("events/", pages.event_list, name="event_list"),
    path("events.csv", downloads.events_csv, name="events_csv"),
    path("events.json", downloads.events_json, name="events_json"),
    path("events/summary.csv", analysis.event_summary_csv, name="event_summary_csv"),
    path("events/feed/", feeds.LatestEventsFeed(), name="event_feed"),
    path("events/<slug:slug>/", pages.event_detail, name="event_detail"),
    path("sources/", pages.source_list, name="source_list"),
    path("sources/<slug:key>/", pages.source_detail, name="source_detail"),
    path("countries/<str:code>/", pages.country_detail, name="country_detail"),
    path("bureaus/<slug:slug>/", pages.bureau_detail, name="bureau_detail"),
    # Browsers ask for /favicon.ico whatever the page says; send them to ours.
    path("favicon.ico", pages.favicon, name="favicon"),
]
