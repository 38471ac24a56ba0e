"""Server-side SVG world map, drawn from vendored Natural Earth outlines.

The map data is ``countries-110m.json`` from the npm package ``world-atlas``
(Natural Earth 1:110m Admin 0 boundaries as TopoJSON, public domain), stored
under ``static/tracker/vendor/world-atlas/``. It is read here on the server
only: the rendered ``<svg>`` is inline markup, so a page showing the map makes
no request to any other host, and it contains no script and no inline style
(everything is styled through classes, which keeps it compatible with a
strict Content-Security-Policy).

Countries are projected with the Natural Earth projection (the same formula
as d3's ``geoNaturalEarth1``). Antarctica is left out. TopoJSON feature ids
are ISO 3166-1 numeric codes; they are mapped to alpha-3 with ``pycountry``.
Features without an id (Kosovo, N. Cyprus, Somaliland in this edition) are
drawn but carry no code and are never linked.

Stdlib only, apart from ``pycountry``.
"""

from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Callable, Mapping
from itertools import pairwise
from pathlib import Path

import pycountry
from django.utils.translation import ngettext

DATA_PATH = Path(__file__).parent / "static/tracker/vendor/world-atlas/countries-110m.json"

#: Width and height of the SVG viewBox. Antarctica is dropped, so the map is
#: cropped to roughly 85°N to 60°S.
WIDTH = 960
HEIGHT = 430
_SCALE = 172.0
_X0 = WIDTH / 2
_Y0 = 248.0

#: ISO 3166-1 numeric id of Antarctica, which is not drawn.
_ANTARCTICA = "010"

#: Lower bounds of the fill buckets: 1 -> q1, 2 -> q2, 3-4 -> q3, 5-8 -> q4, 9+ -> q5.
_BUCKETS = (1, 2, 3, 5, 9)

_SVG_NS = "http://www.w3.org/2000/svg"

Ring = list[tuple[float, float]]
Polygon = list[Ring]


def project(lon: float, lat: float) -> tuple[float, float]:
    """Project a longitude/latitude in degrees to SVG (x, y) in the map's viewBox.

    Uses the Natural Earth projection (Šavrič et al.), scaled and shifted so the
    whole world is ``WIDTH`` wide; y grows downwards as in SVG. Use it to place
    station dots on top of :func:`render_svg`'s output.
    """
    lam = math.radians(lon)
    phi = math.radians(lat)
    phi2 = phi * phi
    phi4 = phi2 * phi2
    x = lam * (
        0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4))
    )
    y = phi * (
        1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4))
    )
    return _X0 + _SCALE * x, _Y0 - _SCALE * y


def _decode_arcs(topology: dict) -> list[Ring]:
    """Return every arc as a list of absolute (lon, lat) points."""
    transform = topology.get("transform")
    arcs: list[Ring] = []
    if transform:
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        for arc in topology["arcs"]:
            qx = qy = 0
            points = []
            for dx, dy, *_ in arc:
                qx += dx
                qy += dy
                points.append((qx * sx + tx, qy * sy + ty))
            arcs.append(points)
    else:
        for arc in topology["arcs"]:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
    return arcs


def _ring(indices: list[int], arcs: list[Ring]) -> Ring:
    """Stitch arcs into one ring; a negative index ``~i`` means arc ``i`` reversed."""
    points: Ring = []
    for index in indices:
        arc = arcs[~index][::-1] if index < 0 else arcs[index]
        # Consecutive arcs share their joining point; keep it only once.
        points.extend(arc[1:] if points else arc)
    return points


def _polygons(geometry: dict, arcs: list[Ring]) -> list[Polygon]:
    """Return a Polygon or MultiPolygon geometry as a list of polygons (lists of rings)."""
    kind = geometry.get("type")
    if kind == "Polygon":
        parts = [geometry["arcs"]]
    elif kind == "MultiPolygon":
        parts = geometry["arcs"]
    else:  # Null geometry, points or lines: nothing to fill.
        return []
    return [[_ring(ring, arcs) for ring in polygon] for polygon in parts]


def _clip_lon(ring: Ring, limit: float, keep_below: bool) -> Ring:
    """Clip a ring to ``lon <= limit`` (or ``lon >= limit``), Sutherland-Hodgman style."""

    def inside(point: tuple[float, float]) -> bool:
        return point[0] <= limit if keep_below else point[0] >= limit

    result: Ring = []
    count = len(ring)
    for i in range(count):
        current, following = ring[i], ring[(i + 1) % count]
        if inside(current):
            result.append(current)
        if inside(current) != inside(following):
            (x0, y0), (x1, y1) = current, following
            t = (limit - x0) / (x1 - x0)
            result.append((limit, y0 + t * (y1 - y0)))
    return result


