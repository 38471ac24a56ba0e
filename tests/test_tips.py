"""The tip form at /tips/: what readers rely on when they send one, and what it never keeps."""

import logging
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse

from tests.test_privacy import parse
from tracker.forms import form_stamp
from tracker.models import ExpiringKey, Tip

pytestmark = pytest.mark.django_db

URL = reverse("tracker:tips")
READER = "203.0.113.77"


def tip_data(**fields):
    """What a person's browser sends: a form shown ten seconds ago, honeypot left empty."""
    data = {
        "record": "",
        "text": "A new station opened in the community centre on Main Street in May.",
        "links": "https://example.org/report\nhttp://news.example.com/a?b=1",
        "contact": "",
        "website": "",
        "stamp": form_stamp(issued=time.time() - 10),
    }
    data.update(fields)
    return data


def send(client, address=READER, **fields):
    return client.post(URL, tip_data(**fields), REMOTE_ADDR=address)


def test_form_states_its_limits_and_what_we_keep(client):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Up to 5000 characters" in html
    assert "at most 5, each up to 1000 characters" in html
    assert "Up to 200 characters" in html
    assert 'id="what-we-keep"' in html
    assert "erased 30 days after we close your tip" in html
    assert "csrfmiddlewaretoken" in html


def test_form_and_status_are_never_kept_by_a_shared_cache(client):
    tip = Tip.objects.create(text="x")
    for url in (URL, tip.get_absolute_url()):
        cache_control = client.get(url)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, url
    assert "no-store" in send(client, text="x" * 6000)["Cache-Control"]


def test_form_loads_nothing_from_elsewhere_and_has_no_inline_code(client):
    loads = parse(client.get(URL).content.decode())
    assert all(a.startswith("/") and not a.startswith("//") for a in loads.fetched)
    assert loads.inline == []


def test_labels_and_help_are_tied_to_their_fields(client):
    html = client.get(URL).content.decode()
    for name in ("record", "text", "links", "contact"):
        assert f'<label for="id_{name}"' in html
        assert f'aria-describedby="id_{name}_helptext"' in html


@pytest.mark.parametrize(
    ("query", "value"),
    [("?station=IRL01", "IRL01"), ("?event=2022-10-dublin-closure-order", "2022-10-dublin")],
)
def test_form_is_prefilled_from_a_record_page(client, query, value):
    html = client.get(URL + query).content.decode()
    assert 'name="record" value="' + value in html


@pytest.mark.parametrize(
    ("record_url", "query"),
    [
        (reverse("tracker:station_detail", args=["IRL01"]), "?station=IRL01"),
        (
            reverse("tracker:event_detail", args=["2022-10-dublin-closure-order"]),
            "?event=2022-10-dublin-closure-order",
        ),
    ],
)
def test_record_pages_link_to_the_form(client, record_url, query):
    # Not named "page": that is Playwright's fixture, and would make this a browser test.
    html = client.get(record_url).content.decode()
    assert f'href="{URL}{query}">Report an error or add information</a>' in html


def test_valid_tip_is_stored_and_gives_a_receipt(client):
    response = send(client, record="irl01", contact="signal: +31 6 0000")
    assert response.status_code == 302, response.context["form"].errors
    tip = Tip.objects.get()
    assert response["Location"] == f"/tips/{tip.receipt}/?sent=1"
    assert tip.station.code == "IRL01" and tip.record == "irl01"
    assert tip.links == ["https://example.org/report", "http://news.example.com/a?b=1"]
    assert tip.contact == "signal: +31 6 0000"
    assert tip.state == Tip.State.NEW and tip.closed_at is None
    receipt_page = client.get(response["Location"]).content.decode()
    assert tip.receipt in receipt_page and "New" in receipt_page


def test_tip_about_an_event_resolves_its_slug(client):
    send(client, record="2022-10-dublin-closure-order")
    assert Tip.objects.get().event.slug == "2022-10-dublin-closure-order"


def test_a_double_click_stores_one_tip(client):
    data = tip_data()
    first = client.post(URL, data, REMOTE_ADDR=READER)
    second = client.post(URL, data, REMOTE_ADDR=READER)
    assert Tip.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_double_click_stores_one_tip_whichever_app_process_answers(client):
    data = tip_data()
    first = client.post(URL, data, REMOTE_ADDR=READER)
    cache.clear()  # the second click reaches another process, with a memory of its own
    second = client.post(URL, data, REMOTE_ADDR=READER)
    assert Tip.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_form_brought_back_and_changed_is_refused_then_sent_with_its_fresh_stamp(
    client, monkeypatch
):
    data = tip_data()
    client.post(URL, data, REMOTE_ADDR=READER)
    again = client.post(URL, {**data, "text": "And one more thing."}, REMOTE_ADDR=READER)
    html = again.content.decode()
    assert again.status_code == 400
    assert "This copy of the form has already sent a tip" in html
    assert "And one more thing." in html
    assert Tip.objects.count() == 1
    # The page came back with a fresh stamp: sent a little later, it goes through.
    fresh = html.split('name="stamp" value="')[1].split('"')[0]
    monkeypatch.setattr("tracker.forms.now", lambda: time.time() + 10)
    sent = client.post(URL, {**data, "text": "And one more thing.", "stamp": fresh})
    assert sent.status_code == 302
    assert Tip.objects.count() == 2


