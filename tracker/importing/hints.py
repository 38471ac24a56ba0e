"""What an import preview adds to its counts: near-miss suggestions, new rows' resolved values.

``did_you_mean`` is what a lookup error appends when a value is close to a
valid one (``ICL`` → ISL), so the admin and the command line say the same.
``new_row_preview`` says how a new row's references were matched and what
it will become (its state, whether it cites anything), for the preview page.
"""

from __future__ import annotations

import difflib

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import State


def did_you_mean(value: str, options: dict[str, str], cutoff: float = 0.6) -> str:
    """`` Did you mean ISL (Iceland)?`` for the option closest to ``value``, or ``""``.

    ``options`` maps each valid value (compared as given) to how it is shown.
    """
    if not value or not options:
        return ""
    close = difflib.get_close_matches(value, list(options), n=1, cutoff=cutoff)
    if not close:
        return ""
    return " " + _("Did you mean %(value)s?") % {"value": options[close[0]]}


def _in_order(letters: str, word: str) -> bool:
    """Whether ``letters`` appear in ``word`` in that order (ICL in iceland)."""
    rest = iter(word)
    return all(letter in rest for letter in letters)


def country_hint(value: str, countries) -> str:
    """A suggestion for a mistyped country: a near code (``ICL``) or a near English name.

    Codes a letter apart tie (ICL: ISL, IRL, NCL); the tie goes to the code
    with the same first letter whose country's name holds the typed letters
    in order, as a code made up from the name does (ICL: Iceland).
    """
    by_code = {c.code: c for c in countries}
    if len(value) <= 3:
        typed = value.upper()
        close = difflib.get_close_matches(typed, list(by_code), n=10, cutoff=0.6)
        if close:

            def rank(code):
                score = difflib.SequenceMatcher(None, typed, code).ratio()
                name = by_code[code].name.casefold()
                return (score, code[0] == typed[0], _in_order(typed.casefold(), name))

            best = by_code[max(close, key=rank)]
            return " " + _("Did you mean %(value)s?") % {"value": f"{best.code} ({best.name})"}
    names = {c.name.casefold(): f"{c.code} ({c.name})" for c in countries}
    # Names share many letters by chance (Atlantis, Albania): only a close one is a near miss.
    return did_you_mean(value.casefold(), names, cutoff=0.8)


def _shown(value) -> str:
    """A resolved reference as the preview shows it: a country with its code, a bureau's name."""
    code = getattr(value, "code", None)
    name = getattr(value, "name", None)
    if code and name:
        return f"{name} ({code})"
    return str(name or value)


def new_row_preview(handler, values: dict, relations: dict) -> dict:
    """What a new row resolves to and what to watch: ``{"details": [...], "warnings": [...]}``.

    ``details`` are (column, shown value) pairs for the references the row
    names (country, bureau, countries, stations, sources) and its state;
    ``warnings`` say when the record will stay uncited or cite without a locator.
    """
    details = []
    for name in ("country", "bureau"):
        if name in values:
            details.append((name, _shown(values[name])))
    for name in ("countries", "stations"):
        if relations.get("@" + name):
            details.append((name, "; ".join(_shown(v) for v in relations["@" + name])))
    sources = relations.get("@sources") or []
    if sources:
        details.append(("sources", "; ".join(str(getattr(s, "key", s)) for s in sources)))
    state = State(values.get("state") or State.DRAFT)
    details.append(("state", str(state.label)))
    warnings = []
    if getattr(handler.model, "requires_citation", False):
        if not sources:
            warnings.append(
                _("cites no source: it will stay an uncited %(state)s until a citation is added.")
                % {"state": str(state.label).lower()}
            )
        else:
            warnings.append(
                ngettext(
                    "its citation of %(keys)s will have no locator or quotation: add them in "
                    "a citations sheet or in the admin.",
                    "its citations of %(keys)s will have no locator or quotation: add them in "
                    "a citations sheet or in the admin.",
                    len(sources),
                )
                % {"keys": ", ".join(str(getattr(s, "key", s)) for s in sources)}
            )
    return {"details": details, "warnings": warnings}
