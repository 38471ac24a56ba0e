"""django-import-export Resources of the admin, declared from the one column specification.

Each Resource lists the columns of its kind (``importing.columns``) as
read-only export fields whose cells are rendered and neutralised there, and
prefetches what they read through ``filter_export``. The admin's export
runs through the library unchanged; its import views hand the file to the
tracker's engine (``tracker.importing``), because the library's row-by-row
``import_data()`` cannot check a sheet whole and write it in bulk at the
speed a full-size import needs (see ``importing/bulk.py``).
"""

from import_export import resources
from import_export.fields import Field

from .importing.cells import export_cell
from .importing.columns import COLUMNS, KINDS, MODELS, export_queryset

__all__ = ["KINDS", "RESOURCES"]


def _field(col) -> Field:
    return Field(
        column_name=col.name,
        dehydrate_method=lambda record, col=col: export_cell(col.render(record)),
        readonly=True,
    )


class SheetResource(resources.ModelResource):
    """A kind's spreadsheet columns as a Resource: ``sheet_kind`` and ``columns`` name them."""

    #: The kind of sheet ("stations"…): not ``kind``, which is a column of sources.
    sheet_kind = ""
    columns = ()

    @property
    def column_names(self) -> list[str]:
        return [col.name for col in self.columns]

    def filter_export(self, queryset, **kwargs):
        # Stable order and the links each column reads, prefetched.
        return export_queryset(self.sheet_kind, queryset)


def _resource(kind: str) -> type[SheetResource]:
    columns = COLUMNS[kind]
    names = tuple(col.name for col in columns)
    meta = type("Meta", (), {"model": MODELS[kind], "fields": names, "export_order": names})
    attrs = {"sheet_kind": kind, "columns": columns, "Meta": meta, "__module__": __name__}
    attrs.update({col.name: _field(col) for col in columns})
    attrs["__doc__"] = f"{kind.capitalize()}: ``{', '.join(names)}``."
    name = kind[:-1].capitalize() + "Resource"
    return type(resources.ModelResource)(name, (SheetResource,), attrs)


BureauResource = _resource("bureaus")
SourceResource = _resource("sources")
StationResource = _resource("stations")
EventResource = _resource("events")
CitationResource = _resource("citations")

RESOURCES = {
    "bureaus": BureauResource,
    "sources": SourceResource,
    "stations": StationResource,
    "events": EventResource,
    "citations": CitationResource,
}
