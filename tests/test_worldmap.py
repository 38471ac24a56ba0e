"""Tests for the server-side SVG world map (no database needed)."""

import re
from itertools import pairwise

from tracker import worldmap


def _url(iso3):
    return f"/countries/{iso3}/"


def _shapes_by_iso3():
    return {shape["iso3"]: shape for shape in worldmap.country_shapes() if shape["iso3"]}


def test_major_countries_have_paths():
    shapes = _shapes_by_iso3()
    for iso3 in ("NLD", "CHN", "USA", "BRA"):
        assert iso3 in shapes, iso3
        d = shapes[iso3]["d"]
        assert d.startswith("M") and d.endswith("Z")
        assert len(d) > 50


def test_antarctica_dropped_and_unmatched_features_kept():
    shapes = worldmap.country_shapes()
    assert "ATA" not in {s["iso3"] for s in shapes}
    nameless = [s for s in shapes if s["iso3"] is None]
    assert nameless, "features without an ISO number (e.g. Kosovo) are still drawn"
    assert all(s["d"] and s["name"] for s in nameless)


def test_paths_stay_inside_viewbox():
    numbers = [
        float(n) for s in worldmap.country_shapes() for n in re.findall(r"-?\d+(?:\.\d)?", s["d"])
    ]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) >= 0 and max(xs) <= worldmap.WIDTH
    assert min(ys) >= 0 and max(ys) <= worldmap.HEIGHT


def test_no_antimeridian_streaks():
    # Russia and Fiji cross 180°; no single segment may span half the map.
    shapes = _shapes_by_iso3()
    for iso3 in ("RUS", "FJI"):
        for ring in shapes[iso3]["d"].split("M")[1:]:
            coords = [float(n) for n in re.findall(r"-?\d+(?:\.\d)?", ring)]
            xs = coords[0::2]
            assert all(abs(a - b) < worldmap.WIDTH / 4 for a, b in pairwise(xs)), iso3


def test_centroids():
    centroids = worldmap.country_centroids()
    lon, lat = centroids["NLD"]
    assert 3 <= lon <= 8 and 50 <= lat <= 54
    lon, lat = centroids["ESP"]
    assert -8 <= lon <= 3 and 36 <= lat <= 44
    lon, lat = centroids["FRA"]  # metropolitan France, not French Guiana
    assert -5 <= lon <= 8 and 42 <= lat <= 51
    lon, lat = centroids["RUS"]
    assert 40 <= lon <= 140 and 50 <= lat <= 75


def test_project():
    x, y = worldmap.project(0, 0)
    assert abs(x - worldmap.WIDTH / 2) < 1
    west, _ = worldmap.project(-180, 0)
    east, _ = worldmap.project(180, 0)
    assert 0 <= west < x < east <= worldmap.WIDTH
    _, north = worldmap.project(0, 60)
    assert north < y


def test_buckets():
    assert [worldmap.bucket(n) for n in (0, 1, 2, 3, 4, 5, 8, 9, 40)] == [
        "q0",
        "q1",
        "q2",
        "q3",
        "q3",
        "q4",
        "q4",
        "q5",
        "q5",
    ]


def test_render_svg_links_and_classes():
    svg = worldmap.render_svg({"NLD": 4, "ESP": 9}, _url, "Stations per country")
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    # A labelled group, not an image: an image may not contain links (axe: nested-interactive).
    assert 'role="group"' in svg and "<title>Stations per country</title>" in svg
    assert 'viewBox="0 0 ' in svg
    assert not re.search(r"<svg[^>]*\s(width|height)=", svg)
    assert '<a href="/countries/NLD/"><title>Netherlands: 4 stations</title>' in svg
    assert re.search(r'<a href="/countries/NLD/">(?:(?!</a>).)*class="country q3"', svg)
    assert re.search(r'<a href="/countries/ESP/">(?:(?!</a>).)*class="country q5"', svg)
    assert 'href="/countries/USA/"' not in svg
    assert 'class="country q0"' in svg
    assert "style" not in svg and "<script" not in svg
    assert "1 station<" in worldmap.render_svg({"NLD": 1}, _url, "t")


def test_render_svg_escapes():
    svg = worldmap.render_svg(
        {"NLD": 2},
        lambda iso3: f'/x/?a=<b>&c="{iso3}"',
        title="Map <of> & stations",
        names={"NLD": "Nether<lands>"},
    )
    assert "<b>" not in svg and "<of>" not in svg and "<lands>" not in svg
    assert 'href="/x/?a=&lt;b&gt;&amp;c=&quot;NLD&quot;"' in svg
    assert "Map &lt;of&gt; &amp; stations" in svg
    assert "Nether&lt;lands&gt;: 2 stations" in svg


def test_render_svg_fallback_points():
    svg = worldmap.render_svg({"SGP": 3}, _url, "t", points={"SGP": (103.8, 1.35)})
    assert '<a href="/countries/SGP/">' in svg and 'class="country-dot q3"' in svg


def test_no_external_urls_and_small():
    counts = {shape["iso3"]: 5 for shape in worldmap.country_shapes() if shape["iso3"]}
    svg = worldmap.render_svg(counts, _url, "All countries")
    assert re.findall(r"https?://[^\s\"'<>]*", svg) == ["http://www.w3.org/2000/svg"]
    assert len(svg.encode()) < 200_000
