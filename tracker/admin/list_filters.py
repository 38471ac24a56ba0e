"""List filters of the admin's changelists."""

from django.contrib.admin import SimpleListFilter

from ..models import (
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


class SourceLinkFilter(SimpleListFilter):
    title = "link"
    parameter_name = "link"

    def lookups(self, request, model_admin):
        return [
            ("none", "No URL and no archived URL"),
            ("unarchived", "URL not archived"),
            ("archived", "Archived"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(url="", archived_url="")
        if self.value() == "unarchived":
            return queryset.filter(archived_url="").exclude(url="")
        if self.value() == "archived":
            return queryset.exclude(archived_url="")
        return queryset
