"""The editorial machinery every curated record shares.

Stations, events and sources carry an editorial ``state``; the public sees a
record only once it is ``published``, and every public read starts from the
``published()`` queryset method. Curated records keep a full history
(django-simple-history) and a ``version`` that a save checks, so that nobody
overwrites a change they have not seen.
"""

from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import search, text
from .rules import PlainRules


class StateChangeRefused(Exception):
    """Raised when a record cannot move to the editorial state asked for; says why."""


class ChangeRefused(StateChangeRefused):
    """Raised when a change would break a rule of the record; nothing was written.

    ``errors`` lists ``(field, plain sentence)`` pairs: a field of the record,
    ``state`` for a refused move, ``citations`` for a citation's rule, or
    ``__all__``. The message names the record and every reason.
    """

    def __init__(self, record, errors: list[tuple[str, str]]):
        self.record = record
        self.errors = errors
        reasons = " ".join(dict.fromkeys(message for _field, message in errors))
        super().__init__(
            gettext("%(kind)s “%(record)s” was not changed: %(reasons)s")
            % {
                "kind": record._meta.verbose_name.capitalize(),
                "record": record,
                "reasons": reasons,
            }
        )


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
    AFRICA = "africa", _("Africa")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    NORTH_AMERICA = "north-america", _("North America")
    OCEANIA = "oceania", _("Oceania")
    SOUTH_AMERICA = "south-america", _("South America")
    ANTARCTICA = "antarctica", _("Antarctica")


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
        # A grouped query drops Meta.ordering; keep the order, or the admin's
        # autocomplete pages through an unordered list (UnorderedObjectListWarning).
        ordering = self.query.order_by or self.model._meta.ordering
        return self.annotate(citation_count=Count("citations", distinct=True)).order_by(*ordering)

    def without_citations(self):
        """Records no citation points at (unsupported stations and events, unused sources)."""
        field = self.model._meta.model_name
        citations = self.model._meta.get_field("citations").related_model
        return self.exclude(Exists(citations.objects.filter(**{field: OuterRef("pk")})))


class Versioned(PlainRules):
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


