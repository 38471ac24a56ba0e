"""What each kind of sheet needs beyond its columns: its key, references, links, writes.

Records are written by ``bulk.py`` in plain bulk statements with their
history; bureaus, a handful per database and without history, through
``save()`` (which also refreshes the search text of their stations).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection

from ..models import Bureau, Citation, Event, Source, Station, links_changed
from .bulk import CHUNK, History, Table, chunks, m2m_history_table, write_citations
from .columns import SLUG, STATION_CODE, quote, split_list
from .engine import Problem


def lock_matched(queryset, run):
    # Matched rows stay locked until the import commits (PostgreSQL; SQLite's
    # IMMEDIATE transactions hold the write lock already).
    if run.lock and connection.vendor != "sqlite":
        return queryset.select_for_update(of=("self",))
    return queryset


class NewRecords:
    """Builds the new records of checked rows, positionally.

    ``Model(*values)`` in field order is Django's own fast path (``from_db``
    takes it); building by keyword looks every field up by name, and took a
    tenth of a 100,000-event import.
    """

    def __init__(self, model, key: str):
        fields = model._meta.concrete_fields
        self.model = model
        self.blank = [f.get_default() for f in fields]
        #: Fields whose default is made per record (``default=list``…).
        self.fresh = [
            (i, f) for i, f in enumerate(fields) if f.has_default() and callable(f.default)
        ]
        self.positions = {f.name: i for i, f in enumerate(fields)}
        self.relations = {f.name: f for f in fields if f.is_relation}
        self.key = key

    def build(self, key: str, values: dict):
        """A new record with ``key`` and the row's field values (the rest their defaults)."""
        args = self.blank.copy()
        for index, field in self.fresh:
            args[index] = field.get_default()
        args[self.positions[self.key]] = key
        related = []
        for name, value in values.items():
            if name in self.relations:
                related.append((self.relations[name], value))
                value = value.pk
            args[self.positions[name]] = value
        instance = self.model(*args)
        for field, value in related:
            # The record keeps the object it refers to, as assigning it would (its
            # search text reads it), without the descriptor's checks of a user's value.
            field.set_cached_value(instance, value)
        return instance