def _split_antimeridian(polygon: Polygon) -> list[Polygon]:
    """Split a polygon whose exterior ring jumps across the antimeridian into two.

    Natural Earth's 1:110m rings for Russia and Fiji step from +180 to -180 and
    back; drawn as they are they would streak across the whole map. The ring
    is unwrapped into continuous longitudes, then cut at ±180 into a part on
    each side of the map. Holes (none cross the antimeridian) stay with the
    first part.
    """
    exterior = polygon[0]
    if all(abs(a[0] - b[0]) <= 180 for a, b in pairwise(exterior)):
        return [polygon]
    unwrapped: Ring = [exterior[0]]
    offset = 0.0
    for (lon0, _), (lon1, lat1) in pairwise(exterior):
        if lon1 - lon0 > 180:
            offset -= 360
        elif lon0 - lon1 > 180:
            offset += 360
        unwrapped.append((lon1 + offset, lat1))
    if offset:  # The ring encircles a pole; leave it alone.
        return [polygon]
    if max(p[0] for p in unwrapped) > 180:
        main = _clip_lon(unwrapped, 180, keep_below=True)
        overflow = _clip_lon([(lon - 360, lat) for lon, lat in unwrapped], -180, False)
    else:
        main = _clip_lon(unwrapped, -180, keep_below=False)
        overflow = _clip_lon([(lon + 360, lat) for lon, lat in unwrapped], 180, True)
    return [part for part in ([main, *polygon[1:]], [overflow]) if len(part[0]) >= 3]


def _iso3(numeric: object) -> str | None:
    """Map an ISO 3166-1 numeric id such as ``"528"`` to alpha-3, or ``None``."""
    if numeric is None:
        return None
    text = str(numeric).strip()
    if not text.isdigit():
        return None
    country = pycountry.countries.get(numeric=text.zfill(3))
    return country.alpha_3 if country else None


@functools.cache
def _features() -> tuple[tuple[str | None, str, tuple], ...]:
    """Decode the vendored TopoJSON once: (iso3, name, polygons) per country, Antarctica dropped."""
    with DATA_PATH.open(encoding="utf-8") as handle:
        topology = json.load(handle)
    arcs = _decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id")
        if numeric is not None and str(numeric).zfill(3) == _ANTARCTICA:
            continue
        polygons = [
            part for polygon in _polygons(geometry, arcs) for part in _split_antimeridian(polygon)
        ]
        if not polygons:
            continue
        iso3 = _iso3(numeric)
        name = (geometry.get("properties") or {}).get("name") or ""
        if not name and iso3:
            name = pycountry.countries.get(alpha_3=iso3).name
        frozen = tuple(tuple(tuple(ring) for ring in polygon) for polygon in polygons)
        features.append((iso3, name, frozen))
    return tuple(features)


