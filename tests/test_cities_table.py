"""The vendored GeoNames tables agree with the folding the site does today.

Their names are stored folded (tools/vendor_cities.py), so a change to
``text.normalise`` that is not followed by a new table would quietly stop
stations' cities from being found on the map.
"""

import gzip

from tracker import places, search, text


def rows():
    with gzip.open(places.CITIES, "rt", encoding="utf-8") as table:
        for line in table:
            if not line.startswith("#"):
                yield line.rstrip("\n").split("\t")


def test_the_folded_names_are_what_normalise_gives_today():
    checked = 0
    for _, name, _, _, _, folded, others, _ in rows():
        assert text.normalise(name) == folded, name
        for other in filter(None, others.split("|")):
            assert text.normalise(other) == other, (name, other)
        checked += 1
    assert checked > 30_000


def test_the_chinese_names_table_holds_each_city_with_chinese_names():
    expected = {
        (code, folded): tuple(chinese.split("|"))
        for code, _, _, _, _, folded, _, chinese in rows()
        if chinese
    }
    names = search._chinese_city_names()
    assert set(names) == set(expected)
    assert names[("NL", "rotterdam")] == expected[("NL", "rotterdam")]
    assert "鹿特丹" in search.city_aliases("Rotterdam", "NLD")


def test_a_city_is_found_by_its_own_name_another_name_or_its_chinese_name():
    rotterdam = places.city_point("Rotterdam", "NLD")
    assert 4.3 < rotterdam[0] < 4.6
    assert places.city_point("鹿特丹", "NLD") == rotterdam
    assert places.city_point("New York", "USA") == places.city_point("New York City", "USA")
    assert places.city_point("Nowhere-on-Sea", "NLD") is None