def test_one_stamp_sends_one_tip_however_often_a_script_replays_it(client):
    stamp = form_stamp(issued=time.time() - 10)
    statuses = [
        send(client, address=f"198.51.100.{n}", stamp=stamp, text=f"Spam number {n}.").status_code
        for n in range(1, 5)
    ]
    assert statuses == [302, 400, 400, 400]
    assert list(Tip.objects.values_list("text", flat=True)) == ["Spam number 1."]


def test_two_requests_with_one_stamp_at_the_same_moment_keep_one_tip():
    from django.core.exceptions import ValidationError

    from tracker.forms import TipForm

    # Both pass validation before either is stored, as two requests at once do.
    data = tip_data()
    first, twin, other = (TipForm(d) for d in (data, data, {**data, "text": "Other text."}))
    assert first.is_valid() and twin.is_valid() and other.is_valid()
    receipt = first.save().receipt
    assert first.use_stamp(receipt) == receipt
    # The twin (a double click) is answered with the first receipt; other text is refused.
    assert twin.use_stamp("ABCD-EFGH-JKMN") == receipt
    with pytest.raises(ValidationError, match="already sent a tip"):
        other.use_stamp("ABCD-EFGH-JKMP")


def test_status_page_shows_only_the_state(client):
    tip = Tip.objects.create(text="secret words", contact="me@example.org", links=["https://x.org"])
    tip.state = Tip.State.IN_PROGRESS
    tip.save()
    html = client.get(f"/tips/{tip.receipt.lower()}/").content.decode()
    assert "In progress" in html
    for private in ("secret words", "me@example.org", "x.org"):
        assert private not in html
    assert client.get("/tips/NO-SUCH-CODE/").status_code == 404


def test_receipt_codes_are_random_and_easy_to_copy():
    codes = {Tip.objects.create(text="x").receipt for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert len(code) == 14 and code.count("-") == 2
        assert not set(code) & set("0O1IL")


# --- Nothing lost: a refused tip comes back with the reader's text and the reason -------


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"text": ""}, "text", "This field is required."),
        ({"text": "x" * 5001}, "text", "at most 5000 characters"),
        ({"links": "javascript:alert(1)"}, "links", "Line 1 is not a web address"),
        ({"links": "\n".join(f"https://e.org/{n}" for n in range(6))}, "links", "at most 5 links"),
        ({"record": "XYZ99"}, "record", "We list no station or event called"),
        ({"contact": "c" * 201}, "contact", "at most 200 characters"),
    ],
)
def test_invalid_tip_returns_the_form_with_the_text_and_the_problem_at_the_field(
    client, fields, field, reason
):
    typed = "I saw the sign on 12 Main Street <b>yesterday</b>."
    response = send(client, **{"text": typed, **fields})
    html = response.content.decode()
    assert response.status_code == 400
    assert Tip.objects.count() == 0
    if field != "text":
        assert "I saw the sign on 12 Main Street &lt;b&gt;yesterday&lt;/b&gt;." in html
    assert f'<ul class="errorlist" id="id_{field}_error"><li>' in html
    assert reason in html.split(f'id="id_{field}_error"')[1].split("</ul>")[0]
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in html
    assert 'aria-invalid="true"' in html


def test_draft_station_is_not_a_known_record(client):
    from tracker.models import State, Station

    Station.objects.filter(code="IRL01").update(state=State.DRAFT)
    response = send(client, record="IRL01")
    assert response.status_code == 400 and Tip.objects.count() == 0


def test_database_error_tells_the_reader_to_try_again_with_the_text_kept(client, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Tip, "save", broken_save)
    data = tip_data(text="The station moved to 4 Harbour Road.", contact="me@x.org")
    response = client.post(URL, data, REMOTE_ADDR=READER)
    html = response.content.decode()
    assert response.status_code == 503
    assert "Your tip could not be saved" in html and "try sending it again" in html
    assert "The station moved to 4 Harbour Road." in html and "me@x.org" in html
    monkeypatch.undo()
    assert Tip.objects.count() == 0
    # The same copy of the form, sent again, now goes through.
    assert client.post(URL, data, REMOTE_ADDR=READER).status_code == 302
    assert Tip.objects.get().contact == "me@x.org"


# --- Scripts: honeypot and signed time stamp ------------------------------------------------


def test_honeypot_filled_is_refused_and_nothing_stored(client):
    response = send(client, website="http://spam.example")
    assert response.status_code == 400
    assert "was not sent" in response.content.decode()
    assert Tip.objects.count() == 0


