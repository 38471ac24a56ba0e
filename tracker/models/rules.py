"""The rules the database enforces, in plain words, attached to the field they concern.

Each named constraint in ``Meta.constraints`` has one entry here: the field a
curator must fix and the sentence that tells them how. Forms get it through
``PlainRules.validate_constraints()`` (Django's own hook, called by every
ModelForm), and the spreadsheet import can ask the same sentences with
``constraint_message(name)`` or ``plain_errors(instance)``, so a rule reads the
same in the admin, the import and the tests.

Rules on a single field's text are validators here (``no_control_characters``),
put on the model fields, so every ModelForm applies them.
"""

from typing import NamedTuple

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.utils.translation import gettext_lazy as _

from ..text import control_character_problem


class Rule(NamedTuple):
    field: str
    message: str


RULES = {
    "source_date_has_precision": Rule(
        "published_on",
        _("Give the publication date as YYYY, YYYY-MM or YYYY-MM-DD, or leave it blank."),
    ),
    "event_undated_has_no_date": Rule(
        "date",
        _(
            "Give the date as YYYY, YYYY-MM or YYYY-MM-DD, or leave it blank when no source "
            "gives one (the event is then undated)."
        ),
    ),
    "station_code_pattern": Rule(
        "code",
        _("A station code is the country's three capital letters and two digits, e.g. ISL01."),
    ),
    "station_code_matches_country": Rule(
        "code",
        _("A station's code starts with its country's ISO3 code: ISL01 for Iceland."),
    ),
    "station_active_range": Rule(
        "active_until",
        _("The end year needs a start year, and cannot come before it."),
    ),
    "station_active_from_plausible": Rule(
        "active_from",
        _("The start year cannot be before 1949, when the People's Republic was founded."),
    ),
    "station_coordinates": Rule(
        "latitude",
        _(
            "Give latitude and longitude together (latitude −90 to 90, longitude −180 to "
            "180), or leave both blank."
        ),
    ),
    "citation_one_target": Rule(
        NON_FIELD_ERRORS,
        _("A citation supports exactly one record: choose a station or an event, not both."),
    ),
    "citation_unique_station": Rule(
        "source",
        _("This source is already cited for this station: put both places in one locator."),
    ),
    "citation_unique_event": Rule(
        "source",
        _("This source is already cited for this event: put both places in one locator."),
    ),
    "country_code_iso3": Rule("code", _("A country code is three capital letters, e.g. ISL.")),
    "tip_closed_when_done": Rule(
        "state", _("A tip is closed exactly when it is used or declined.")
    ),
}


def no_control_characters(value) -> None:
    """Validator of every curated text field: no control character but tabs and line breaks.

    Its words are the import's (``text.control_character_problem``), so a
    field typed in the admin and a cell read from a sheet are refused alike.
    """
    if problem := control_character_problem(value or ""):
        raise ValidationError(f"This text {problem}", code="control_character")


def constraint_message(name: str) -> str:
    """The plain sentence for the database rule ``name`` (its name when none is written)."""
    rule = RULES.get(name)
    return str(rule.message) if rule else name


def constraint_field(name: str) -> str:
    """The field a violation of ``name`` is reported on (``__all__`` for the whole record)."""
    rule = RULES.get(name)
    return rule.field if rule else NON_FIELD_ERRORS


class PlainRules(models.Model):
    """Constraint violations reported on their field, in the words of ``RULES``."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(type(self), instance=self)
        errors: dict[str, list] = {}
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    if constraint.name in RULES:
                        field = constraint_field(constraint.name)
                        message = ValidationError(
                            constraint_message(constraint.name), code=constraint.name
                        )
                        errors.setdefault(field, []).append(message)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def plain_errors(instance, exclude=None) -> dict[str, list[str]]:
    """Every rule ``instance`` breaks, as ``{field: [plain sentence, …]}`` (empty: none).

    For the import: it builds an instance from a row, asks this, and reports
    each sentence with the row and the column of the field.
    """
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        return {field: [str(m) for m in messages] for field, messages in error}
    return {}
