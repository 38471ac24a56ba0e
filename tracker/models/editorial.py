"""The editorial machinery every curated record shares.

Stations, events and sources carry an editorial ``state``; the public sees a
record only once it is ``published``, and every public read starts from the
``published()`` queryset method. Curated records keep a full history
(django-simple-history) and a ``version`` that a save checks, so that nobody
overwrites a change they have not seen.
"""

from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef

from .. import search, text


class StateChangeRefused(Exception):
    """Raised when a record cannot move to the editorial state asked for; says why."""


class ConcurrentEditError(Exception):
    """Raised when a record was changed by someone else since it was loaded."""

    def __init__(self, instance, changed_by: str):
        self.instance = instance
        self.changed_by = changed_by
        super().__init__(
            f"{instance._meta.verbose_name.capitalize()} “{instance}” was changed by "
            f"{changed_by} after you opened it. Nothing was saved: reload it to see "
            "their change, then make yours again."
        )


class Continent(models.TextChoices):
    AFRICA = "africa", "Africa"
    ASIA = "asia", "Asia"
    EUROPE = "europe", "Europe"
    NORTH_AMERICA = "north-america", "North America"
    OCEANIA = "oceania", "Oceania"
    SOUTH_AMERICA = "south-america", "South America"
    ANTARCTICA = "antarctica", "Antarctica"


class State(models.TextChoices):
    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published"


class PublishableQuerySet(models.QuerySet):
    """The one door for public reads: ``Model.objects.published()``."""

    def published(self):
        return self.filter(state=State.PUBLISHED)

    def search(self, query: str):
        """Records whose stored search text holds every term of ``query``."""
        qs = self
        terms = text.search_terms(query)
        # A lone short term matches whole words only: "UK" is not "Ukraine".
        whole_word = search.whole_words_only(terms)
        for term in terms:
            qs = qs.filter(search.term_filter(term, whole_word))
        return qs

    def with_citation_count(self):
        """Annotate ``citation_count``: citations of a station or event, uses of a source."""
        return self.annotate(citation_count=Count("citations", distinct=True))

    def without_citations(self):
        """Records no citation points at (unsupported stations and events, unused sources)."""
        field = self.model._meta.model_name
        citations = self.model._meta.get_field("citations").related_model
        return self.exclude(Exists(citations.objects.filter(**{field: OuterRef("pk")})))


class Versioned(models.Model):
    """Timestamps and an optimistic-locking version checked on every save."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def last_changed_by(self) -> str:
        """Who made the latest recorded change, for conflict messages."""
        latest = self.history.select_related("history_user").first()
        if latest is None or latest.history_user is None:
            return "another process"
        return latest.history_user.get_username()

    def refresh_search_text(self) -> None:
        """Recompute the stored search text (models with one override it)."""

    def save(self, *args, **kwargs):
        """Save, refusing to overwrite a change made since this copy was loaded.

        The check and the bump of ``version`` happen in one conditional UPDATE,
        so two concurrent saves cannot both pass it.
        """
        self.refresh_search_text()
        if self._state.adding or self.pk is None:
            return super().save(*args, **kwargs)
        with transaction.atomic():
            loaded = self.version
            claimed = (
                type(self)
                ._base_manager.filter(pk=self.pk, version=loaded)
                .update(version=loaded + 1)
            )
            if not claimed:
                current = type(self)._base_manager.get(pk=self.pk)
                raise ConcurrentEditError(self, current.last_changed_by())
            self.version = loaded + 1
            return super().save(*args, **kwargs)


def editorial_permissions(name: str, plural: str, publish=True) -> list[tuple[str, str]]:
    """Permissions beyond add/change/delete/view that the roles are built from.

    The codenames are those django-import-export checks (``import_station``,
    ``export_station``) and the publishing one the admin checks.
    """
    names = [
        (f"import_{name}", f"Can import {plural} from spreadsheets"),
        (f"export_{name}", f"Can export {plural} to spreadsheets"),
    ]
    if publish:
        names.append((f"publish_{name}", f"Can publish and retract {plural}"))
    return names


class Tracked(Versioned):
    """A record with an editorial state: draft, in review or published."""

    state = models.CharField(
        max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )

    class Meta:
        abstract = True

    #: Stations and events must cite a source before they are published.
    requires_citation = False

    #: The editorial workflow: which state may follow which.
    TRANSITIONS = {
        State.DRAFT: {State.REVIEW, State.PUBLISHED},
        State.REVIEW: {State.PUBLISHED, State.DRAFT},
        State.PUBLISHED: {State.DRAFT},
    }

    def publish_blocker(self) -> str:
        """Why this record cannot be published now, or "" when it can."""
        if self.requires_citation and (self.pk is None or not self.citations.exists()):
            return (
                f"{self._meta.verbose_name.capitalize()} “{self}” has no citation: "
                "cite at least one source before publishing it."
            )
        return ""

    def move_to(self, state: str) -> None:
        """Move to another editorial state and save, recording the change in the history.

        Raises ``StateChangeRefused`` for a move the workflow does not allow (or a
        publication without a citation) and ``ConcurrentEditError`` when the record
        changed since it was loaded. Who may ask for which move is the caller's
        concern (the admin checks the ``publish_<model>`` permission).
        """
        old = State(self.state)
        new = State(state)
        if new not in self.TRANSITIONS[old]:
            raise StateChangeRefused(
                f"{self._meta.verbose_name.capitalize()} “{self}” is {old.label.lower()}: "
                f"it cannot move to {new.label.lower()}."
            )
        if new == State.PUBLISHED and (reason := self.publish_blocker()):
            raise StateChangeRefused(reason)
        self.state = new
        self._change_reason = f"State: {old.label} → {new.label}"
        self.save()