def test_form_sent_too_fast_is_refused_and_nothing_stored(client):
    response = send(client, stamp=form_stamp(issued=time.time() - 1))
    assert response.status_code == 400
    assert "sent very fast" in response.content.decode()
    assert Tip.objects.count() == 0


def test_form_sent_too_late_is_refused_and_nothing_stored(client):
    response = send(client, stamp=form_stamp(issued=time.time() - 7 * 3600))
    html = response.content.decode()
    assert response.status_code == 400
    assert "opened more than 6 hours ago" in html
    assert "community centre on Main Street" in html
    assert Tip.objects.count() == 0


@pytest.mark.parametrize("stamp", ["", "forged", '{"t": 1}'])
def test_missing_or_forged_stamp_is_refused(client, stamp):
    assert send(client, stamp=stamp).status_code == 400
    assert Tip.objects.count() == 0


def test_refused_form_carries_a_fresh_stamp_so_it_can_be_sent_again(client):
    html = send(client, stamp=form_stamp(issued=time.time() - 7 * 3600)).content.decode()
    fresh = html.split('name="stamp" value="')[1].split('"')[0]
    assert fresh != tip_data()["stamp"]


# --- The per-client limit -----------------------------------------------------------------


def test_sixth_tip_in_an_hour_gets_429_while_another_client_gets_through(client):
    for _ in range(5):
        assert send(client).status_code == 302
    sixth = send(client, text="The sixth tip, kept on the page for the reader.")
    html = sixth.content.decode()
    assert sixth.status_code == 429
    assert sixth["Retry-After"] == "3600"
    assert "Please wait before sending another tip" in html
    assert "The sixth tip, kept on the page for the reader." in html
    assert Tip.objects.count() == 5
    assert send(client, address="198.51.100.9").status_code == 302
    assert Tip.objects.count() == 6


def test_limit_is_counted_per_client_without_its_address(client):
    send(client)
    # Without a shared cache the count is kept in the database, under the salted hash.
    kept = list(ExpiringKey.objects.values_list("key", "value"))
    assert any(key.startswith("ratelimit:tips:") for key, _ in kept)
    assert not any(READER in key or READER in value for key, value in kept)
    assert not any(READER in key for key in cache._cache)
    assert not any(READER.encode() in value for value in cache._cache.values())


def test_limit_key_changes_with_the_days_salt(client, rf, monkeypatch):
    from django.utils import timezone

    from tracker import ratelimit

    request = rf.get("/", REMOTE_ADDR=READER)
    today = ratelimit.client_key(request)
    salt = f"ratelimit:salt:{timezone.now().date().isoformat()}"
    assert ratelimit.client_key(request) == today
    tomorrow = timezone.now() + timedelta(days=1)
    monkeypatch.setattr(timezone, "now", lambda: tomorrow)
    assert ratelimit.client_key(request) != today
    # The day's salt is gone once it expires: the old key cannot be made again.
    monkeypatch.setattr(timezone, "now", lambda: tomorrow + timedelta(hours=2))
    call_command("purge_tips", stdout=StringIO())
    assert not ExpiringKey.objects.filter(key=salt).exists()


# --- The reader's address is written nowhere --------------------------------------------


def test_no_address_in_the_stored_row_or_the_logs(client, caplog, monkeypatch, settings):
    settings.TIPS_PER_HOUR = 2
    caplog.set_level(logging.DEBUG)
    browser = {"HTTP_USER_AGENT": "Mozilla/5.0 reader-browser", "HTTP_X_FORWARDED_FOR": READER}
    client.get(URL, REMOTE_ADDR=READER, **browser)
    client.post(URL, tip_data(contact="x"), REMOTE_ADDR=READER, **browser)
    client.post(URL, tip_data(text=""), REMOTE_ADDR=READER, **browser)  # 400
    client.post(URL, tip_data(), REMOTE_ADDR=READER, **browser)
    assert client.post(URL, tip_data(), REMOTE_ADDR=READER, **browser).status_code == 429
    client.get("/tips/NOPE/", REMOTE_ADDR=READER, **browser)  # 404
    monkeypatch.setattr(Tip, "save", lambda *a, **k: (_ for _ in ()).throw(OperationalError()))
    settings.TIPS_PER_HOUR = 10
    assert client.post(URL, tip_data(), REMOTE_ADDR=READER, **browser).status_code == 503

    rows = list(Tip.objects.values())
    assert len(rows) == 2
    for row in rows:
        for column, value in row.items():
            assert READER not in str(value), column
            assert "reader-browser" not in str(value), column
    assert any(record.levelno >= logging.WARNING for record in caplog.records)
    for record in caplog.records:
        assert READER not in record.getMessage()
        for name, value in vars(record).items():
            assert READER not in str(value), (record.name, name)
