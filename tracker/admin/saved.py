"""After a plain Save, the list the curator returns to shows the saved record highlighted.

Django sends a plain "Save" back to the list, where a new record can sit anywhere
among the others. The record's key is kept in the session for the next list view
only, as a message is (a query parameter would become a list filter), and the
results template marks its row (``saved-record``, styled in tracker/css/admin.css).
A record the list's filters or pages leave out is reached through the link in
Django's own success message.
"""

SESSION_KEY = "tracker_admin_saved_record"


class SavedRecordMixin:
    """Highlight the record just saved in the list a plain Save returns to."""

    class Media:
        css = {"all": ["tracker/css/admin.css"]}

    def remember_saved(self, request, obj):
        request.session[SESSION_KEY] = [self.opts.label_lower, str(obj.pk)]

    def response_post_save_add(self, request, obj):
        self.remember_saved(request, obj)
        return super().response_post_save_add(request, obj)

    def response_post_save_change(self, request, obj):
        self.remember_saved(request, obj)
        return super().response_post_save_change(request, obj)

    def saved_pk(self, request):
        """The key of the record saved just before this list view, once; else None."""
        if request.method != "GET":
            return None
        label, pk = request.session.pop(SESSION_KEY, (None, None))
        return pk if label == self.opts.label_lower else None

    def changelist_view(self, request, extra_context=None):
        saved = self.saved_pk(request)
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if saved is not None and changelist is not None:
            # The page's rows are loaded once here; the template reuses them.
            changelist.saved_row = next(
                (n for n, obj in enumerate(changelist.result_list, 1) if str(obj.pk) == saved),
                None,
            )
        return response
