"""Where stations are: points worked out when a station is written, and the SVG maps.

Nothing here asks another host. A station's point is computed when it is
saved, imported or seeded (``locate``) and stored on it with where it came
from; requests only read it (``station_point``). City points come from the
GeoNames cities vendored with the code (tracker/data/cities.tsv.gz, made by
tools/vendor_cities.py), read only on that write path, so a worker serving
pages never loads them; country points and outlines come from tables vendored
with the code too (tracker/data/countries.tsv, tracker/worldmap.py).
"""

from __future__ import annotations

import functools
import gzip
import re
from pathlib import Path

from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from . import text, worldmap
from .countries import country_point
from .text import count_noun

#: GeoNames cities of 15,000 people or more: country, name, point, population, names
#: (tools/vendor_cities.py).
CITIES = Path(__file__).with_name("data") / "cities.tsv.gz"


@functools.cache
def _gazetteer() -> dict[str, list[dict]]:
    """The vendored cities, indexed by ISO2 country.

    Loaded on the first city lookup of a process that writes stations (an
    import, the seed, an admin save). The table holds names already folded
    by ``text.normalise``: folding a whole country's names again for a
    lookup cost more than the rest of an import's checks.
    """
    by_country: dict[str, list[dict]] = {}
    with gzip.open(CITIES, "rt", encoding="utf-8") as table:
        for line in table:
            if line.startswith("#"):
                continue
            code, name, latitude, longitude, population, folded, others, chinese = line.rstrip(
                "\n"
            ).split("\t")
            by_country.setdefault(code, []).append(
                {
                    "name": name,
                    "latitude": float(latitude),
                    "longitude": float(longitude),
                    "population": int(population),
                    "folded": folded,
                    "folded_others": others.split("|") if others else [],
                    "chinese_names": chinese.split("|") if chinese else [],
                }
            )
    return by_country


@functools.cache
def iso2(iso3: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a country given by its alpha-3 code."""
    import pycountry

    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country else None


def cities_in(iso3: str) -> list[dict]:
    """The gazetteer's cities of a country (write path only: it loads the gazetteer)."""
    code = iso2(iso3)
    return _gazetteer().get(code, []) if code else []


# Indexes of names built once per country: an import of thousands of stations
# looks up as many cities, and scanning a country's names for each (normalising
# every one again) took seconds per thousand stations.


def _index(pairs) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Positions of cities (in ``cities_in``) by folded name, each city once per name.

    Most names belong to one city, kept as a plain position; the others'
    further cities apart. Plain numbers keep the index out of the cycle
    collector's sight: a list per name made it walk hundreds of thousands
    of them again after every import.
    """
    first: dict[str, int] = {}
    more: dict[str, list[int]] = {}
    for key, position in pairs:
        if first.setdefault(key, position) != position:
            others = more.setdefault(key, [])
            if others[-1:] != [position]:
                others.append(position)
    return first, more


def _positions(index, wanted: str) -> list[int]:
    first, more = index
    return [first[wanted], *more.get(wanted, ())] if wanted in first else []


@functools.cache
def _own_names(iso3: str):
    return _index((c["folded"], i) for i, c in enumerate(cities_in(iso3)))


@functools.cache
def _other_names(iso3: str, chinese: bool):
    if not chinese:
        return _index((f, i) for i, c in enumerate(cities_in(iso3)) for f in c["folded_others"])
    # Chinese names are folded here, only for a Chinese name looked up: folding
    # them adds their pinyin, and the pinyin tables are loaded only when needed.
    return _index(
        (text.normalise(name), i)
        for i, c in enumerate(cities_in(iso3))
        for name in c["chinese_names"]
    )


def cities_named(iso3: str, wanted: str) -> list[dict]:
    """A country's cities whose own name is ``wanted`` (normalised), in gazetteer order."""
    cities = cities_in(iso3)
    return [cities[i] for i in _positions(_own_names(iso3), wanted)]


def cities_also_named(iso3: str, wanted: str) -> list[dict]:
    """A country's cities with ``wanted`` (normalised) among their other names."""
    positions = set(_positions(_other_names(iso3, False), wanted))
    if text.has_chinese(wanted):
        positions |= set(_positions(_other_names(iso3, True), wanted))
    cities = cities_in(iso3)
    return [cities[i] for i in sorted(positions)]


@functools.cache
def city_point(city: str, iso3: str) -> tuple[float, float] | None:
    """(lon, lat) of a city in a country from the offline gazetteer, or None.

    The city's own name wins; failing that, one of its other names (so "New
    York" finds "New York City"); the most populous match is taken.
    """
    wanted = text.normalise(city)
    if not wanted:
        return None
    matches = cities_named(iso3, wanted) or cities_also_named(iso3, wanted)
    if matches:
        best = max(matches, key=lambda c: c["population"])
        return float(best["longitude"]), float(best["latitude"])
    return None


def locate(latitude, longitude, city: str, iso3: str) -> tuple[float | None, float | None, str]:
    """(lon, lat, source) for a station: its own coordinates, else its city's, else its
    country's; source is ``station``, ``city``, ``country`` or blank when none is known."""
    if latitude is not None and longitude is not None:
        return float(longitude), float(latitude), "station"
    if city and (point := city_point(city, iso3)):
        return point[0], point[1], "city"
    if point := country_point(iso3):
        return point[0], point[1], "country"
    return None, None, ""


def station_point(station) -> tuple[tuple[float, float] | None, str | None]:
    """A station's stored (lon, lat) and where they come from: station, city or country."""
    if station.point_source and station.point_longitude is not None:
        return (station.point_longitude, station.point_latitude), station.point_source
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
