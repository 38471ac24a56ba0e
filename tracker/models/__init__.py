"""The tracker's records: countries, bureaus, stations, events, sources, citations.

``editorial`` holds what every curated record shares (state, version,
history), ``reference`` the countries and bureaus, ``records`` the sources,
stations, events and citations, and ``stamps`` the data stamp the caches key on.
"""

from .editorial import (
    ConcurrentEditError,
    Continent,
    PublishableQuerySet,
    State,
    StateChangeRefused,
    Tracked,
    Versioned,
    editorial_permissions,
)
from .records import Citation, Event, Source, Station
from .reference import Bureau, Country
from .stamps import (
    cached_while_unchanged,
    data_stamp,
    public_data_stamp,
    refresh_planner_statistics,
)

__all__ = [
    "Bureau",
    "Citation",
    "ConcurrentEditError",
    "Continent",
    "Country",
    "Event",
    "PublishableQuerySet",
    "Source",
    "State",
    "StateChangeRefused",
    "Station",
    "Tracked",
    "Versioned",
    "cached_while_unchanged",
    "data_stamp",
    "editorial_permissions",
    "public_data_stamp",
    "refresh_planner_statistics",
]
