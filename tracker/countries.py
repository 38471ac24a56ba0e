"""The ISO 3166-1 country list with continents, everyday English names and map points.

Read from ``tracker/data/countries.tsv``, a small table vendored with the code
(made once from pycountry, country-converter's data table, the Natural Earth
outlines and GeoNames capitals), so no worker loads a data library for it.
"""

import csv
from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "countries.tsv"


@cache
def _rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return list(csv.DictReader(lines, delimiter="\t"))


def iso_countries() -> list[tuple[str, str, str]]:
    """Every ISO 3166-1 country as ``(alpha-3, English name, continent)``."""
    return sorted((row["iso3"], row["name"], row["continent"]) for row in _rows())


def name_aliases() -> dict[str, str]:
    """Lower-cased English names (short, official, ISO) mapped to alpha-3 codes."""
    aliases: dict[str, str] = {}
    for row in _rows():
        for name in [row["name"], *row["other_names"].split("|")]:
            if name:
                aliases.setdefault(name.strip().casefold(), row["iso3"])
    return aliases


@cache
def _points() -> dict[str, tuple[float, float]]:
    return {row["iso3"]: (float(row["lon"]), float(row["lat"])) for row in _rows() if row["lon"]}


def country_point(iso3: str) -> tuple[float, float] | None:
    """(lon, lat) standing for a country on a map: its outline's centroid, else its capital."""
    return _points().get(iso3)
