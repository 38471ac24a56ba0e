"""Every public page in English, Simplified and Traditional Chinese: its address, its
``lang``, the links to itself in the other languages, and no English interface left."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import timezone, translation

from tracker.models import Event, Station

#: One page of each public type (and a data URL and the feed), unprefixed.
PAGES = {
    "home": "/",
    "stations": "/stations/",
    "stations-filtered": "/stations/?bureau=qingtian&country=ESP",
    "station": "/stations/GBR02/",
    "events": "/events/",
    "event": "/events/2022-10-dublin-closure-order/",
    "sources": "/sources/",
    "source": "/sources/irl-dail-2022-12-13/",
    "country": "/countries/NLD/",
    "bureau": "/bureaus/qingtian/",
    "about": "/about/",
    "changes": "/changes/",
    "data": "/data/",
    "tips": "/tips/",
}
PREFIXES = {"en": "", "zh-hans": "/zh-hans", "zh-hant": "/zh-hant"}
TAGS = {"en": "en", "zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}

#: English interface words that must not be left on a Chinese page.
ENGLISH_WORDS = re.compile(
    r"\b(Stations?|Events?|Sources?|Download|Filter|Search|Next|Previous|Status|Active|"
    r"Country|Countries|Bureau|Summary|Timeline|Published|Reported|Confirmed|Closed|Unknown|"
    r"Home|Page not found|Cite this page|Apply filters|Reset)\b"
)


class VisibleText(HTMLParser):
    """The text a reader sees, leaving out scripts, styles, the head, and any element
    marked as another language (an English record text, the switcher's "English")."""

    SKIP = {"script", "style", "head", "title", "code"}
    VOID = {"br", "img", "input", "link", "meta", "hr", "source", "wbr", "path", "circle", "rect"}

    def __init__(self):
        super().__init__()
        self.stack, self.chunks = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        foreign = attrs.get("lang", "").startswith("en") or tag in self.SKIP
        self.stack.append(foreign or (self.stack[-1] if self.stack else False))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.chunks.append(data)

    @classmethod
    def of(cls, html: str) -> str:
        parser = cls()
        parser.feed(html)
        return " ".join(" ".join(parser.chunks).split())


def url(language: str, page: str) -> str:
    return PREFIXES[language] + PAGES[page]


@pytest.mark.django_db
@pytest.mark.parametrize("language", PREFIXES)
@pytest.mark.parametrize("kind", PAGES)
def test_every_page_answers_in_each_language_with_lang_switcher_and_hreflang(
    client, kind, language
):
    response = client.get(url(language, kind))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{TAGS[language]}">' in html
    path, _, query = PAGES[kind].partition("?")
    for other, prefix in PREFIXES.items():
        same_page = prefix + path + (f"?{query.replace('&', '&amp;')}" if query else "")
        if other != language:
            # The switcher: a plain link to this very page (path and query) in the other language.
            assert f'<a href="{same_page}" hreflang="{TAGS[other]}"' in html
        canonical = f"http://testserver{prefix}{path}"
        assert f'<link rel="alternate" hreflang="{TAGS[other]}" href="{canonical}' in html
    assert f'<link rel="alternate" hreflang="x-default" href="http://testserver{path}' in html
    assert f'<link rel="canonical" href="http://testserver{PREFIXES[language]}{path}' in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "zh-hant"])
@pytest.mark.parametrize("kind", [*PAGES, "not-found"])
def test_no_english_interface_word_is_left_on_a_chinese_page(client, kind, language):
    address = PREFIXES[language] + "/no-such-page/" if kind == "not-found" else url(language, kind)
    response = client.get(address)
    text = VisibleText.of(response.content.decode())
    assert not ENGLISH_WORDS.findall(text), text


@pytest.mark.django_db
@pytest.mark.parametrize("language", PREFIXES)
def test_not_found_page_is_in_the_language_of_its_address(client, language):
    response = client.get(PREFIXES[language] + "/no-such-page/")
    assert response.status_code == 404
    assert f'<html lang="{TAGS[language]}">' in response.content.decode()


@pytest.mark.django_db
def test_dates_counts_and_country_names_follow_the_language(client):
    hans = client.get("/zh-hans/countries/NLD/").content.decode()
    hant = client.get("/zh-hant/countries/NLD/").content.decode()
    assert "<h1>荷兰</h1>" in hans
    assert "<h1>荷蘭</h1>" in hant
    assert re.search(r"\d{4}年\d{1,2}月", hans)
    assert "个站点" in hans or "個站點" in hant


