"""The Traditional Chinese texts read as a reader in Taiwan expects, not as a converter left them.

Every ``*_zh_hant`` text in fixtures/ and every msgstr of the zh_Hant catalogue
is checked against ``fixtures/glossary-zh.tsv``: none may hold a form the
glossary lists to avoid (conversion garbles such as 國家安全域性 or 一箇中國,
mainland forms such as 報道, 悉尼, 蒙特利爾, 異見人士, and “curly quotes”), and
a seed record whose English text names a place, bureau, body or person in the
glossary gives that name in its Traditional text as the glossary writes it.
Read straight from the files, without the database.
"""

import csv
import json
import re
from pathlib import Path

import polib
import pytest

from tracker.hanzi import to_traditional

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
TRADITIONAL_CATALOGUE = ROOT / "locale" / "zh_Hant" / "LC_MESSAGES" / "django.po"
SIMPLIFIED_CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

KINDS = {"name", "term", "garble", "punctuation"}
CJK = "\u3400-\u9fff"
# ASCII punctuation touching a Chinese character: Chinese text takes full-width ，；：（）.
HALF_WIDTH_BESIDE_CHINESE = re.compile(rf'[{CJK}][,;:!?()"]|[,;:!?()"][{CJK}]')


def read_glossary():
    """The glossary's rows, with ``english`` and ``avoid`` split into lists."""
    with (FIXTURES / "glossary-zh.tsv").open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        rows = list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))
    for row in rows:
        row["english"] = [name for name in row["english"].split("|") if name]
        row["avoid"] = [form for form in row["avoid"].split("|") if form]
    return rows


GLOSSARY = read_glossary()
NAMES = [row for row in GLOSSARY if row["kind"] == "name"]


def avoided_forms(text):
    """``"報道 → 報導"`` for each form the glossary avoids that ``text`` holds."""
    found = []
    for row in GLOSSARY:
        # The right form may contain a wrong one (安塔那那利弗 and 塔那那利佛 share most
        # characters): look for the wrong one only outside the right one.
        rest = text.replace(row["traditional"], "\0")
        found += [f"{form} → {row['traditional']}" for form in row["avoid"] if form in rest]
    if HALF_WIDTH_BESIDE_CHINESE.search(text):
        found.append("half-width punctuation beside Chinese text → full-width")
    return found


def mentions(english, name):
    """Whether ``english`` names ``name`` as a whole word ("US" is not in "USA")."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", english) is not None


def chinese_texts():
    """``(record, field, english, simplified, traditional)`` per Traditional text in fixtures/."""
    for path in sorted(FIXTURES.glob("*.json")):
        for row in json.loads(path.read_text(encoding="utf-8")):
            record = row.get("code") or row.get("slug") or row.get("key")
            for field in sorted(row):
                if field.endswith("_zh_hant"):
                    base = field.removesuffix("_zh_hant")
                    yield record, base, row[base], row[f"{base}_zh_hans"], row[field]


TEXTS = [pytest.param(*text, id=f"{text[0]}-{text[1]}") for text in chinese_texts()]


def test_the_glossary_is_complete_and_consistent():
    assert GLOSSARY and {row["kind"] for row in GLOSSARY} <= KINDS
    for row in GLOSSARY:
        assert row["simplified"] and row["traditional"], row
        assert row["kind"] != "name" or row["english"], row
        # The glossary's own Traditional forms are what the texts are held to.
        assert not avoided_forms(row["traditional"]), row


def test_every_seed_record_has_its_traditional_text_checked():
    # 70 station summaries and 43 event titles: a field added later is checked too.
    assert len(TEXTS) >= 113


@pytest.mark.parametrize(("record", "field", "english", "simplified", "traditional"), TEXTS)
def test_a_traditional_text_holds_no_conversion_garble_or_mainland_form(
    record, field, english, simplified, traditional
):
    assert traditional, f"{record} {field}: no Traditional text"
    found = avoided_forms(traditional)
    assert not found, f"{record} {field}: {traditional} holds {found}"


@pytest.mark.parametrize(("record", "field", "english", "simplified", "traditional"), TEXTS)
def test_a_traditional_text_gives_the_names_its_english_names(
    record, field, english, simplified, traditional
):
    missing = [
        f"{row['english'][0]} → {row['traditional']}"
        for row in NAMES
        if any(mentions(english, name) for name in row["english"])
        and row["traditional"] not in traditional
    ]
    assert not missing, f"{record} {field}: {traditional} lacks {missing}"


@pytest.mark.parametrize(("record", "field", "english", "simplified", "traditional"), TEXTS)
def test_110_overseas_is_haiwai_110_in_both_scripts(
    record, field, english, simplified, traditional
):
    # The article gives the phrase as 海外110.
    assert "110海外" not in simplified and "110海外" not in traditional


def translations(path):
    """Every translated string of a catalogue, plural forms included."""
    for entry in polib.pofile(str(path)).translated_entries():
        yield from [entry.msgstr] if entry.msgstr else entry.msgstr_plural.values()


def test_the_traditional_interface_holds_no_conversion_garble_or_mainland_form():
    found = {text: avoided_forms(text) for text in translations(TRADITIONAL_CATALOGUE)}
    assert not {text: forms for text, forms in found.items() if forms}


def test_the_simplified_interface_calls_the_report_haiwai_110():
    assert not [text for text in translations(SIMPLIFIED_CATALOGUE) if "110海外" in text]


BUREAUS = json.loads((FIXTURES / "bureaus.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("bureau", BUREAUS, ids=lambda row: row["slug"])
def test_a_bureau_keeps_its_own_chinese_name_in_traditional_characters(bureau):
    # A bureau's Chinese name is stored once, in Simplified, and shown in Traditional
    # character by character: it must come out as the glossary writes it.
    row = next(row for row in NAMES if bureau["name"] in row["english"])
    assert to_traditional(bureau["name_zh"]) == row["traditional"]
