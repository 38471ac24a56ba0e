"""Spreadsheet columns for stations, events, sources and citations.

django-import-export Resources shared by the admin, ``import_sheet``,
``export_sheet`` and the public CSV downloads.
"""

from import_export import resources

from .models import Citation, Event, Source, Station


class StationResource(resources.ModelResource):
    class Meta:
        model = Station


class EventResource(resources.ModelResource):
    class Meta:
        model = Event


class SourceResource(resources.ModelResource):
    class Meta:
        model = Source


class CitationResource(resources.ModelResource):
    class Meta:
        model = Citation
