"""The admin side of spreadsheet import and export (django-import-export).

The admin classes of stations, events, sources and citations inherit
``SpreadsheetAdminMixin`` and set ``resource_classes``. The mixin keeps the
library's URLs (``/admin/tracker/station/import/`` …) and its two steps,
preview then confirm, and changes what matters for a research database:

- Import needs ``tracker.import_<model>`` (Researchers), export
  ``tracker.export_<model>`` (Editors): the settings name those codes.
- Files are read as bytes by the tracker's own readers and checked and
  written by its engine (``tracker.importing``): the library's view would
  call ``Resource.import_data()``, row by row. Uploads have a size limit
  whose message points to ``import_sheet``, which has none.
- The preview is a summary (counts, every rejected row, the first new and
  changed rows with their changed cells), not a page with every row.
- The preview signs a fingerprint of the file and of the matched records'
  versions; the confirmation refuses if the file or any of those records
  changed since, so an import never overwrites an edit its user did not see.
- The importing user goes to the resource: history is theirs, and only
  Editors may publish or retract through a sheet. The upload form's public
  note is the import's note (``importing.run.import_sheet``): the preview
  checks the sheet with it and the signed preview carries it to the
  confirmation.
- The uploaded file waits for its confirmation in a folder of its own
  (``PreviewStorage``): each confirmation removes it, whatever the outcome, and
  each new preview removes those too old to be confirmed.
"""

import contextlib
import hashlib
import io
import os
import re
import tempfile
import time
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm
from import_export.signals import post_import
from import_export.tmp_storages import BaseStorage

from .importing.cells import SheetError, StalePreviewError
from .importing.readers import Workbook
from .importing.run import import_sheet
from .importing.template import blank_template
from .sheets import SHEET_FORMATS, admin_limits, too_big_message

PREVIEW_SALT = "tracker.import-preview"
#: A preview may be confirmed within this many seconds.
PREVIEW_MAX_AGE = 6 * 60 * 60


class PreviewStorage(BaseStorage):
    """Where an uploaded file waits between its preview and its confirmation.

    The library's default keeps it in the system's temporary folder, and only a
    confirmation that got as far as importing removed it: a preview never
    confirmed stayed there for good. Here previews live in a folder of their
    own (``TRACKER_IMPORT_PREVIEW_DIR``, by default ``tracker-import-previews``
    in the temporary folder), readable by this user only, under random names a
    form cannot turn into another path; ``remove_expired`` deletes those older
    than a preview may be confirmed.
    """

    NAME = re.compile(r"[0-9a-f]{32}")

    @staticmethod
    def folder() -> Path:
        configured = getattr(settings, "TRACKER_IMPORT_PREVIEW_DIR", None)
        return Path(configured or Path(tempfile.gettempdir()) / "tracker-import-previews")

    def get_full_path(self) -> Path:
        if not self.NAME.fullmatch(self.name or ""):
            raise FileNotFoundError("no such preview")
        return self.folder() / self.name

    def save(self, data: bytes) -> None:
        folder = self.folder()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.name = uuid.uuid4().hex
        descriptor = os.open(folder / self.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)

    def read(self) -> bytes:
        return self.get_full_path().read_bytes()

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):  # not one of ours: nothing to remove
            self.get_full_path().unlink(missing_ok=True)

    @classmethod
    def remove_expired(cls, max_age: float) -> int:
        """Delete previews older than ``max_age`` seconds; how many were deleted."""
        deadline = time.time() - max_age
        removed = 0
        try:
            entries = list(os.scandir(cls.folder()))
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                if cls.NAME.fullmatch(entry.name) and entry.stat().st_mtime < deadline:
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:  # removed meanwhile by its confirmation
                pass
        return removed


class SheetImportForm(ImportForm):
    """The upload form, refusing an oversized file before it is read.

    ``public_note`` is the import's note: the corrections log shows it for each
    change the sheet makes to a published record, a withdrawal takes it as its
    public reason, and a proposal carries it to the editor.
    """

    public_note = forms.CharField(
        label="Public note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=(
            "For changes to published records: what changed and why, shown in the public "
            "corrections log (Editors), and the public reason of each withdrawal (a row "
            "setting a published record's state to draft). Researchers: a note for the "
            "editor who reviews the proposals."
        ),
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > admin_limits().max_bytes:
            raise forms.ValidationError(too_big_message(upload.size))
        return upload


class SheetConfirmForm(ConfirmImportForm):
    """The confirmation carries the signed fingerprint of what the preview showed."""

    preview_token = forms.CharField(widget=forms.HiddenInput())