class Kind:
    """A kind of sheet: stations, events, sources, citations or bureaus."""

    kind = ""
    singular = ""
    model = None
    key_columns: tuple[str, ...] = ()
    fk_fields: frozenset[str] = frozenset()
    #: Sheet key -> cited source keys of matched records (stations and events).
    cited: dict

    def __init__(self):
        self.cited = {}

    def missing_header(self, positions) -> str:
        missing = [name for name in self.key_columns if name not in positions]
        if missing:
            return (
                f"The header has no {' or '.join(missing)} column, which identifies each "
                f"{self.singular}: {self.kind} sheets need it."
            )
        return ""

    def row_key(self, run, cells) -> str:
        raise NotImplementedError

    def prepare(self, run, rows):
        """Preload what a batch of rows refers to (a few queries per batch)."""

    def load_existing(self, run, rows) -> dict:
        key = self.key_columns[0]
        keys = [self.normal_key(cells[key]) for cells in rows if cells.get(key)]
        found = {}
        for chunk in chunks(keys):
            queryset = self.model._base_manager.filter(**{f"{key}__in": chunk})
            for obj in lock_matched(self.matched(queryset), run):
                found[getattr(obj, key)] = obj
        self.after_load(found)
        return found

    def normal_key(self, value: str) -> str:
        return value

    def matched(self, queryset):
        return queryset

    def after_load(self, found: dict):
        """Load what matched records are linked to (citations, countries, stations)."""

    def stamp(self, instance) -> str:
        return f"{instance.pk}:{instance.version}" if instance is not None else "new"

    def relation_changes(self, run, instance, relations) -> dict:
        return {}

    def check_row(self, run, number, key, instance, values, problems):
        """Rules that span columns (e.g. a station code matching its country)."""

    def is_cited(self, instance) -> bool:
        return instance is not None and bool(self.cited.get(instance.pk))

    def load_cited(self, instances, target: str):
        pks = [i.pk for i in instances]
        for chunk in chunks(pks):
            pairs = (
                Citation._base_manager.filter(**{f"{target}_id__in": chunk})
                .order_by()
                .values_list(f"{target}_id", "source__key")
            )
            for pk, key in pairs:
                self.cited.setdefault(pk, set()).add(key)

    def missing_sources(self, instance, relations) -> dict:
        sources = relations.get("@sources")
        if not sources:
            return {}
        have = self.cited.get(instance.pk, set()) if instance is not None else set()
        missing = [s for s in sources if s.key not in have]
        return {"sources": missing} if missing else {}

    # Published records: a row's change goes through amend() (see editorial.py).

    def reviewed_record(self, run, plan):
        """The record whose editorial rules a row's change obeys (None: a new record)."""
        return plan.instance

    def amendment(self, run, plan) -> dict:
        """``amend()``'s arguments for the row: changed fields, links, added citations, state."""
        changes = {n: plan.values[n] for n in plan.changed if n in plan.values and n != "state"}
        added = []
        for name, value in plan.relations.items():
            if name == "sources":
                added += [{"source": source.pk, "supports": []} for source in value]
            else:
                changes[name] = [obj.pk for obj in value]
        state = plan.values["state"] if "state" in plan.changed else None
        return {"changes": changes, "citations_added": added, "state": state}

    def link_preview(self, run, instance, name, value) -> tuple[str, str]:
        """(now, after import) of a row's change to its ``name`` links (``sources`` adds only)."""
        now = "; ".join(sorted(self.cited.get(instance.pk, ())))
        return now, "; ".join(f"+ {source.key}" for source in value)

    # Writing.

    def write(self, run, new, changed, now):
        history = History(self.model, user=run.user, reason=run.reason, when=now)
        table = Table(self.model)
        key = self.key_columns[0]
        records = NewRecords(self.model, key)
        for chunk in chunks(new, CHUNK):
            instances = []
            for plan in chunk:
                instance = records.build(plan.key, plan.values)
                instance.created_at = instance.updated_at = now
                instance.refresh_search_text()
                instance.note_first_publication(now)
                plan.instance = instance
                instances.append(instance)
            ids = {k: pk for pk, k in table.insert(map(table.values_of, instances), ("id", key))}
            for instance in instances:
                instance.pk = ids[getattr(instance, key)]
            history_ids = history.write(instances, "+", returning=self.m2m_fields())
            self.after_write(run, chunk, now, history_ids, new=True)
        updated = [plan for plan in changed if plan.changed != {"@relations"}]
        by_fields = defaultdict(list)
        for plan in updated:
            instance = plan.instance
            for name, value in plan.values.items():
                setattr(instance, name, value)
            instance.version += 1
            instance.updated_at = now
            instance.refresh_search_text()
            published = {"first_published_at"} if instance.note_first_publication(now) else set()
            names = sorted(
                {self.model._meta.get_field(n).attname for n in plan.changed}
                | {"version", "updated_at"}
                | set(self.model.DERIVED_FIELDS)
                | published
            )
            by_fields[tuple(names)].append(instance)
        for names, instances in by_fields.items():
            table.update(names, ([getattr(i, n) for n in names] + [i.pk] for i in instances))
        touched = [p for p in changed if p.changed == {"@relations"}]
        for instance in (p.instance for p in touched):
            instance.version += 1
            instance.updated_at = now
        table.update(
            ("version", "updated_at"), ([p.instance.version, now, p.instance.pk] for p in touched)
        )
        for chunk in chunks(changed, CHUNK):
            history_ids = history.write([p.instance for p in chunk], "~", self.m2m_fields())
            self.after_write(run, chunk, now, history_ids, new=False)

    def m2m_fields(self) -> tuple[str, ...]:
        return ()

    def after_write(self, run, plans, now, history_ids, new: bool):
        """Links and citations of records just written, all ``new`` or all changed.

        ``history_ids`` maps each record's id to its new history record's.
        """

    def add_citations(self, run, plans, target: str, now):
        """Create the citations the ``sources`` column lists and the record lacks."""
        rows = []
        for plan in plans:
            pk = plan.instance.pk
            station_id, event_id = (pk, None) if target == "station" else (None, pk)
            # In NEW_CITATION order: a new citation supports no facts yet.
            rows += [
                ([], "", "", source.pk, station_id, event_id)
                for source in plan.relations.get("sources", ())
            ]
        write_citations(run, rows, now)


