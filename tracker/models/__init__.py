"""The tracker's records: countries, bureaus, stations, events, sources, citations.

``editorial`` holds what every curated record shares (state, version,
history), ``amendments`` the one door every change to an existing record goes
through (proposed or written, checked, logged), ``proposals`` the changes to
published records waiting for an editor, ``corrections`` the public log of
published changes, ``reference`` the countries and bureaus, ``stations``,
``events``, ``sources`` and ``citations`` the records, ``sourcing`` which facts a citation
supports and how strongly a record is sourced, ``stamps`` the data stamp the
caches key on, and ``tips`` the readers' tips and the short-lived keys their spam
defences share.
"""

from .amendments import Outcome, amend, check_amendment, links_changed, links_created
from .citations import Citation
from .corrections import Correction
from .editorial import (
    ChangeRefused,
    ConcurrentEditError,
    Continent,
    Editorial,
    PublishableQuerySet,
    State,
    StateChangeRefused,
    Versioned,
    editorial_permissions,
)
from .events import Event
from .proposals import Proposal, log_published_change, needs_proposal, propose, public_facts
from .reference import Bureau, Country
from .rules import RULES, constraint_message, plain_errors
from .sources import LINK_HEALTH_FIELDS, Source
from .sourcing import (
    SUPPORTABLE_FACTS,
    clean_supports,
    format_supports,
    parse_supports,
    sourcing,
    supports_choices,
)
from .stamps import (
    cached_while_unchanged,
    data_stamp,
    data_version,
    public_data_stamp,
    refresh_planner_statistics,
)
from .stations import Station, active_in_year
from .tips import ExpiringKey, Tip, normalise_receipt

__all__ = [
    "LINK_HEALTH_FIELDS",
    "RULES",
    "SUPPORTABLE_FACTS",
    "Bureau",
    "ChangeRefused",
    "Citation",
    "ConcurrentEditError",
    "Continent",
    "Correction",
    "Country",
    "Editorial",
    "Event",
    "ExpiringKey",
    "Outcome",
    "Proposal",
    "PublishableQuerySet",
    "Source",
    "State",
    "StateChangeRefused",
    "Station",
    "Tip",
    "Versioned",
    "active_in_year",
    "amend",
    "check_amendment",
    "links_changed",
    "links_created",
    "cached_while_unchanged",
    "clean_supports",
    "constraint_message",
    "data_stamp",
    "data_version",
    "editorial_permissions",
    "format_supports",
    "parse_supports",
    "plain_errors",
    "log_published_change",
    "needs_proposal",
    "propose",
    "public_facts",
    "normalise_receipt",
    "public_data_stamp",
    "refresh_planner_statistics",
    "sourcing",
    "supports_choices",
]
