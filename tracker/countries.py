"""The ISO 3166-1 country list with continents and everyday English names.

pycountry is the authority for which countries exist and their alpha-3
codes; country-converter's data table gives each one a continent and the
short name people write ("South Korea" rather than "Korea, Republic of").
"""

import csv
from functools import cache
from importlib.resources import files

import pycountry

# country-converter's seven-continent names, as stored in Country.continent.
_CONTINENTS = {
    "Africa": "africa",
    "Asia": "asia",
    "Europe": "europe",
    "North America": "north-america",
    "Oceania": "oceania",
    "South America": "south-america",
    "Antarctica": "antarctica",
}


@cache
def _converter_rows() -> dict[str, dict[str, str]]:
    # Read the package's data file directly: its pandas loader is not needed
    # for a lookup table and breaks on some pandas releases.
    data = files("country_converter").joinpath("country_data.tsv")
    with data.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {row["ISO3"]: row for row in rows if row["ISO3"]}


def iso_countries() -> list[tuple[str, str, str]]:
    """Every ISO 3166-1 country as ``(alpha-3, English name, continent)``."""
    converter = _converter_rows()
    result = []
    for country in pycountry.countries:
        row = converter.get(country.alpha_3, {})
        name = row.get("name_short") or getattr(country, "common_name", None) or country.name
        continent = _CONTINENTS.get(row.get("Continent_7", ""), "")
        result.append((country.alpha_3, name, continent))
    return sorted(result)


def name_aliases() -> dict[str, str]:
    """Lower-cased English names (short, official, ISO) mapped to alpha-3 codes."""
    converter = _converter_rows()
    aliases: dict[str, str] = {}
    for country in pycountry.countries:
        row = converter.get(country.alpha_3, {})
        names = [
            country.name,
            getattr(country, "common_name", ""),
            getattr(country, "official_name", ""),
            row.get("name_short", ""),
            row.get("name_official", ""),
        ]
        for name in names:
            if name:
                aliases.setdefault(name.strip().casefold(), country.alpha_3)
    return aliases
