"""Researchers' workbench."""

from django.contrib import admin

from .models import Bureau, Citation, Country, Event, Source, Station

for model in (Bureau, Citation, Country, Event, Source, Station):
    admin.site.register(model)
