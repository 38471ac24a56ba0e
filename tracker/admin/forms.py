"""Admin forms: each carries the version its user saw, so no change is lost."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import (
    ConcurrentEditError,
    State,
    supports_choices,
)

# --- Forms: carry the version the user saw --------------------------------------------


class VersionedForm(forms.ModelForm):
    """A form that refuses to save over a change made after it was opened.

    ``version`` is not editable on the model, so the form carries it in a hidden
    ``seen_version`` field. The check here gives a friendly error with the form kept; the atomic
    check in ``Versioned.save()`` still guards the moment between the two.
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

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

    #: Set by the admin for editors on a published record: a change needs the note.
    note_required = False

    def clean(self):
        cleaned = super().clean()
        public = set(self.instance.public_field_names())
        if (
            self.note_required
            and public.intersection(self.changed_data)
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


class StationForm(EditorialForm):
    def clean(self):
        cleaned = super().clean()
        code, country = cleaned.get("code"), cleaned.get("country")
        if code and country and not code.startswith(country.code):
            self.add_error(
                "code",
                f"A station's code starts with its country's ISO3 code: {country.code}01, "
                f"{country.code}02…",
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
        if can_publish and self.has_changed() and not cleaned.get(NOTE_FIELD, "").strip():
            self.add_error(
                NOTE_FIELD,
                _(
                    "This citation belongs to a published record: say in a public note "
                    "what you changed and why. The corrections log shows it."
                ),
            )
        return cleaned
