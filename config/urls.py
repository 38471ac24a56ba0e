"""URL configuration: the admin and the public tracker.

The tracker's pages answer in English at their plain addresses and in Chinese
under /zh-hans/ and /zh-hant/: the language is part of the address, so links,
caches and search engines each see one language per URL.
"""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from tracker.admin import needs_work
from tracker.views import preview

urlpatterns = [
    path("admin/needs-work/", admin.site.admin_view(needs_work), name="admin-needs-work"),
    path(
        "admin/preview/<str:kind>/<int:pk>/",
        # cacheable: the view sets its own "private, no-store".
        admin.site.admin_view(preview.record_preview, cacheable=True),
        name="admin-preview",
    ),
    path("admin/", admin.site.urls),
    *i18n_patterns(path("", include("tracker.urls")), prefix_default_language=False),
]

# A lost database answers 503 with Retry-After rather than a bare 500.
handler500 = "tracker.views.errors.server_error"