class SpreadsheetAdminMixin(ImportExportMixin):
    """Import with a preview and export, for the tracker's admin classes.

    Admin classes set ``resource_classes``; permissions, formats, the preview
    and the confirmation are configured here.
    """

    import_template_name = "admin/import_export/tracker_import.html"
    import_form_class = SheetImportForm
    tmp_storage_class = PreviewStorage
    confirm_form_class = SheetConfirmForm
    # Always the contract's columns: a re-importable file, never a subset.
    export_form_class = ExportForm
    #: How many new and changed rows the preview shows (the counts cover all).
    preview_rows = 50
    #: How many problems the preview lists (the rest are counted, not kept in memory).
    preview_problems = 1000

    def get_import_formats(self):
        return list(SHEET_FORMATS)

    def get_export_formats(self):
        return list(SHEET_FORMATS)

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["preview_token"] = getattr(import_form, "preview_token", "")
        return initial

    def get_urls(self):
        info = self.get_model_info()
        return [
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name="{}_{}_import_template".format(*info),
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        """A blank .xlsx of this model's sheet: the header row and what each column accepts.

        Open to whoever may import (Researchers cannot export).
        """
        if not self.has_import_permission(request):
            raise PermissionDenied
        kind = self.get_import_resource_classes(request)[0].sheet_kind
        response = HttpResponse(
            blank_template(kind),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.xlsx"'
        return response

    # Step 1: upload and preview.

    def import_action(self, request, **kwargs):
        """Read the upload, check every row without writing, show the summary."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        context = self.get_import_context_data()
        form = self.create_import_form(request)
        if request.POST and form.is_valid():
            upload = form.cleaned_data["import_file"]
            sheet_format = self.get_import_formats()[int(form.cleaned_data["format"])]()
            data = b"".join(upload.chunks())
            resource = self.choose_import_resource_class(form, request)(
                **self.get_import_resource_kwargs(request, form=form)
            )
            note = form.cleaned_data.get("public_note", "").strip()
            try:
                result = self.run_import(data, sheet_format.suffix, resource.sheet_kind, request,
                                         upload.name, dry_run=True, note=note)  # fmt: skip
            except SheetError as error:
                form.add_error("import_file", str(error))
            else:
                context["result"] = result
                context["sheet"] = self.preview_summary(result)
                context["sheet"]["note"] = note
                if not result.problems:
                    storage_class = self.get_tmp_storage_class()
                    # Previews too old to be confirmed, never confirmed: cleared here.
                    storage_class.remove_expired(PREVIEW_MAX_AGE)
                    storage = storage_class(
                        encoding=None, read_mode="rb", **self.get_tmp_storage_class_kwargs()
                    )
                    storage.save(data)
                    upload.tmp_storage_name = storage.name
                    form.preview_token = signing.dumps(
                        {
                            "name": storage.name,
                            "file": hashlib.sha256(data).hexdigest(),
                            "versions": result.version_digest,
                            "at": timezone.now().isoformat(),
                            "model": self.model._meta.label_lower,
                            "user": request.user.pk,
                            # Signed with the rest: the note confirmed is the note previewed.
                            "note": note,
                        },
                        salt=PREVIEW_SALT,
                    )
                    context["confirm_form"] = self.create_confirm_form(request, import_form=form)
        resources = [
            cls(**self.get_import_resource_kwargs(request))
            for cls in self.get_import_resource_classes(request)
        ]
        context.update(self.admin_site.each_context(request))
        context.update(
            title=f"Import {self.model._meta.verbose_name_plural}",
            form=form,
            opts=self.model._meta,
            media=self.media + form.media,
            fields_list=[
                (r.get_display_name(), [f.column_name for f in r.get_user_visible_fields()])
                for r in resources
            ],
            import_error_display=self.import_error_display,
            template_url=reverse(
                "admin:{}_{}_import_template".format(*self.get_model_info()),
                current_app=self.admin_site.name,
            ),
            max_megabytes=admin_limits().max_bytes // (1024 * 1024),
        )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def run_import(self, data, suffix, kind, request, file_name, **kwargs):
        """Check (``dry_run``) or import an uploaded file through the tracker's engine."""
        if len(data) > admin_limits().max_bytes:
            raise SheetError(too_big_message(len(data)))
        with Workbook(io.BytesIO(data), suffix, admin_limits()) as workbook:
            return import_sheet(
                workbook,
                kind,
                user=request.user,
                reason=f"Imported from {file_name}",
                problem_limit=self.preview_problems,
                **kwargs,
            )

    def stale_message(self, kind: str, previewed_at: str) -> str:
        """Which records changed since the preview (the first 20), and what to do."""
        names = []
        since = parse_datetime(previewed_at or "")
        if since:
            key = "pk" if kind == "citations" else self.model._meta.pk.name
            key = {"stations": "code", "events": "slug", "sources": "key", "bureaus": "slug"}.get(
                kind, key
            )
            names = list(
                self.model._base_manager.filter(updated_at__gt=since)
                .order_by(key)
                .values_list(key, flat=True)[:20]
            )
        which = f" ({', '.join(str(n) for n in names)})" if names else ""
        return (
            f"Some {kind}{which} changed after this preview was made. Nothing was imported: "
            "upload the file again to see the differences against the current records."
        )

    def preview_summary(self, result) -> dict:
        """What the preview page shows: counts, rejected rows, the first changes."""
        new = [c for c in result.changes if c.action == "new"]
        changed = [c for c in result.changes if c.action == "changed"]
        proposed = [c for c in result.changes if c.action == "proposed"]
        limit = self.preview_rows
        return {
            "counts": result.counts,
            "summary": result.summary(),
            "problems": result.problems,
            "more_problems": result.problems_not_kept,
            "new": new[:limit],
            # Among the new rows listed: those that stay uncited or cite without a locator.
            "warned": sum(1 for c in new[:limit] if c.warnings),
            "more_new": max(0, len(new) - limit),
            "changed": changed[:limit],
            "more_changed": max(0, len(changed) - limit),
            "proposed": proposed[:limit],
            "more_proposed": max(0, len(proposed) - limit),
        }

    # Step 2: confirm.

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Import the previewed file, unless it or the records it matches changed since."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        import_url = reverse(
            "admin:{}_{}_import".format(*self.get_model_info()), current_app=self.admin_site.name
        )
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            messages.error(request, "This confirmation is incomplete: upload the file again.")
            return HttpResponseRedirect(import_url)
        cleaned = confirm_form.cleaned_data
        try:
            token = signing.loads(cleaned["preview_token"], salt=PREVIEW_SALT)
        except signing.BadSignature:
            messages.error(request, "This preview was altered: upload the file again.")
            return HttpResponseRedirect(import_url)
        if (
            token.get("model") != self.model._meta.label_lower
            or token.get("user") != request.user.pk
            or token.get("name") != cleaned["import_file_name"]
        ):
            messages.error(request, "This is not the file that was previewed: upload it again.")
            return HttpResponseRedirect(import_url)
        storage = self.get_tmp_storage_class()(
            name=token["name"], encoding=None, read_mode="rb", **self.get_tmp_storage_class_kwargs()
        )
        try:
            return self.confirm_preview(request, confirm_form, token, storage, import_url)
        finally:
            # Imported, refused or expired: the previewed file is not needed any more.
            storage.remove()

    def confirm_preview(self, request, confirm_form, token, storage, import_url):
        """Import the previewed file of a signed, matching token (``process_import``)."""
        cleaned = confirm_form.cleaned_data
        try:
            signing.loads(cleaned["preview_token"], salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE)
        except signing.SignatureExpired:
            messages.error(request, "This preview has expired: upload the file again.")
            return HttpResponseRedirect(import_url)
        try:
            data = storage.read()
        except OSError:
            messages.error(request, "The previewed file is no longer available: upload it again.")
            return HttpResponseRedirect(import_url)
        if token.get("file") != hashlib.sha256(data).hexdigest():
            messages.error(request, "This is not the file that was previewed: upload it again.")
            return HttpResponseRedirect(import_url)
        try:
            sheet_format = self.get_import_formats()[int(cleaned["format"])]()
        except (ValueError, IndexError):
            messages.error(request, "Unknown file format: upload the file again.")
            return HttpResponseRedirect(import_url)
        resource = self.choose_import_resource_class(confirm_form, request)(
            **self.get_import_resource_kwargs(request, form=confirm_form)
        )
        try:
            result = self.run_import(
                data,
                sheet_format.suffix,
                resource.sheet_kind,
                request,
                cleaned["original_file_name"],
                dry_run=False,
                expected_digest=token.get("versions"),
                note=token.get("note", ""),
            )
        except StalePreviewError:
            messages.error(request, self.stale_message(resource.sheet_kind, token.get("at", "")))
            return HttpResponseRedirect(import_url)
        except SheetError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(import_url)
        if result.problems:
            messages.error(
                request,
                f"Nothing was imported: {result.summary()}. Upload the file again to see why.",
            )
            return HttpResponseRedirect(import_url)
        return self.process_result(result, request)

    def process_result(self, result, request):
        # The history of each record names the import; no admin log entry per row.
        messages.success(
            request,
            f"Import finished: {result.summary()} {self.model._meta.verbose_name_plural}.",
        )
        post_import.send(sender=None, model=self.model)
        return HttpResponseRedirect(
            reverse(
                "admin:{}_{}_changelist".format(*self.get_model_info()),
                current_app=self.admin_site.name,
            )
        )
