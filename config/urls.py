"""URL configuration: the admin and the public tracker."""

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
    path("", include("tracker.urls")),
]
