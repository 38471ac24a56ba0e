"""URL configuration: the admin and the public tracker."""

from django.contrib import admin
from django.urls import include, path

from tracker.admin import needs_work

urlpatterns = [
    path("admin/needs-work/", admin.site.admin_view(needs_work), name="admin-needs-work"),
    path("admin/", admin.site.urls),
    path("", include("tracker.urls")),
]