class BureauKind(Kind):
    kind, singular, model = "bureaus", "bureau", Bureau
    key_columns = ("slug",)

    def row_key(self, run, cells):
        slug = cells["slug"].lower()
        if not SLUG.match(slug) or len(slug) > 50:
            raise ValueError(
                f"{quote(cells['slug'])} is not a bureau slug: letters, digits and hyphens, "
                "e.g. fuzhou."
            )
        return slug

    def normal_key(self, value):
        return value.lower()

    def after_load(self, found):
        self.names = {b.name.casefold(): b.slug for b in Bureau.objects.only("slug", "name")}
        self.sheet_names = {}

    def stamp(self, instance):
        return f"{instance.pk}:{instance.updated_at.isoformat()}" if instance else "new"

    def check_row(self, run, number, key, instance, values, problems):
        name = values.get("name")
        if not name:
            return
        other = self.names.get(name.casefold())
        if other is not None and other != key:
            problems.append(Problem(number, "name", f"{quote(name)} is the name of {other}."))
        elif name.casefold() in self.sheet_names:
            row = self.sheet_names[name.casefold()]
            problems.append(Problem(number, "name", f"{quote(name)} is also on row {row}."))
        self.sheet_names[name.casefold()] = number

    def write(self, run, new, changed, now):
        # A handful of rows, no history: save() also refreshes their stations' search text.
        records = NewRecords(Bureau, "slug")
        for plan in new:
            plan.instance = records.build(plan.key, plan.values)
            plan.instance.save()
        for plan in changed:
            for name, value in plan.values.items():
                setattr(plan.instance, name, value)
            plan.instance.save()


class SourceKind(Kind):
    kind, singular, model = "sources", "source", Source
    key_columns = ("key",)

    def row_key(self, run, cells):
        key = cells["key"]
        if not SLUG.match(key) or len(key) > 80:
            raise ValueError(
                f"{quote(key)} is not a source key: letters, digits and hyphens, "
                "at most 80, e.g. safeguard-2022-09."
            )
        return key


class StationKind(Kind):
    kind, singular, model = "stations", "station", Station
    key_columns = ("code",)
    fk_fields = frozenset({"country", "bureau"})

    def row_key(self, run, cells):
        code = cells["code"].upper()
        if not STATION_CODE.match(code):
            raise ValueError(
                f"{quote(cells['code'])} is not a station code: three letters of the "
                "country's ISO3 code and two digits, e.g. NLD01."
            )
        return code

    def normal_key(self, value):
        return value.upper()

    def matched(self, queryset):
        return queryset.select_related("country", "bureau")

    def after_load(self, found):
        self.load_cited(found.values(), "station")

    def relation_changes(self, run, instance, relations):
        return self.missing_sources(instance, relations)

    def check_row(self, run, number, key, instance, values, problems):
        country = values.get("country") or (instance.country if instance else None)
        if country is not None and key[:3] != country.pk:
            problems.append(
                Problem(
                    number,
                    "code",
                    f"{key} does not match the country {country.pk} ({country.name}): a "
                    "station code starts with its country's ISO3 code.",
                )
            )

    def after_write(self, run, plans, now, history_ids, new):
        self.add_citations(run, plans, "station", now)


