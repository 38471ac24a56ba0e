"""The admin side of spreadsheet import and export (django-import-export)."""

from import_export.admin import ImportExportMixin


class SpreadsheetAdminMixin(ImportExportMixin):
    """Import with a preview and export, for the tracker's admin classes.

    Admin classes set ``resource_classes``; permissions, formats and the
    preview are configured here.
    """
