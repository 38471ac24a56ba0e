"""Public pages. Every read starts from ``published()``."""

from django.shortcuts import get_object_or_404, render

from .models import Bureau, Country, Event, Source, Station


def home(request):
    stations = Station.objects.published()
    return render(request, "tracker/home.html", {"station_count": stations.count()})


def station_list(request):
    stations = Station.objects.published().select_related("country", "bureau")
    return render(request, "tracker/station_list.html", {"stations": stations})


def station_detail(request, code):
    station = get_object_or_404(Station.objects.published(), code=code)
    return render(request, "tracker/station_detail.html", {"station": station})


def event_list(request):
    return render(request, "tracker/event_list.html", {"events": Event.objects.published()})


def event_detail(request, slug):
    event = get_object_or_404(Event.objects.published(), slug=slug)
    return render(request, "tracker/event_detail.html", {"event": event})


def source_list(request):
    return render(request, "tracker/source_list.html", {"sources": Source.objects.published()})


def source_detail(request, key):
    source = get_object_or_404(Source.objects.published(), key=key)
    return render(request, "tracker/source_detail.html", {"source": source})


def country_detail(request, code):
    country = get_object_or_404(Country, code=code)
    return render(request, "tracker/country_detail.html", {"country": country})


def bureau_detail(request, slug):
    bureau = get_object_or_404(Bureau, slug=slug)
    return render(request, "tracker/bureau_detail.html", {"bureau": bureau})
