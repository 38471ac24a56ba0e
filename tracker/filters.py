"""FilterSets for the public station and event lists and their data URLs.

The GET parameters are the contract's (``q``, ``country``, ``continent``,
``bureau``, ``status``, ``active_in``, ``sort`` for stations; ``q``,
``country``, ``type``, ``station``, ``year`` for events). The FilterSets are
always applied to a ``published()`` queryset handed in by the views.

Facet counts are computed per facet with one grouped query each, over the
records matched by every *other* active filter, so a reader sees how many
records each choice would give from where they stand.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import CharField, Count, Min
from django.db.models.functions import Cast, Substr
from django.utils.translation import gettext_lazy as _

from .languages import country_name
from .models import (
    Bureau,
    Continent,
    Country,
    Event,
    Station,
    active_in_year,
    cached_while_unchanged,
)

#: Continents a station can be on (Antarctica has no stations to offer).
PUBLIC_CONTINENTS = [(value, label) for value, label in Continent.choices if value != "antarctica"]

#: The longest search query we read; longer input is cut, never an error page.
MAX_QUERY_LENGTH = 200

#: Years a reader may ask about; anything else is rejected by the form.
MIN_YEAR, MAX_YEAR = 1949, 2100


class CachedFacetsMixin:
    """Facet counts computed once per filter and per state of the data.

    Counting every choice over tens of thousands of records is most of a list
    page's work, and the counts change only when the data does.
    """

    def facets(self) -> dict[str, list[dict]]:
        self.errors  # noqa: B018 -- validates the form so cleaned_data exists
        params = sorted(
            (name, value)
            for name in self.data
            if name not in ("page", "sort")
            for value in self.data.getlist(name)
        )
        return cached_while_unchanged(
            repr((type(self).__name__, params)), (self.queryset.model,), self.compute_facets
        )


def search(queryset, name, value):
    """Match every term of the reader's query in the stored normalised text."""
    return queryset.search(value[:MAX_QUERY_LENGTH])


class UpperCaseMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Country codes are written in capitals; accept ``nld`` as ``NLD``."""

    def clean(self, value):
        if value:
            value = [str(item).strip().upper() for item in value]
        return super().clean(value)


class UpperCaseCountryFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = UpperCaseMultipleChoiceField


class StationFilter(CachedFacetsMixin, django_filters.FilterSet):
    """The filters of ``/stations/`` and its data URLs."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method=search,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": MAX_QUERY_LENGTH}),
    )
    country = UpperCaseCountryFilter(
        label=_("Country"),
        queryset=Country.objects.all(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    continent = django_filters.ChoiceFilter(
        label=_("Continent"), field_name="country__continent", choices=PUBLIC_CONTINENTS
    )
    bureau = django_filters.ModelChoiceFilter(
        label=_("Bureau"), queryset=Bureau.objects.all(), to_field_name="slug"
    )
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Station.Status.choices)
    active_in = django_filters.NumberFilter(
        label=_("Active in"),
        method="filter_active_in",
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
    )
    sort = django_filters.OrderingFilter(
        label=_("Sort by"),
        fields=(
            ("code", "code"),
            ("country__name", "country"),
            ("city", "city"),
            ("bureau__name", "bureau"),
            ("active_from", "active"),
        ),
        field_labels={
            "code": _("Code"),
            "country__name": _("Country"),
            "city": _("City"),
            "bureau__name": _("Bureau"),
            "active_from": _("First active year"),
        },
    )

    class Meta:
        model = Station
        fields = ["q", "country", "continent", "bureau", "status", "active_in"]

    def filter_active_in(self, queryset, name, value):
        return queryset.active_in(int(value))

    def filter_queryset(self, queryset):
        # Ties in the chosen order fall back to the code, so pages are stable.
        queryset = super().filter_queryset(queryset)
        ordering = list(queryset.query.order_by)
        if ordering and "code" not in ordering:
            queryset = queryset.order_by(*ordering, "code")
        return queryset

    # Facets -------------------------------------------------------------

    def queryset_without(self, skip: str):
        """The base queryset with every valid filter applied except ``skip``."""
        queryset = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name in (skip, "sort"):
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def compute_facets(self) -> dict[str, list[dict]]:
        """Choices with counts for each facet, one grouped query per facet."""
        return {
            "continent": self._grouped_facet(
                "continent", "country__continent", dict(PUBLIC_CONTINENTS)
            ),
            "country": self._country_facet(),
            "bureau": self._bureau_facet(),
            # Choices no station has are left out ("Confirmed (0)" helps nobody).
            "status": self._grouped_facet("status", "status", dict(Station.Status.choices)),
            "active_in": self._active_in_facet(),
        }

    def _selected(self, name: str) -> set[str]:
        return set(self.data.getlist(name)) if hasattr(self.data, "getlist") else set()

    def _grouped_facet(self, name, field, labels, keep_empty=False):
        rows = self.queryset_without(name).order_by().values(field).annotate(n=Count("pk"))
        counts = {row[field]: row["n"] for row in rows}
        selected = self._selected(name)
        return [
            {
                "value": value,
                "label": label,
                "count": counts.get(value, 0),
                "selected": value in selected,
            }
            for value, label in labels.items()
            if keep_empty or counts.get(value) or value in selected
        ]

    def _country_facet(self):
        rows = (
            self.queryset_without("country")
            .order_by()
            .values("country_id", "country__name")
            .annotate(n=Count("pk"))
        )
        selected = {code.upper() for code in self._selected("country")}
        choices = {
            row["country_id"]: {
                "value": row["country_id"],
                "label": country_name(row["country_id"], row["country__name"]),
                "count": row["n"],
                "selected": row["country_id"] in selected,
            }
            for row in rows
        }
        # A chosen country stays on the list (with 0) so it can be unticked;
        # the form's own choices tell us its name without another query.
        for country in self.form.cleaned_data.get("country") or []:
            choices.setdefault(
                country.code,
                {"value": country.code, "label": country.local_name, "count": 0, "selected": True},
            )
        return sorted(choices.values(), key=lambda choice: choice["label"])

    def _bureau_facet(self):
        rows = (
            self.queryset_without("bureau")
            .order_by()
            .values("bureau__slug", "bureau__name", "bureau__name_zh")
            .annotate(n=Count("pk"))
        )
        selected = self._selected("bureau")
        choices = [
            {
                "value": row["bureau__slug"],
                "label": Bureau(
                    name=row["bureau__name"], name_zh=row["bureau__name_zh"]
                ).local_name,
                "count": row["n"],
                "selected": row["bureau__slug"] in selected,
            }
            for row in rows
        ]
        chosen = self.form.cleaned_data.get("bureau")
        if chosen and chosen.slug not in {choice["value"] for choice in choices}:
            choices.append(
                {"value": chosen.slug, "label": chosen.local_name, "count": 0, "selected": True}
            )
        return sorted(choices, key=lambda choice: (-choice["count"], choice["label"]))

    def _active_in_facet(self):
        """Stations active in each year, from the first recorded year to this one.

        One query: a conditional count per year, over the stations matched by
        the other filters.
        """
        queryset = self.queryset_without("active_in").with_closure().order_by()
        first = self.queryset.aggregate(first=Min("active_from"))["first"]
        if first is None:
            return []
        this_year = datetime.date.today().year
        years = range(first, max(this_year, first) + 1)
        counts = queryset.aggregate(
            **{f"y{year}": Count("pk", filter=active_in_year(year)) for year in years}
        )
        selected = self._selected("active_in")
        return [
            {
                "value": str(year),
                "label": str(year),
                "count": counts[f"y{year}"],
                "selected": str(year) in selected,
            }
            for year in reversed(years)
        ]


class EventFilter(CachedFacetsMixin, django_filters.FilterSet):
    """The filters of ``/events/`` and its data URLs."""

    q = django_filters.CharFilter(
        label=_("Search"),
        method=search,
        widget=forms.TextInput(attrs={"type": "search", "maxlength": MAX_QUERY_LENGTH}),
    )
    country = UpperCaseCountryFilter(
        label=_("Country"),
        field_name="countries",
        queryset=Country.objects.all(),
        to_field_name="code",
        distinct=True,
        widget=forms.CheckboxSelectMultiple,
    )
    type = django_filters.MultipleChoiceFilter(
        label=_("Type"), choices=Event.Type.choices, widget=forms.CheckboxSelectMultiple
    )
    station = django_filters.CharFilter(label=_("Station"), method="filter_station")
    year = django_filters.NumberFilter(
        label=_("Year"), method="filter_year", min_value=MIN_YEAR, max_value=MAX_YEAR
    )
    to = django_filters.NumberFilter(
        label=_("To year"), method="filter_to", min_value=MIN_YEAR, max_value=MAX_YEAR
    )

    class Meta:
        model = Event
        fields = ["q", "country", "type", "station", "year"]

    def filter_from(self, queryset, name, value):
        return queryset.filter(date__gte=datetime.date(int(value), 1, 1))

    def filter_to(self, queryset, name, value):
        return queryset.filter(date__lte=datetime.date(int(value), 12, 31))

    def filter_year(self, queryset, name, value):
        return queryset.filter(date__year=int(value))

    def filter_station(self, queryset, name, value):
        # Only published stations exist for the public, so a draft's code
        # finds nothing rather than revealing that it has events.
        return queryset.filter(
            stations__in=Station.objects.published().filter(code=value.strip().upper()[:5])
        ).distinct()

    def queryset_without(self, skip: str):
        """The base queryset with every valid filter applied except ``skip``."""
        queryset = self.queryset
        for name, value in self.form.cleaned_data.items():
            if name == skip or value in (None, "", []):
                continue
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def compute_facets(self) -> dict[str, list[dict]]:
        """Type, year and country choices with counts, one grouped query each."""
        selected = {name: set(self.data.getlist(name)) for name in ("type", "year", "country")}

        rows = self.queryset_without("type").order_by().values("type").annotate(n=Count("pk"))
        type_counts = {row["type"]: row["n"] for row in rows}
        types = [
            {
                "value": value,
                "label": label,
                "count": type_counts.get(value, 0),
                "selected": value in selected["type"],
            }
            for value, label in Event.Type.choices
            if type_counts.get(value) or value in selected["type"]
        ]

        rows = (
            self.queryset_without("year")
            # An undated event has no year to offer.
            .filter(date__isnull=False)
            .order_by()
            # The year as the first four characters of the ISO date: a native
            # string function on both databases, where extracting the year on
            # SQLite calls back into Python for every row.
            .annotate(y=Substr(Cast("date", CharField()), 1, 4))
            .values("y")
            .annotate(n=Count("pk"))
        )
        years = [
            {
                "value": str(row["y"]),
                "label": str(row["y"]),
                "count": row["n"],
                "selected": str(row["y"]) in selected["year"],
            }
            for row in sorted(rows, key=lambda row: row["y"], reverse=True)
        ]

        # Events are counted per country in the many-to-many table alone,
        # restricted to the events matched by the other filters; the names
        # come after, for the few countries counted (a join made SQLite walk
        # the whole table from the country side).
        matched = self.queryset_without("country").order_by().values("pk")
        counts = dict(
            Event.countries.through.objects.filter(event__in=matched)
            .order_by()
            .values_list("country_id")
            .annotate(n=Count("event_id"))
        )
        rows = [
            {"code": code, "name": name, "n": counts[code]}
            for code, name in Country.objects.filter(code__in=counts).values_list("code", "name")
        ]
        chosen = {code.upper() for code in selected["country"]}
        countries = [
            {
                "value": row["code"],
                "label": country_name(row["code"], row["name"]),
                "count": row["n"],
                "selected": row["code"] in chosen,
            }
            for row in rows
        ]
        return {"type": types, "year": years, "country": countries}


# "from" is a Python keyword, so the contract's parameter is added by name.
EventFilter.base_filters["from"] = django_filters.NumberFilter(
    field_name="from",
    label=_("From year"),
    method="filter_from",
    min_value=MIN_YEAR,
    max_value=MAX_YEAR,
)


# The filters in force, as readers see them and links carry them ------------------


def filter_errors(filterset) -> list[str]:
    """Readable sentences for the parameters a filter form refused."""
    messages = []
    for name, errors in filterset.form.errors.items():
        label = filterset.form.fields[name].label if name in filterset.form.fields else name
        for error in errors:
            messages.append(f"{label}: {error}")
    return messages


def active_filters(request, filterset) -> list[dict]:
    """The filters in force, each with a link that removes it."""
    cleaned = filterset.form.cleaned_data
    chips = []
    labels = {
        "continent": dict(PUBLIC_CONTINENTS),
        "status": dict(Station.Status.choices),
        "type": dict(Event.Type.choices),
    }
    for name, field in filterset.form.fields.items():
        if name == "sort" or name not in cleaned or cleaned[name] in (None, "", []):
            continue
        value = cleaned[name]
        if name == "country":
            for country in value:
                raw = [v for v in request.GET.getlist(name) if v.strip().upper() == country.code]
                chips.append(
                    {
                        "label": f"{field.label}: {country.local_name}",
                        "remove": remove_param(request.GET, name, raw),
                    }
                )
            continue
        if isinstance(value, list):
            for item in value:
                chips.append(
                    {
                        "label": f"{field.label}: {labels.get(name, {}).get(item, item)}",
                        "remove": remove_param(request.GET, name, [item]),
                    }
                )
            continue
        if isinstance(value, Bureau):
            shown = value.local_name
        elif name in labels:
            shown = labels[name].get(value, value)
        elif isinstance(value, float | int):
            shown = str(int(value))
        else:
            shown = f"“{value}”" if name == "q" else str(value)
        chips.append(
            {
                "label": f"{field.label}: {shown}",
                "remove": remove_param(request.GET, name, request.GET.getlist(name)),
            }
        )
    return chips


def without_blanks(query):
    """A copy of ``query`` without empty values: a form left on "Any" adds nothing to a link."""
    kept = query.copy()
    for name in list(kept):
        values = [value for value in kept.getlist(name) if value.strip()]
        if values:
            kept.setlist(name, values)
        else:
            del kept[name]
    return kept


def remove_param(query, name: str, values: Iterable[str]) -> str:
    """The query string without ``name=value`` for each of ``values``, and without ``page``."""
    values = set(values)
    kept = without_blanks(query)
    kept.setlist(name, [v for v in kept.getlist(name) if v not in values])
    kept.pop("page", None)
    encoded = kept.urlencode()
    return f"?{encoded}" if encoded else "?"


def remove_others(request, keep: str) -> str:
    """The query string with only ``keep`` left: "search all stations for this"."""
    kept = without_blanks(request.GET)
    for name in list(kept):
        if name != keep:
            del kept[name]
    return f"?{kept.urlencode()}"


def data_query(request) -> str:
    """The current filter as a query string for the data URLs (no page)."""
    query = without_blanks(request.GET)
    query.pop("page", None)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""
