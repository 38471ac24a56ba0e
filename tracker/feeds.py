"""Atom feeds: published events, and the corrections log, newest first.

Titles and summaries are the records' plain text, and say so: Django's Atom
feed marks an item's description as HTML (``<summary type="html">``), which
would make a reader's program treat ``<`` or ``&amp;`` in a title or note as
markup. The feeds give no description and send the summary as text instead
(``TextSummaryAtomFeed``); Atom titles are text unless they say otherwise.
"""

import datetime

from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .filters import EventFilter
from .models import Correction, Event

#: Entries in the feed; readers keep their own history.
FEED_SIZE = 50


class TextSummaryAtomFeed(Atom1Feed):
    """Atom 1.0 whose entries carry their plain-text ``summary`` (``type="text"``)."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("summary"):
            handler.addQuickElement("summary", item["summary"], {"type": "text"})


class PlainTextFeed(Feed):
    """A feed whose items' ``item_summary()`` is plain text, sent as such."""

    feed_type = TextSummaryAtomFeed

    def item_description(self, item):
        # None: no <summary type="html">; the text goes in item_extra_kwargs.
        return None

    def item_extra_kwargs(self, item):
        return {**super().item_extra_kwargs(item), "summary": self.item_summary(item)}

    def item_summary(self, item) -> str:
        raise NotImplementedError


class LatestEventsFeed(PlainTextFeed):
    """``/events/feed/``: the latest published events as Atom."""

    title = "Overseas Station Tracker: events"
    subtitle = (
        "Openings, reports, investigations, raids, closures and other events around "
        "the overseas police service stations, each with its sources."
    )
    link = reverse_lazy("tracker:event_list")
    feed_url = reverse_lazy("tracker:event_feed")
    author_name = "Overseas Station Tracker"

    def get_object(self, request):
        """The event filters of the request: ``/events/feed/?type=raid`` has raids only.

        A malformed filter gives an empty feed, never every event by mistake.
        """
        return EventFilter(request.GET, queryset=Event.objects.published())

    def items(self, obj):
        events = obj.qs if obj.is_valid() else Event.objects.none()
        return events.newest_first()[:FEED_SIZE]

    def item_title(self, item):
        return f"{item.date_label}: {item.title}"

    def item_summary(self, item):
        return item.description or item.title

    def item_pubdate(self, item):
        # The event's own date (at its precision, the first day of the period); an
        # undated event has none, and its entry's time is its last change.
        if item.date is None:
            return None
        return datetime.datetime.combine(item.date, datetime.time(), tzinfo=datetime.UTC)

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [item.get_type_display()]


class CorrectionsFeed(PlainTextFeed):
    """``/changes/feed/``: the corrections log as Atom, newest first."""

    title = _("Overseas Station Tracker: corrections log")
    subtitle = _("Changes to the public facts of published records, and withdrawals.")
    link = reverse_lazy("tracker:changes")
    feed_url = reverse_lazy("tracker:changes_feed")
    author_name = "Overseas Station Tracker"

    def items(self):
        return Correction.objects.all()[:FEED_SIZE]

    def item_title(self, item):
        if item.withdrawal:
            return gettext("Withdrawn: %(record)s") % {"record": item.record_label}
        return gettext("Corrected: %(record)s") % {"record": item.record_label}

    def item_summary(self, item):
        lines = [
            f"{change['label']}: {change['old']} → {change['new']}"
            if change["old"] is not None
            else f"{change['label']}: {gettext('changed')}"
            for change in item.changes
        ]
        return "\n".join([*lines, item.note])

    def item_pubdate(self, item):
        return item.date
