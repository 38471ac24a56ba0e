"""Public URLs of the tracker; the names are the contract's."""

from django.urls import path

from . import views

app_name = "tracker"

urlpatterns = [
    path("", views.home, name="home"),
    path("stations/", views.station_list, name="station_list"),
    path("stations/<str:code>/", views.station_detail, name="station_detail"),
    path("events/", views.event_list, name="event_list"),
    path("events/<slug:slug>/", views.event_detail, name="event_detail"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:key>/", views.source_detail, name="source_detail"),
    path("countries/<str:code>/", views.country_detail, name="country_detail"),
    path("bureaus/<slug:slug>/", views.bureau_detail, name="bureau_detail"),
]