@pytest.mark.django_db
def test_record_texts_show_in_chinese_and_english_is_marked_where_none_is_written(client):
    station = Station.objects.get(code="GBR02")
    page = client.get("/zh-hans/stations/GBR02/").content.decode()
    assert station.summary_zh_hans in page
    # Moving updated_at tells the page cache the data changed, as a save does.
    now = timezone.now()
    Station.objects.filter(pk=station.pk).update(summary_zh_hant="", updated_at=now)
    event = Event.objects.published().filter(stations=station).first()
    Event.objects.filter(pk=event.pk).update(title_zh_hant="", updated_at=now)
    page = client.get("/zh-hant/stations/GBR02/").content.decode()
    assert f'<span lang="en">{event.title}</span> <span class="lang-note">（英文）</span>' in page
    assert '<p lang="en">' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["荷兰", "荷蘭", "伦敦", "倫敦"],
)
def test_a_chinese_query_in_either_script_finds_a_seed_station(client, query):
    response = client.get("/zh-hant/stations/", {"q": query})
    assert response.status_code == 200
    assert response.context["page"].paginator.count >= 1


@pytest.mark.django_db
def test_an_event_is_found_by_its_chinese_title_in_the_other_script(client):
    event = Event.objects.published().exclude(title_zh_hans="").first()
    words = re.findall(r"[\u4e00-\u9fff]{2,}", event.title_zh_hans)
    from tracker.hanzi import to_traditional

    response = client.get("/zh-hant/events/", {"q": to_traditional(words[0])})
    assert event in response.context["page"].paginator.object_list


@pytest.mark.django_db
def test_english_search_stays_accent_and_case_insensitive(client):
    response = client.get("/zh-hans/stations/", {"q": "DUBLIN"})
    assert response.context["page"].paginator.count >= 1


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_catalogues_are_complete(language):
    catalogue = polib.pofile(
        Path(settings.BASE_DIR, "locale", language, "LC_MESSAGES", "django.po")
    )
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not missing, missing
    assert not fuzzy, fuzzy
    # The committed .mo is the compiled .po: same messages, same translations.
    compiled = polib.mofile(str(Path(catalogue.fpath).with_suffix(".mo")))
    assert {(e.msgid, e.msgstr) for e in compiled} == {
        (e.msgid, e.msgstr) for e in catalogue.translated_entries()
    }


@pytest.mark.django_db
def test_json_texts_follow_the_language_and_keep_their_field_names(client):
    def station(prefix):
        response = client.get(f"{prefix}/stations.json?country=NLD")
        data = json.loads(b"".join(response.streaming_content))
        # The stream is read in the address's language, which the test's thread keeps
        # afterwards: leave it as the next test expects.
        translation.activate(settings.LANGUAGE_CODE)
        return next(row for row in data["results"] if row["code"] == "NLD04")

    english, chinese = station(""), station("/zh-hans")
    assert english.keys() == chinese.keys()
    assert english["country_name"] == "Netherlands" and chinese["country_name"] == "荷兰"
    assert english["summary"].isascii() and "荷兰" in chinese["summary"]
    # The CSV keeps the import's columns: every language in its own column.
    header = b"".join(client.get("/zh-hans/stations.csv?country=NLD").streaming_content)
    translation.activate(settings.LANGUAGE_CODE)
    assert b"summary,summary_zh_hans,summary_zh_hant" in header


@pytest.mark.django_db
@pytest.mark.parametrize("first_visitor", ["client", "editor_client"])
def test_a_kept_station_page_links_its_languages_without_a_visitors_query(
    request, client, first_visitor
):
    # The station page is kept whole once rendered; the first visitor's query
    # (a tracking parameter, or anything typed) must not stay in its links.
    request.getfixturevalue(first_visitor).get("/stations/GBR02/?x=1&utm_source=chat")
    client.logout()
    for address in ("/stations/GBR02/", "/stations/GBR02/?x=2"):
        html = client.get(address).content.decode()
        assert "x=1" not in html and "x=2" not in html and "utm_source" not in html
        assert '<a href="/zh-hans/stations/GBR02/" hreflang="zh-Hans"' in html
