"""The citations sheet: rows keyed by source and record, the facts each citation backs."""

from __future__ import annotations

from contextlib import suppress

from django.core.exceptions import ValidationError

from ..models import Citation, Event, Station, clean_supports
from .bulk import History, Table, chunks, write_citations
from .engine import CellError, Problem
from .kinds import Kind, lock_matched


class CitationKind(Kind):
    kind, singular, model = "citations", "citation", Citation
    key_columns = ("source", "station", "event")
    fk_fields = frozenset({"source", "station", "event"})

    def __init__(self):
        super().__init__()
        self.targets = {}

    def missing_header(self, positions):
        if "source" not in positions or not ({"station", "event"} & set(positions)):
            return (
                "The header needs a source column and a station or event column: they "
                "identify each citation."
            )
        return ""

    def row_key(self, run, cells):
        if not cells["source"]:
            raise CellError("source", "source is blank: write the key of the source cited.")
        try:
            source = run.lookups.source(cells["source"])
        except ValueError as error:
            raise CellError("source", str(error)) from None
        code = cells.get("station", "").upper()
        slug = cells.get("event", "")
        if bool(code) == bool(slug):
            raise CellError(
                "station" if "station" in cells else "event",
                "a citation supports exactly one record: fill in either station or event.",
            )
        try:
            station = run.lookups.station(code) if code else None
        except ValueError as error:
            raise CellError("station", str(error)) from None
        try:
            event = run.lookups.event(slug) if slug else None
        except ValueError as error:
            raise CellError("event", str(error)) from None
        key = f"{source.key}|station|{code}" if code else f"{source.key}|event|{slug}"
        self.targets[key] = (source, station, event)
        return key

    def check_row(self, run, number, key, instance, values, problems):
        """The facts a citation supports are those of its record's kind."""
        if "supports" not in values:
            return
        _source, station, _event = self.targets[key]
        try:
            values["supports"] = clean_supports(
                values["supports"], "station" if station else "event"
            )
        except ValidationError as error:
            problems.append(Problem(number, "supports", error.messages[0]))

    def prepare(self, run, rows):
        lookups = run.lookups
        lookups.preload(
            lookups.stations, Station, "code", [c.get("station", "").upper() for c in rows]
        )
        lookups.preload(lookups.events, Event, "slug", [c.get("event", "") for c in rows])

    def load_existing(self, run, rows):
        lookups = run.lookups
        labels = {"station": {}, "event": {}}
        sources = set()
        for cells in rows:
            code, slug = cells.get("station", "").upper(), cells.get("event", "")
            if code in lookups.stations:
                labels["station"][lookups.stations[code].pk] = code
            if slug in lookups.events:
                labels["event"][lookups.events[slug].pk] = slug
            with suppress(ValueError):  # an unknown source: its row is rejected
                sources.add(lookups.source(cells["source"]).pk)
        # Only the citations of the sources these rows name can match one of them
        # (a record's other citations, often thousands, are left unread).
        by_source = {"source_id__in": sources} if len(sources) <= 500 else {}
        found = {}
        for target, pks in labels.items():
            for chunk in chunks(list(pks)):
                queryset = Citation._base_manager.filter(**{f"{target}_id__in": chunk}, **by_source)
                # No default ordering (a join on sources) and no target rows: keys suffice.
                queryset = queryset.select_related("source").order_by()
                for citation in lock_matched(queryset, run):
                    label = pks[getattr(citation, f"{target}_id")]
                    found[f"{citation.source.key}|{target}|{label}"] = citation
        return found

    def reviewed_record(self, run, plan):
        """A citation's change obeys the rules of the station or event it supports."""
        _source, station, event = self.targets[plan.key]
        return station or event

    def amendment(self, run, plan):
        source, _station, _event = self.targets[plan.key]
        if plan.is_new:
            added = {
                "source": source.pk,
                "supports": plan.values.get("supports", []),
                "locator": plan.values.get("locator", ""),
                "quotation": plan.values.get("quotation", ""),
            }
            return {"citations_added": [added]}
        new = {name: plan.values[name] for name in plan.changed if name in plan.values}
        return {"citations_changed": [(plan.instance, new)]}

    def write(self, run, new, changed, now):
        rows = []
        for plan in new:
            source, station, event = self.targets[plan.key]
            values = plan.values
            rows.append(  # in NEW_CITATION order
                (values.get("supports", []), values.get("locator", ""),
                 values.get("quotation", ""), source.pk, station.pk if station else None,
                 event.pk if event else None)
            )  # fmt: skip
        write_citations(run, rows, now)
        table = Table(Citation)
        history = History(Citation, user=run.user, reason=run.reason, when=now)
        instances = []
        for plan in changed:
            instance = plan.instance
            for name, value in plan.values.items():
                setattr(instance, name, value)
            instance.version += 1
            instance.updated_at = now
            instances.append(instance)
        names = ("supports", "locator", "quotation", "version", "updated_at")
        table.update(names, ([getattr(i, n) for n in names] + [i.pk] for i in instances))
        history.write(instances, "~")
