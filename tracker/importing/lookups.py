"""Countries, bureaus, sources, stations and events found by the keys sheets use."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from ..countries import name_aliases
from ..models import Bureau, Country, Source
from .columns import quote
from .hints import country_hint, did_you_mean

#: Other English names of countries (UK, Holland…), read once per process.
_aliases = cache(name_aliases)

#: Near-miss suggestions one import works out. Each compares the value with every
#: valid one (thousands of source keys), so a sheet of many wrong values gets
#: suggestions for its first ones only: a person fixes those first anyway, and a
#: file of a million wrong cells stays quick to refuse.
HINTS_PER_IMPORT = 200


class Pending:
    """A record an earlier sheet of the same workbook would create (checking only)."""

    pk = None

    def __init__(self, key):
        self.key = key

    def __str__(self):
        return self.key


class Lookups:
    """Countries, bureaus, sources, stations and events by the keys sheets use, cached."""

    def __init__(self, pending: dict | None = None):
        self.pending = pending or {}
        self._countries = None
        self._country_list: list = []
        self._bureaus = None
        self._sources = None
        self.stations: dict = {}
        self.events: dict = {}
        #: (kind, value) -> the suggestion given, so a repeated mistake is worked out once.
        self._hints: dict = {}

    def hint(self, kind: str, value: str, suggest) -> str:
        """``suggest()``'s near-miss suggestion for ``value``, within ``HINTS_PER_IMPORT``."""
        found = self._hints.get((kind, value))
        if found is None:
            found = suggest() if len(self._hints) < HINTS_PER_IMPORT else ""
            self._hints[(kind, value)] = found
        return found

    def country(self, raw: str):
        if self._countries is None:
            countries = {c.code: c for c in Country.objects.all()}
            self._countries = dict(countries)
            self._country_list = list(countries.values())
            for alias, code in _aliases().items():
                if code in countries:
                    self._countries.setdefault(alias, countries[code])
            for c in countries.values():
                self._countries.setdefault(c.name.casefold(), c)
        value = raw.strip()
        found = self._countries.get(value.upper()) or self._countries.get(value.casefold())
        if found is None:
            if not value:
                raise ValueError("country is blank: write an ISO3 code (NLD) or an English name.")
            raise ValueError(
                f"{quote(value)} is not a country: write an ISO3 code (NLD) or an English name."
                + self.hint("country", value, lambda: country_hint(value, self._country_list))
            )
        return found

    def bureau(self, raw: str):
        if self._bureaus is None:
            self._bureaus = {}
            for b in Bureau.objects.all():
                self._bureaus[b.slug.lower()] = b
                self._bureaus[b.name.casefold()] = b
        found = self._bureaus.get(raw.strip().casefold())
        if found is None:
            if raw.strip().lower() in self.pending.get("bureaus", ()):
                return Pending(raw.strip().lower())
            known = ", ".join(sorted({b.slug for b in self._bureaus.values()})) or "none yet"
            if not raw:
                raise ValueError(f"bureau is blank: write one of {known}.")
            raise ValueError(
                f"{quote(raw)} is not a bureau: write its slug ({known}) or English name."
                + self.hint(
                    "bureau",
                    raw.strip().casefold(),
                    lambda: did_you_mean(
                        raw.strip().casefold(),
                        {k: f"{b.slug} ({b.name})" for k, b in self._bureaus.items()},
                    ),
                )
            )
        return found

    def source(self, key: str):
        if self._sources is None:
            self._sources = {s.key: s for s in Source._base_manager.only("pk", "key", "state")}
        found = self._sources.get(key)
        if found is None:
            if key in self.pending.get("sources", ()):
                return Pending(key)
            raise ValueError(
                f"{quote(key)} is not a known source key."
                + self.hint("source", key, lambda: did_you_mean(key, {k: k for k in self._sources}))
            )
        return found

    def preload(self, cache: dict, model, lookup: str, keys: Iterable[str]):
        """Load the records ``keys`` name into ``cache`` (one query per 500 keys)."""
        missing = list({k for k in keys if k and k not in cache})
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            # The state tells whether a change to the record waits for review.
            records = model._base_manager.filter(**{f"{lookup}__in": chunk})
            for obj in records.only("pk", lookup, "state"):
                cache[getattr(obj, lookup)] = obj

    def station(self, code: str):
        found = self.stations.get(code)
        if found is None:
            if code in self.pending.get("stations", ()):
                return Pending(code)
            raise ValueError(f"{quote(code)} is not a known station code.")
        return found

    def event(self, slug: str):
        found = self.events.get(slug)
        if found is None:
            if slug in self.pending.get("events", ()):
                return Pending(slug)
            raise ValueError(f"{quote(slug)} is not a known event slug.")
        return found
