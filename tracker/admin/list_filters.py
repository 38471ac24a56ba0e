"""List filters of the admin's changelists."""

from django.contrib.admin import SimpleListFilter
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import (
    SUPPORTABLE_FACTS,
    Continent,
)

# --- List filters -----------------------------------------------------------------------


class ContinentFilter(SimpleListFilter):
    title = "continent"
    parameter_name = "continent"

    def lookups(self, request, model_admin):
        return [(value, label) for value, label in Continent.choices if value != "antarctica"]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(country__continent=self.value())
        return queryset


class CitationFilter(SimpleListFilter):
    """Records without any citation: the first thing to fix before publishing."""

    title = "citations"
    parameter_name = "citations"

    def lookups(self, request, model_admin):
        return [("none", "No citation"), ("some", "Cited")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.without_citations()
        if self.value() == "some":
            return queryset.exclude(pk__in=queryset.without_citations().values("pk"))
        return queryset


class DisagreementFilter(SimpleListFilter):
    """Records whose sources contradict each other, as their curator noted."""

    title = "sources"
    parameter_name = "disagree"

    def lookups(self, request, model_admin):
        return [("yes", "Sources disagree")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.sources_disagree()
        return queryset


class SourceLinkFilter(SimpleListFilter):
    title = "link"
    parameter_name = "link"

    def lookups(self, request, model_admin):
        return [
            ("none", "No URL and no archived URL"),
            ("unarchived", "URL not archived"),
            ("archived", "Archived"),
            ("broken", _("Link broken")),
            ("no-archive", _("No archived copy")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "broken":
            # The original link as last checked by ``manage.py check_sources``.
            return queryset.filter(url_ok=False).exclude(url="")
        if self.value() == "no-archive":
            # None recorded, or the recorded one found broken.
            return queryset.filter(Q(archived_url="") | Q(archived_ok=False))
        if self.value() == "none":
            return queryset.filter(url="", archived_url="")
        if self.value() == "unarchived":
            return queryset.filter(archived_url="").exclude(url="")
        if self.value() == "archived":
            return queryset.exclude(archived_url="")
        return queryset


class UnsupportedFactFilter(SimpleListFilter):
    """Records holding a fact that no citation names: gaps in the per-fact sourcing."""

    title = _("fact without a specific citation")
    parameter_name = "unsupported"

    def lookups(self, request, model_admin):
        facts = SUPPORTABLE_FACTS[model_admin.model._meta.model_name]
        return list(facts.items())

    def queryset(self, request, queryset):
        facts = SUPPORTABLE_FACTS[queryset.model._meta.model_name]
        if self.value() in facts:
            return queryset.unsupported(self.value())
        return queryset
