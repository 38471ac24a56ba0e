"""A source's corrections and withdrawal reach the log and its URL, as a station's do.

A source has a field of its own named ``kind`` (news, NGO report…); the log
files each entry under the kind of record (station, event, source), and the
two once met: a corrected source was logged under "news", which broke
``/changes/`` and left a withdrawn source's URL at 404 instead of 410.
"""

import pytest
from django.urls import reverse
from django.utils import translation

from tracker import languages
from tracker.models import Correction, Source, State

pytestmark = pytest.mark.django_db

KEY = "irl-dail-2022-12-13"
PREFIXES = ["", "/zh-hans", "/zh-hant"]


def correct_publisher(client, change_form_data, source, publisher, note):
    url = reverse("admin:tracker_source_change", args=[source.pk])
    data = {**change_form_data(client.get(url)), "publisher": publisher, "public_note": note}
    return client.post(url, data)


def test_editor_correction_of_a_source_is_in_the_log_and_feed_in_every_language(
    editor_client, change_form_data
):
    source = Source.objects.get(key=KEY)
    assert source.kind != "source"  # its own kind: a government publication
    response = correct_publisher(
        editor_client, change_form_data, source, "Houses of the Oireachtas", "Publisher named."
    )
    assert response.status_code == 302
    entry = Correction.objects.get()
    assert (entry.kind, entry.record_key) == ("source", KEY)
    editor_client.logout()
    for prefix in PREFIXES:
        page = editor_client.get(f"{prefix}/changes/")
        assert page.status_code == 200, prefix
        html = page.content.decode()
        assert "Houses of the Oireachtas" in html and "Publisher named." in html, prefix
        assert f'href="{prefix}/sources/{KEY}/"' in html, prefix
        sources_only = editor_client.get(f"{prefix}/changes/", {"kind": "sources"})
        assert "Publisher named." in sources_only.content.decode(), prefix
        feed = editor_client.get(f"{prefix}/changes/feed/")
        assert feed.status_code == 200, prefix
        assert "Houses of the Oireachtas" in feed.content.decode(), prefix


def test_log_entries_filed_under_a_source_kind_read_as_sources(client):
    # Entries written before the fix carry the source's own kind ("news"): they read
    # as a source's, rather than breaking the log.
    from importlib import import_module

    migration = import_module("tracker.migrations.0014_correction_kind_of_sources")
    Correction.objects.create(kind="news", record_key=KEY, record_label="Written answer")
    migration.file_under_sources(Correction.objects)
    assert Correction.objects.get().kind == "source"
    page = client.get("/changes/")
    assert page.status_code == 200 and f'href="/sources/{KEY}/"' in page.content.decode()


@pytest.fixture
def lone_source(db):
    """A published source that no published record depends on: it may be withdrawn."""
    return Source.objects.create(
        key="example-2023-01", title="A report later found unreliable", state=State.PUBLISHED
    )


def test_withdrawn_source_answers_410_with_the_date_and_reason(editor_client, lone_source):
    response = editor_client.post(
        reverse("admin:tracker_source_changelist"),
        {
            "action": "retract",
            "_selected_action": [lone_source.pk],
            "withdrawal_reason": "The report was retracted by its publisher.",
        },
    )
    assert response.status_code == 302
    lone_source.refresh_from_db()
    assert lone_source.state == State.DRAFT
    editor_client.logout()
    withdrawal = Correction.objects.get(withdrawal=True)
    for prefix in PREFIXES:
        page = editor_client.get(f"{prefix}/sources/{lone_source.key}/")
        assert page.status_code == 410, prefix
        html = page.content.decode()
        assert "The report was retracted by its publisher." in html, prefix
        with translation.override(prefix.strip("/") or "en"):
            assert languages.long_date(withdrawal.date) in html, prefix
    log = editor_client.get("/changes/", {"kind": "sources"})
    assert log.status_code == 200 and "The report was retracted" in log.content.decode()


def test_a_source_never_published_is_still_404(client):
    Source.objects.create(key="example-draft", title="Draft")
    assert client.get("/sources/example-draft/").status_code == 404