class EventKind(Kind):
    kind, singular, model = "events", "event", Event
    key_columns = ("slug",)

    def row_key(self, run, cells):
        slug = cells["slug"]
        if not SLUG.match(slug) or len(slug) > 120:
            raise ValueError(
                f"{quote(slug)} is not an event slug: letters, digits and hyphens, "
                "e.g. 2022-11-canada-summons-ambassador."
            )
        return slug

    def prepare(self, run, rows):
        codes = [code.upper() for cells in rows for code in split_list(cells.get("stations", ""))]
        run.lookups.preload(run.lookups.stations, Station, "code", codes)

    def after_load(self, found):
        self.load_cited(found.values(), "event")
        # Each matched event's linked countries and stations, by primary key.
        self.links = {"countries": defaultdict(set), "stations": defaultdict(set)}
        pks = [e.pk for e in found.values()]
        for name, column in (("countries", "country_id"), ("stations", "station_id")):
            through = getattr(Event, name).through
            for chunk in chunks(pks):
                pairs = through.objects.filter(event_id__in=chunk).values_list("event_id", column)
                for pk, other in pairs:
                    self.links[name][pk].add(other)
        # The codes of linked stations, for a preview that shows one unlinked.
        linked = list(set().union(*self.links["stations"].values()))
        self.station_codes = {}
        for chunk in chunks(linked):
            self.station_codes.update(
                Station._base_manager.filter(pk__in=chunk).values_list("pk", "code")
            )

    def link_preview(self, run, instance, name, value):
        """Countries by name, stations by code: ``+ United Kingdom; − Netherlands``."""
        if name == "sources":
            return super().link_preview(run, instance, name, value)
        if name == "countries":
            have = {pk: run.lookups.country(pk).name for pk in self.links[name][instance.pk]}
            wanted = [(obj.pk, obj.name) for obj in value]
        else:
            have = {pk: self.station_codes[pk] for pk in self.links[name][instance.pk]}
            # A station an earlier sheet of the workbook adds has no key yet: its code.
            wanted = [(obj.pk, getattr(obj, "code", str(obj))) for obj in value]
        kept = {pk for pk, _label in wanted}
        added = sorted(label for pk, label in wanted if pk is None or pk not in have)
        removed = sorted(label for pk, label in have.items() if pk not in kept)
        now = "; ".join(sorted(have.values()))
        return now, "; ".join([f"+ {x}" for x in added] + [f"− {x}" for x in removed])

    def relation_changes(self, run, instance, relations):
        changes = self.missing_sources(instance, relations)
        for name in ("countries", "stations"):
            if "@" + name not in relations:
                continue
            wanted = {obj.pk for obj in relations["@" + name]}
            have = self.links[name].get(instance.pk, set()) if instance is not None else set()
            if wanted != have:
                changes[name] = relations["@" + name]
        return changes

    def m2m_fields(self):
        return ("countries", "stations")

    def after_write(self, run, plans, now, history_ids, new):
        """Links of the events written, then a snapshot of them for each history record."""
        for name, column in (("countries", "country_id"), ("stations", "station_id")):
            through = getattr(Event, name).through
            table = Table(through, ("event_id", column))
            added, removed = [], []
            for plan in plans:
                if name not in plan.relations:
                    continue
                pk = plan.instance.pk
                wanted = {obj.pk for obj in plan.relations[name]}
                have = set() if new else self.links[name].get(pk, set())
                added += [(pk, other) for other in wanted - have]
                removed += [(pk, other) for other in have - wanted]
            table.delete_pairs("event_id", column, removed)
            returned = table.insert(added, returning=("id", "event_id", column))
            # A station's form shows its events: one opened before must not save over these.
            links_changed(through._meta.get_field(column).related_model,
                          {other for _pk, other in added + removed})  # fmt: skip
            # simple-history keeps the links of every history record: write them too.
            # New events' links are the ones just added; changed ones', all they have.
            links = returned
            if not new:
                links = []
                for chunk in chunks([plan.instance.pk for plan in plans]):
                    links += through.objects.filter(event_id__in=chunk).values_list(
                        "id", "event_id", column
                    )
            snapshot = m2m_history_table(Event, name, ("id", "event_id", column, "history_id"))
            snapshot.insert(
                (link_id, event_id, other, history_ids[event_id])
                for link_id, event_id, other in links
            )
        self.add_citations(run, plans, "event", now)
