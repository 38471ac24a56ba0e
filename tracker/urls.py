"""Public URLs of the tracker; the names are the contract's."""

from django.urls import path

from . import feeds, views

app_name = "tracker"

urlpatterns = [
    path("", views.home, name="home"),
    path("stations/", views.station_list, name="station_list"),
    path("stations.csv", views.stations_csv, name="stations_csv"),
    path("stations.json", views.stations_json, name="stations_json"),
    path("stations.geojson", views.stations_geojson, name="stations_geojson"),
    path("stations/<str:code>/", views.station_detail, name="station_detail"),
    path("events/", views.event_list, name="event_list"),
    path("events.csv", views.events_csv, name="events_csv"),
    path("events.json", views.events_json, name="events_json"),
    path("events/feed/", feeds.LatestEventsFeed(), name="event_feed"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:key>/", views.source_detail, name="source_detail"),
    path("countries/<str:code>/", views.country_detail, name="country_detail"),
    path("bureaus/<slug:slug>/", views.bureau_detail, name="bureau_detail"),
    # Browsers ask for /favicon.ico whatever the page says; send them to ours.
    path("favicon.ico", views.favicon, name="favicon"),
]
