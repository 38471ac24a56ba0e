"""Parsing of the table's active years and of dates with a precision."""

from datetime import date

import pytest

from tracker import text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("na.", (None, None)),
        ("", (None, None)),
        ("  2016–?  ", (2016, None)),
        ("2016-?", (2016, None)),
        ("2018", (2018, 2018)),
        ("2018–2022", (2018, 2022)),
        ("2018 - 2022", (2018, 2022)),
    ],
)
def test_parse_active_reads_the_table_notation(value, expected):
    assert text.parse_active(value) == expected


@pytest.mark.parametrize("value", ["2022–2018", "soon", "20161", "1800", "2016–?–2018"])
def test_parse_active_refuses_what_it_cannot_read(value):
    with pytest.raises(ValueError):
        text.parse_active(value)


@pytest.mark.parametrize("value", ["na.", "2016–?", "2018", "2018–2022"])
def test_format_active_is_the_inverse_of_parse(value):
    assert text.format_active(*text.parse_active(value)) == value


@pytest.mark.parametrize(
    ("value", "day", "precision", "words"),
    [
        ("2022", date(2022, 1, 1), "year", "2022"),
        ("2022-11", date(2022, 11, 1), "month", "November 2022"),
        ("2024-02-05", date(2024, 2, 5), "day", "5 February 2024"),
    ],
)
def test_partial_dates_keep_their_precision(value, day, precision, words):
    assert text.parse_partial_date(value) == (day, precision)
    assert text.format_partial_date(day, precision) == value
    assert text.describe_partial_date(day, precision) == words


def test_normalise_folds_accents_case_and_adds_pinyin():
    assert text.normalise("Hǎiwài FÚWÙ 海外") == "haiwai fuwu 海外 haiwai"
