"""A changelist filters only on what its admin offers, never on a field hidden from the user.

Django's admin lets a query parameter filter a changelist on any field of its
model (``?contact__startswith=a&id__exact=1``). A Researcher may not see the
contact a reader gave with a tip, but such a filter answers one row or none,
which spells the contact out a character at a time. Every tracker admin
refuses a lookup its list filters and date hierarchy do not offer, and every
lookup on a field hidden from the user, with one answer whatever the data.
"""

import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.urls import reverse

from tracker.admin.access import FieldAccessMixin
from tracker.models import Station, Tip

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:tracker_tip_changelist")
CONTACT = "alice@example.org"

#: Every way to ask about the contact: each answered the same whether it matched or not.
CONTACT_PROBES = [
    ("contact", CONTACT, "nobody@example.org"),
    ("contact__exact", CONTACT, "nobody@example.org"),
    ("contact__iexact", CONTACT.upper(), "NOBODY@EXAMPLE.ORG"),
    ("contact__startswith", "a", "z"),
    ("contact__istartswith", "A", "Z"),
    ("contact__contains", "@example", "@nowhere"),
    ("contact__icontains", "ALICE", "BOB"),
    ("contact__endswith", ".org", ".net"),
    ("contact__regex", "^a", "^z"),
    ("contact__iregex", "^A", "^Z"),
    ("contact__in", CONTACT, "nobody@example.org"),
    ("contact__gt", "a", "zzz"),
    ("contact__lte", "b", "a"),
    ("contact__isnull", "False", "True"),
    ("contact__length", "17", "3"),
]

TRACKER_ADMINS = [
    model_admin
    for model, model_admin in admin.site._registry.items()
    if model._meta.app_label == "tracker"
]


@pytest.fixture
def tip(db):
    return Tip.objects.create(text="A station in Dublin.", contact=CONTACT)


def same_answer(first, second) -> bool:
    return (first.status_code, first.get("Location"), first.content) == (
        second.status_code,
        second.get("Location"),
        second.content,
    )


def refused(response) -> bool:
    """Django's answers to a lookup it refuses: a 400, or back to the list with ``?e=1``."""
    return response.status_code == 400 or (
        response.status_code == 302 and response["Location"].endswith("?e=1")
    )


@pytest.mark.parametrize(("lookup", "matching", "missing"), CONTACT_PROBES)
def test_researcher_filter_on_the_contact_is_refused_and_tells_nothing(
    researcher_client, tip, lookup, matching, missing
):
    hit = researcher_client.get(CHANGELIST, {lookup: matching, "id__exact": tip.pk})
    miss = researcher_client.get(CHANGELIST, {lookup: missing, "id__exact": tip.pk})
    assert refused(hit), lookup
    assert same_answer(hit, miss), lookup
    # Without the row pinned by its id, too.
    assert same_answer(
        researcher_client.get(CHANGELIST, {lookup: matching}),
        researcher_client.get(CHANGELIST, {lookup: missing}),
    ), lookup


def test_researcher_cannot_order_the_tips_by_contact(researcher_client, tip):
    # ``?o=`` numbers the list's columns: none of a Researcher's columns is the contact.
    Tip.objects.create(text="Another", contact="zed@example.org")
    for order in ["", *(f"{sign}{n}" for n in range(12) for sign in ("", "-"))]:
        response = researcher_client.get(CHANGELIST, {"o": order})
        if response.status_code != 200:
            continue
        ordering = str(response.context["cl"].queryset.query).split("ORDER BY")[-1]
        assert "contact" not in ordering, order


def test_researcher_search_and_changelist_filters_say_nothing_of_the_contact(
    researcher_client, tip
):
    # A search is over what a Researcher sees; the contact is not among it.
    assert tip.receipt not in researcher_client.get(CHANGELIST, {"q": "alice"}).content.decode()
    # The filters a change page carries back to its list are checked there too.
    url = reverse("admin:tracker_tip_change", args=[tip.pk])
    page = researcher_client.get(url, {"_changelist_filters": "contact__startswith=a"})
    assert page.status_code == 200 and CONTACT not in page.content.decode()
    assert refused(researcher_client.get(f"{CHANGELIST}?contact__startswith=a"))


def test_researcher_sees_no_contact_in_the_tip_history_or_autocomplete(researcher_client, tip):
    history = reverse("admin:tracker_tip_history", args=[tip.pk])
    assert CONTACT not in researcher_client.get(history).content.decode()
    complete = researcher_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "tracker", "model_name": "tip", "field_name": "contact", "term": "a"},
    )
    assert complete.status_code == 403


def test_editor_keeps_the_contact_and_the_offered_filters(editor_client, tip):
    assert CONTACT in editor_client.get(CHANGELIST).content.decode()
    assert tip.receipt in editor_client.get(CHANGELIST, {"state__exact": "new"}).content.decode()
    year = tip.created_at.year
    assert editor_client.get(CHANGELIST, {"created_at__year": year}).status_code == 200
    # Nobody filters on the contact: the list does not offer it.
    assert refused(editor_client.get(CHANGELIST, {"contact__startswith": "a"}))


def test_offered_filters_and_needs_work_links_still_filter(researcher_client):
    station_list = reverse("admin:tracker_station_changelist")
    response = researcher_client.get(
        station_list,
        {"state__exact": "published", "bureau__id__exact": Station.objects.first().bureau_id},
    )
    assert response.status_code == 200
    assert researcher_client.get(station_list, {"city__isempty": "1"}).status_code == 200
    assert researcher_client.get(station_list, {"country__code__exact": "NLD"}).status_code == 200
    citations = reverse("admin:tracker_citation_changelist")
    assert researcher_client.get(citations, {"source__kind__exact": "news"}).status_code == 200
    events = reverse("admin:tracker_event_changelist")
    assert researcher_client.get(events, {"date__year": "2022"}).status_code == 200
    page = researcher_client.get(reverse("admin-needs-work"))
    for item in page.context["items"]:
        assert researcher_client.get(item["url"]).status_code == 200, item["url"]


def test_every_tracker_admin_is_built_on_the_rule():
    assert TRACKER_ADMINS
    for model_admin in TRACKER_ADMINS:
        assert isinstance(model_admin, FieldAccessMixin), type(model_admin).__name__


@pytest.mark.parametrize("model_admin", TRACKER_ADMINS, ids=lambda a: a.model._meta.model_name)
def test_every_admin_refuses_a_lookup_it_does_not_offer(rf, editor, model_admin):
    request = rf.get("/")
    request.user = editor
    offered = set()
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, SimpleListFilter):
            assert model_admin.lookup_allowed(item.parameter_name, "x", request)
            continue
        offered.add((item[0] if isinstance(item, tuple | list) else item).split("__")[0])
    if model_admin.date_hierarchy:
        assert model_admin.lookup_allowed(f"{model_admin.date_hierarchy}__year", "2022", request)
        offered.add(model_admin.date_hierarchy)
    not_offered = [
        field
        for field in model_admin.model._meta.concrete_fields
        if field.name not in offered and not field.is_relation
    ]
    assert not_offered
    for field in not_offered:
        for lookup in (field.name, f"{field.name}__exact", f"{field.name}__startswith"):
            assert not model_admin.lookup_allowed(lookup, "1", request), lookup
    assert not model_admin.lookup_allowed("pk", "1", request)
    assert not model_admin.lookup_allowed("nonsense__exact", "1", request)


def test_every_admin_changelist_refuses_a_lookup_it_does_not_offer(editor_client):
    for model_admin in TRACKER_ADMINS:
        meta = model_admin.model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert refused(editor_client.get(url, {"id__exact": "1"})), url
