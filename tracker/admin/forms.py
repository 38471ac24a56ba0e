"""Admin forms: each carries the version its user saw, so no change is lost."""

import datetime
from typing import NamedTuple

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import text
from ..models import (
    ConcurrentEditError,
    Event,
    Source,
    State,
    Station,
    supports_choices,
)

# --- Dates as researchers write them ----------------------------------------------------


class PartialDate(NamedTuple):
    """A date and how much of it the sources give: ``day``, ``month`` or ``year``."""

    date: datetime.date | None
    precision: str


class PartialDateInput(forms.TextInput):
    """A text box showing a date as it was typed: 2023, 2023-03 or 2023-03-15."""

    def __init__(self, attrs=None):
        super().__init__({"placeholder": "2023-03", "size": 12, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, PartialDate):
            return text.format_partial_date(value.date, value.precision)
        if isinstance(value, datetime.date):
            return value.isoformat()
        return super().format_value(value)


class PartialDateField(forms.Field):
    """One box for a date at the precision the sources give, read as the sheets read it.

    ``2023`` is the year, ``2023-03`` the month, ``2023-03-15`` the day; the
    precision follows from what was typed (``text.parse_partial_date``).
    """

    widget = PartialDateInput
    default_error_messages = {
        "invalid": _(
            "Write the date as YYYY (2023), YYYY-MM (2023-03) or YYYY-MM-DD (2023-03-15)."
        ),
        "impossible": _("“%(value)s” is not a real day of the calendar."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            _("As the source gives it: 2023, 2023-03 or 2023-03-15. The precision follows."),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, PartialDate):
            return value
        value = (value or "").strip()
        if not value:
            return PartialDate(None, "")
        if not text.is_partial_date(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            return PartialDate(*text.parse_partial_date(value))
        except ValueError:
            raise ValidationError(
                self.error_messages["impossible"], code="impossible", params={"value": value}
            ) from None

    def prepare_value(self, value):
        # Shown back as typed: 2023-03, not 01/03/2023.
        if isinstance(value, PartialDate):
            return text.format_partial_date(value.date, value.precision)
        return super().prepare_value(value)

    def validate(self, value):
        if self.required and value.date is None:
            raise ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        try:
            data = self.to_python(data)
        except ValidationError:
            return True
        initial = initial if isinstance(initial, PartialDate) else self.to_python(initial)
        return initial != data


class PartialDatesForm(forms.ModelForm):
    """A model form whose date fields are ``PartialDateField``s that also set a precision.

    ``partial_dates`` maps each date field to its precision field; the
    precision field stays off the form and is set from what was typed.
    """

    partial_dates: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for date_field, precision_field in self.partial_dates.items():
            if date_field in self.fields:
                self.initial[date_field] = PartialDate(
                    getattr(self.instance, date_field),
                    getattr(self.instance, precision_field) or "",
                )

    def clean(self):
        try:
            return super().clean()
        finally:
            # Also when a check above refused the form (a version conflict): the model's
            # own validation, which runs next, reads a date, never a PartialDate.
            for date_field, precision_field in self.partial_dates.items():
                value = self.cleaned_data.get(date_field)
                if isinstance(value, PartialDate):
                    self.cleaned_data[date_field] = value.date
                    setattr(self.instance, precision_field, value.precision)


# --- Forms: carry the version the user saw --------------------------------------------


class VersionedForm(forms.ModelForm):
    """A form that refuses to save over a change made after it was opened.

    ``version`` is not editable on the model, so the form carries it in a hidden
    ``seen_version`` field. The check here gives a friendly error with the form kept; the atomic
    check in ``Versioned.save()`` still guards the moment between the two.
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    #: Set by the admin on a history restore: the form holds the old version, so
    #: nothing reads as changed although the restore changes the record back.
    restoring = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("seen_version", self.instance.version)

    def has_changed(self):
        # The hidden version alone is no change worth saving an inline row for.
        return any(name != "seen_version" for name in self.changed_data)

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk is None or (self.empty_permitted and not self.has_changed()):
            return cleaned
        seen = cleaned.get("seen_version")
        current = (
            type(instance)
            ._base_manager.filter(pk=instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current is not None and seen != current:
            raise ValidationError(
                str(ConcurrentEditError(instance, instance.last_changed_by())), code="conflict"
            )
        if seen is not None:
            instance.version = seen
        return cleaned


#: The note's field name; the citation formset reads it from the same POST.
NOTE_FIELD = "public_note"
#: The researcher's note to the editor, sent with "Save and send to review".
REVIEW_NOTE_FIELD = "note_for_editor"


class EditorialForm(VersionedForm):
    """A station, event or source form with a note on the change.

    On a published record an editor's change to its public facts needs a
    public note, which the corrections log shows; a researcher's note goes to
    the editor with the proposal. Withdrawing uses it as the public reason.
    """

    public_note = forms.CharField(
        label=_("Note on this change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_(
            "Published records only. Editors: what changed and why, shown in the public "
            "corrections log (and the reason when withdrawing). Researchers: a note for "
            "the editor who reviews your proposal."
        ),
    )

    note_for_editor = forms.CharField(
        label=_("Note for the editor"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=_(
            "Optional, sent with “Save and send to review”: what the editor should check. "
            "Never public."
        ),
    )

    #: Set by the admin for editors on a published record: a change needs the note.
    note_required = False

    def clean(self):
        cleaned = super().clean()
        public = set(self.instance.public_field_names())
        if (
            self.note_required
            and (self.restoring or public.intersection(self.changed_data))
            and not cleaned.get(NOTE_FIELD, "").strip()
        ):
            self.add_error(
                NOTE_FIELD,
                _(
                    "This record is published: say in a public note what you changed and "
                    "why. The corrections log shows it."
                ),
            )
        return cleaned


class UpperCaseCodeField(forms.CharField):
    """A station code, upper-cased as typed: ``isl06`` is ISL06."""

    def to_python(self, value):
        return super().to_python(value).upper()


class StationForm(EditorialForm):
    code = UpperCaseCodeField(
        label=_("code"),
        max_length=5,
        help_text=_(
            "The country's three-letter code and two digits, e.g. ISL01. Leave it blank "
            "to take the country's next free code."
        ),
        required=False,
    )

    events = forms.ModelMultipleChoiceField(
        label=_("events"),
        queryset=Event.objects.newest_first(),
        required=False,
        widget=FilteredSelectMultiple(_("events"), is_stacked=False),
        help_text=_(
            "The events naming this station. On a published event your change waits for "
            "an editor, as on the event's own page."
        ),
    )

    #: Set by the admin for editors on a published station: a published event's
    #: stations are its public facts, so linking or unlinking one needs the note.
    events_note_required = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and "events" in self.fields:
            self.initial["events"] = list(self.instance.events.values_list("pk", flat=True))

    def clean(self):
        cleaned = super().clean()
        if (
            self.events_note_required
            and "events" in self.changed_data
            and not cleaned.get(NOTE_FIELD, "").strip()
        ):
            chosen = {event.pk for event in cleaned.get("events", [])}
            toggled = chosen ^ set(self.initial.get("events", []))
            if Event.objects.published().filter(pk__in=toggled).exists():
                self.add_error(
                    NOTE_FIELD,
                    _(
                        "A published event's stations are public: say in a public note what "
                        "you changed and why. The corrections log shows it."
                    ),
                )
        country = cleaned.get("country")
        if not cleaned.get("code") and "code" not in self.errors:
            if country is None:
                self.add_error("code", gettext("Choose the country, or write the code."))
            else:
                cleaned["code"] = Station.next_free_code(country)
        return cleaned


class EventForm(PartialDatesForm, EditorialForm):
    partial_dates = {"date": "date_precision"}
    date = PartialDateField(
        label=_("date"),
        required=False,
        help_text=_(
            "As the source gives it: 2023, 2023-03 or 2023-03-15. The precision follows. "
            "Blank when no source gives a date: the event is listed as undated."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        # A blank date is an undated event (the model's one rule for it).
        self.instance.date_precision = Event.precision_of(
            cleaned.get("date"), self.instance.date_precision
        )
        return cleaned


class SourceForm(PartialDatesForm, EditorialForm):
    partial_dates = {"published_on": "published_precision"}
    published_on = PartialDateField(label=_("publication date"), required=False)

    key = forms.SlugField(
        label=_("key"),
        max_length=80,
        required=False,
        help_text=_(
            "A short stable handle in lower case, words joined by hyphens, e.g. "
            "safeguard-2022-09. Leave it blank to make one from the publisher and date."
        ),
        error_messages={
            "invalid": _(
                "Write the key in lower-case letters, digits and hyphens only, e.g. "
                "bbc-2022-11 (no spaces or accents)."
            )
        },
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("key") and "key" not in self.errors:
            suggestion = Source.suggest_key(
                cleaned.get("publisher", ""),
                cleaned.get("published_on"),
                getattr(self.instance, "published_precision", ""),
                cleaned.get("title", ""),
            )
            if suggestion:
                cleaned["key"] = suggestion
            else:
                self.add_error(
                    "key", gettext("Write a key, or give a publisher or title to make one from.")
                )
        return cleaned


class CitationForm(VersionedForm):
    """A citation with the facts it supports as checkboxes.

    ``record_kind`` ("station" or "event") limits the boxes to that record's
    facts; without it (a new citation on its own page) both kinds are offered,
    grouped, and ``Citation.clean()`` refuses a fact of the other kind.
    """

    record_kind = None

    supports = forms.MultipleChoiceField(
        label=_("facts it supports"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick the facts this source states; none: the record as a whole."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.record_kind or self.instance.record_kind
        self.fields["supports"].choices = supports_choices(kind)


class StationCitationForm(CitationForm):
    record_kind = "station"


class EventCitationForm(CitationForm):
    record_kind = "event"


class CitationFormSet(forms.BaseInlineFormSet):
    """Citations of one station or event: each source once, and one at least once published."""

    def clean(self):
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("source")
        ]
        seen = set()
        for form in kept:
            source = form.cleaned_data["source"]
            if source.pk in seen:
                raise ValidationError(
                    f"“{source.key}” is cited twice: put both places in one locator."
                )
            seen.add(source.pk)
        parent = self.instance
        if getattr(parent, "state", None) == State.PUBLISHED and not kept:
            raise ValidationError(
                f"Published {parent._meta.verbose_name} “{parent}” keeps at least one "
                "citation: withdraw it before removing its last one."
            )
        if (
            getattr(self, "note_required", False)
            and self.has_changed()
            and not self.data.get(NOTE_FIELD, "").strip()
        ):
            raise ValidationError(
                _(
                    "This record is published: say in the note on this change what you "
                    "changed in its citations and why. The corrections log shows it."
                )
            )


class CitationForm(VersionedForm):
    """A citation on its own page: a move must not strip a published record of its last one."""

    public_note = EditorialForm.base_fields[NOTE_FIELD]

    #: Set by the admin: the user, whose permissions decide whether a note is needed.
    user = None

    def targets(self) -> list:
        """The published records this change touches: where it was, and where it goes."""
        saved = None
        if self.instance.pk is not None:
            saved = type(self.instance)._base_manager.filter(pk=self.instance.pk).first()
        records = [saved.record if saved else None]
        records.append(self.cleaned_data.get("station") or self.cleaned_data.get("event"))
        return [r for r in dict.fromkeys(records) if r is not None and r.state == State.PUBLISHED]

    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("station") or cleaned.get("event")
        if self.instance.pk is not None and (
            reason := self.instance.removal_blocker(moving_to=new)
        ):
            raise ValidationError(reason)
        can_publish = self.user is not None and any(
            self.user.has_perm(f"tracker.publish_{r._meta.model_name}") for r in self.targets()
        )
        changed = self.restoring or self.has_changed()
        if can_publish and changed and not cleaned.get(NOTE_FIELD, "").strip():
            self.add_error(
                NOTE_FIELD,
                _(
                    "This citation belongs to a published record: say in a public note "
                    "what you changed and why. The corrections log shows it."
                ),
            )
        return cleaned
