"""Atom feeds: published events, and the corrections log, newest first."""

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


class LatestEventsFeed(Feed):
    """``/events/feed/``: the latest published events as Atom."""

    feed_type = Atom1Feed
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

    def item_description(self, item):
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


class CorrectionsFeed(Feed):
    """``/changes/feed/``: the corrections log as Atom, newest first."""

    feed_type = Atom1Feed
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

    def item_description(self, item):
        lines = [
            f"{change['label']}: {change['old']} → {change['new']}"
            if change["old"] is not None
            else f"{change['label']}: {gettext('changed')}"
            for change in item.changes
        ]
        return "\n".join([*lines, item.note])

    def item_pubdate(self, item):
        return item.date