class Editorial(Versioned):
    """A record with an editorial state: draft, in review or published."""

    state = models.CharField(
        max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    first_published_at = models.DateTimeField(
        _("first published"), null=True, blank=True, editable=False
    )
    last_corrected_at = models.DateTimeField(
        _("last corrected"), null=True, blank=True, editable=False
    )
    review_note = models.TextField(
        _("note for the editor"),
        blank=True,
        editable=False,
        help_text=_("What the researcher asked the editor to check when sending it to review."),
    )

    #: Fields a save works out from the others; the imports' bulk writes store them too.
    DERIVED_FIELDS = ("search_text",)

    class Meta:
        abstract = True

    #: Stations and events must cite a source before they are published.
    requires_citation = False

    #: Fields never shown to the public: a change to them is no change of public facts.
    PRIVATE_FIELDS = frozenset({"notes"})

    #: The editorial workflow, the one table forms, actions, imports and tests read:
    #: which state may follow which, and whether the move needs ``publish_<model>``.
    #: Leaving ``published`` is a withdrawal: the public URL then answers 410.
    TRANSITIONS = {
        State.DRAFT: {State.REVIEW: False, State.PUBLISHED: True},
        State.REVIEW: {State.PUBLISHED: True, State.DRAFT: True},
        State.PUBLISHED: {State.DRAFT: True},
    }

    def note_first_publication(self, when=None) -> bool:
        """Stamp when the record was first published, once; True when this call did."""
        if self.state == State.PUBLISHED and self.first_published_at is None:
            self.first_published_at = when or timezone.now()
            return True
        return False

    def save(self, *args, **kwargs):
        # Every path that publishes stamps the first time (the imports' bulk writes too).
        self.note_first_publication()
        return super().save(*args, **kwargs)

    @classmethod
    def allowed_moves(cls, state: str, can_publish: bool) -> list[State]:
        """The states a record in ``state`` may move to, for a user who can publish or not."""
        return [
            target
            for target, needs_publish in cls.TRANSITIONS[State(state)].items()
            if can_publish or not needs_publish
        ]

    @classmethod
    def public_field_names(cls) -> list[str]:
        """The editable fields whose values the public sees (relations included)."""
        return [
            field.name
            for field in [*cls._meta.concrete_fields, *cls._meta.many_to_many]
            if field.editable
            and not field.primary_key
            and field.name not in cls.PRIVATE_FIELDS
            and field.name not in ("state", "version", "created_at", "updated_at")
        ]

    @property
    def record_kind(self) -> str:
        """``station``, ``event`` or ``source``: the record's kind in URLs and the log.

        Not ``kind``: a source has a field of that name (news, NGO report…).
        """
        return self._meta.model_name

    @property
    def public_key(self) -> str:
        """The record's key in public URLs: a station's code, an event's slug, a source's key."""
        return getattr(self, self.KEY_FIELD)

    def unpublished_sources(self) -> list:
        """The sources this record cites that are not published yet (none for a source)."""
        if not self.requires_citation or self.pk is None:
            return []
        from .sources import Source  # the records build on this module

        return list(
            Source._base_manager.filter(citations__in=self.citations.all())
            .exclude(state=State.PUBLISHED)
            .distinct()
            .order_by("key")
        )

    def publish_blocker(self, with_sources: bool = False) -> str:
        """Why this record cannot be published now, or "" when it can.

        A station or event needs a citation of a published source, so that its
        public page always shows one; ``with_sources`` publishes its cited
        sources with it, so a citation of any source will do.
        """
        if not self.requires_citation:
            return ""
        name = self._meta.verbose_name.capitalize()
        if self.pk is None or not self.citations.exists():
            return gettext(
                "%(kind)s “%(record)s” has no citation: cite at least one source before "
                "publishing it."
            ) % {"kind": name, "record": self}
        if with_sources or self.citations.filter(source__state=State.PUBLISHED).exists():
            return ""
        keys = ", ".join(source.key for source in self.unpublished_sources())
        return gettext(
            "%(kind)s “%(record)s” cites no published source (only %(keys)s): publish "
            "it with its sources, or publish one of them first."
        ) % {"kind": name, "record": self, "keys": keys}

    def withdrawal_blocker(self) -> str:
        """Why this published record may not leave the public site, or "" (sources override)."""
        return ""

    def deletion_blocker(self) -> str:
        """Why this record may not be deleted now, or "" when it may.

        A published record is withdrawn, never deleted outright: the withdrawal
        keeps its reason in the corrections log, and its address answers
        ``410 Gone`` with it. Once withdrawn, it may be deleted.
        """
        if self.state != State.PUBLISHED:
            return ""
        return gettext(
            "%(kind)s “%(record)s” is published: withdraw it first (Retract to draft, with "
            "the public reason), so that its address says why it is gone."
        ) % {"kind": self._meta.verbose_name.capitalize(), "record": self}

    def move_blocker(self, state: str, reason: str = "", with_sources: bool = False) -> str:
        """Why this record may not move to ``state`` now, or "" when it may.

        The workflow table, the citation rule for publishing, and the public
        reason a withdrawal (leaving ``published``) needs.
        """
        old = State(self.state)
        new = State(state)
        name = self._meta.verbose_name.capitalize()
        withdrawing = old == State.PUBLISHED and new != State.PUBLISHED
        if withdrawing and not reason.strip():
            return gettext(
                "%(kind)s “%(record)s” is published: give the public reason for withdrawing it."
            ) % {"kind": name, "record": self}
        if new not in self.TRANSITIONS[old]:
            return gettext("%(kind)s “%(record)s” is %(old)s: it cannot move to %(new)s.") % {
                "kind": name,
                "record": self,
                "old": old.label.lower(),
                "new": new.label.lower(),
            }
        if new == State.PUBLISHED and (blocker := self.publish_blocker(with_sources)):
            return blocker
        if withdrawing:
            return self.withdrawal_blocker()
        return ""

    def move_to(
        self, state: str, *, user=None, reason: str = "", with_sources: bool = False
    ) -> None:
        """Move to another editorial state and save, recording the change in the history.

        Raises ``StateChangeRefused`` for a move ``move_blocker`` refuses (one the
        workflow does not allow, a publication without a citation, a withdrawal
        without a reason) and ``ConcurrentEditError`` when the record changed
        since it was loaded. Who may ask for which move is the caller's concern
        (``amendments.amend`` and the admin check the ``publish_<model>``
        permission). Leaving ``published`` is a withdrawal: it goes into the
        public corrections log with ``reason``. Publishing ``with_sources``
        publishes the record's unpublished cited sources in the same
        transaction (the caller checks ``publish_source``).
        """
        from .corrections import Correction  # the log builds on this module

        if blocker := self.move_blocker(state, reason, with_sources):
            raise StateChangeRefused(blocker)
        old = State(self.state)
        new = State(state)
        withdrawing = old == State.PUBLISHED and new != State.PUBLISHED
        sources = self.unpublished_sources() if new == State.PUBLISHED and with_sources else []
        self.state = new
        if new == State.REVIEW:
            # The editor reads it on the record and in "What needs work".
            self.review_note = reason.strip()
        self._change_reason = f"State: {old.label} → {new.label}"
        with transaction.atomic():
            for source in sources:
                source.move_to(State.PUBLISHED, user=user)
            self.save()
            if withdrawing:
                Correction.objects.log_withdrawal(self, user, reason)