def _num(value: float) -> str:
    """Format a coordinate with at most one decimal and no trailing ``.0``."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _path_d(polygons: tuple) -> str:
    """Build an SVG path ``d`` string for projected polygons (1 decimal, duplicates removed)."""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            coords: list[str] = []
            previous = None
            for lon, lat in ring:
                x, y = project(lon, lat)
                point = f"{_num(x)} {_num(y)}"
                if point != previous:
                    coords.append(point)
                    previous = point
            if len(coords) > 1 and coords[-1] == coords[0]:
                coords.pop()  # "Z" closes the ring.
            if len(coords) < 3:
                continue  # Degenerate at this precision.
            parts.append("M" + coords[0] + "L" + " ".join(coords[1:]) + "Z")
    return "".join(parts)


@functools.cache
def _shapes() -> tuple[tuple[str | None, str, str], ...]:
    return tuple((iso3, name, _path_d(polygons)) for iso3, name, polygons in _features())


def country_shapes() -> list[dict]:
    """Return one projected outline per country (Antarctica excluded), in file order.

    Each item is ``{"iso3": str | None, "name": str, "d": str}``: ``iso3`` is the
    ISO 3166-1 alpha-3 code, or ``None`` for features Natural Earth gives no ISO
    number (Kosovo, N. Cyprus, Somaliland); ``name`` is Natural Earth's short
    English name; ``d`` is an SVG path in the ``0 0 WIDTH HEIGHT`` viewBox.
    The decoding is cached; a fresh list of fresh dicts is returned each call.
    """
    return [{"iso3": iso3, "name": name, "d": d} for iso3, name, d in _shapes()]


def _ring_moments(ring: tuple) -> tuple[float, float, float]:
    """Signed shoelace area and first moments (for the centroid) of a lon/lat ring."""
    area = mx = my = 0.0
    count = len(ring)
    for i in range(count):
        x0, y0 = ring[i]
        x1, y1 = ring[(i + 1) % count]
        cross = x0 * y1 - x1 * y0
        area += cross
        mx += (x0 + x1) * cross
        my += (y0 + y1) * cross
    return area / 2, mx / 6, my / 6


def _polygon_centroid(polygon: tuple) -> tuple[float, float, float]:
    """Area and area-weighted centroid (lon, lat) of a polygon; holes are subtracted."""
    total = sx = sy = 0.0
    for index, ring in enumerate(polygon):
        area, mx, my = _ring_moments(ring)
        # Normalise orientation: the exterior counts positive, holes negative.
        sign = 1 if (area >= 0) == (index == 0) else -1
        total += sign * area
        sx += sign * mx
        sy += sign * my
    if total <= 0:
        lons = [p[0] for p in polygon[0]]
        lats = [p[1] for p in polygon[0]]
        return 0.0, sum(lons) / len(lons), sum(lats) / len(lats)
    return total, sx / total, sy / total


@functools.cache
def _centroids() -> dict[str, tuple[float, float]]:
    result: dict[str, tuple[float, float]] = {}
    best_area: dict[str, float] = {}
    for iso3, _name, polygons in _features():
        if not iso3:
            continue
        for polygon in polygons:
            area, lon, lat = _polygon_centroid(polygon)
            if area > best_area.get(iso3, -1.0):
                best_area[iso3] = area
                result[iso3] = (round(lon, 4), round(lat, 4))
    return result


def country_centroids() -> dict[str, tuple[float, float]]:
    """Return ``{ISO3: (lon, lat)}``: the centroid of each country's largest polygon.

    The polygon is chosen and its centroid computed planar in lon/lat degrees
    (area-weighted, holes subtracted), so France gives a point in metropolitan
    France rather than somewhere in the Atlantic. Meant as fallback coordinates
    for stations without a location of their own. Countries too small to appear
    in the 1:110m data (e.g. Singapore, Malta) are absent.
    """
    return dict(_centroids())


def bucket(count: int) -> str:
    """Return the fill class for a station count: ``q0`` (none) to ``q5`` (9 or more)."""
    level = 0
    for index, threshold in enumerate(_BUCKETS, start=1):
        if count >= threshold:
            level = index
    return f"q{level}"


def _label(name: str, count: int) -> str:
    return ngettext("%(name)s: %(count)d station", "%(name)s: %(count)d stations", count) % {
        "name": name,
        "count": count,
    }


def render_svg(
    counts: Mapping[str, int],
    url_for: Callable[[str], str],
    title: str,
    *,
    names: Mapping[str, str] | None = None,
    points: Mapping[str, tuple[float, float]] | None = None,
) -> str:
    """Render the world map as a complete, accessible inline ``<svg>`` element string.

    ``counts`` maps ISO3 codes to station counts. Every country with a count
    above zero is wrapped in ``<a href="{url_for(iso3)}">`` with a
    ``<title>Name: N stations</title>`` and gets class ``q1``..``q5`` (counts 1,
    2, 3-4, 5-8, 9+); all other countries get class ``q0`` and are hidden from
    assistive technology as decoration. Every path also has class ``country``.

    Optional ``names`` overrides display names by ISO3 (default: Natural
    Earth's). Optional ``points`` gives ``(lon, lat)`` for counted countries
    that have no outline at this scale (e.g. Singapore); those are drawn as a
    linked ``<circle class="country-dot qN">``. Counted countries with neither
    are left out.

    The root is a labelled group (``role="group"``, not ``img``: an image may not
    hold links, which readers reach by keyboard), with a ``<title>``, a viewBox and no width/height,
    so CSS sizes it. There is no script and no inline style, only classes;
    every text and URL is escaped. The result is a plain ``str``: the caller
    marks it safe.
    """
    names = names or {}
    esc = html.escape
    title_text = esc(title)
    out = [
        f'<svg xmlns="{_SVG_NS}" viewBox="0 0 {WIDTH} {HEIGHT}" class="worldmap" '
        f'role="group" aria-label="{title_text}">',
        f"<title>{title_text}</title>",
    ]
    plain: list[str] = []
    linked: list[str] = []
    drawn: set[str] = set()
    for iso3, natural_name, d in _shapes():
        count = counts.get(iso3, 0) if iso3 else 0
        if not count or count <= 0:
            plain.append(f'<path class="country q0" d="{d}"/>')
            continue
        drawn.add(iso3)
        name = names.get(iso3) or natural_name
        linked.append(
            f'<a href="{esc(url_for(iso3))}"><title>{esc(_label(name, count))}</title>'
            f'<path class="country {bucket(count)}" d="{d}"/></a>'
        )
    for iso3 in sorted(counts):
        count = counts[iso3]
        if iso3 in drawn or not count or count <= 0 or not points or iso3 not in points:
            continue
        x, y = project(*points[iso3])
        name = names.get(iso3) or _fallback_name(iso3)
        linked.append(
            f'<a href="{esc(url_for(iso3))}"><title>{esc(_label(name, count))}</title>'
            f'<circle class="country-dot {bucket(count)}" cx="{_num(x)}" cy="{_num(y)}" r="3"/>'
            "</a>"
        )
    out.append('<g class="land" aria-hidden="true">' + "".join(plain) + "</g>")
    out.append('<g class="counted">' + "".join(linked) + "</g>")
    out.append("</svg>")
    return "".join(out)


def _fallback_name(iso3: str) -> str:
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return iso3
    return getattr(country, "common_name", None) or country.name
