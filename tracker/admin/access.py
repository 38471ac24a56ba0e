"""What each user may see of a model in the admin, and filter its lists on.

Django's admin lets a changelist's query string filter on any field of the
model (``?contact__startswith=a&id__exact=1``), whether the list shows it or
not. A filter answering one row or none spells out a value a character at a
time, so every tracker admin is built on ``FieldAccessMixin``:

- a query parameter filters only on what the list offers that user: its
  list filters and date hierarchy (any lookup on those fields), and the
  lookups Django's own raw-id pop-ups ask for (``limit_choices_to``);
- ``hidden_fields(request)`` names the fields a user may not see; they are
  left out of the list, the form, the search and the ordering, and no lookup
  may touch them, even one the list offers to others.

Django answers a refused lookup as it does any ``DisallowedModelAdminLookup``,
the same way whether a row would have matched or not.
"""

from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.widgets import url_params_from_lookup_dict
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP


def field_path(model, lookup: str) -> tuple[str, ...]:
    """The fields ``lookup`` walks through, without its transforms and lookups.

    A relation's own key names the relation, not another field:
    ``country__code__exact`` and ``country__isnull`` are both ``("country",)``,
    ``source__kind__exact`` is ``("source", "kind")``. A lookup naming no field
    (``pk``, ``nonsense``) gives ``()``.
    """
    path = []
    relation = None
    for part in lookup.split(LOOKUP_SEP):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            break
        if relation is not None and field in relation.path_infos[-1].target_fields:
            break
        path.append(part)
        if not getattr(field, "path_infos", None):
            break
        relation = field
        model = field.path_infos[-1].to_opts.model
    return tuple(path)


def _without(fieldsets, hidden):
    """``fieldsets`` with the ``hidden`` field names left out (rows of fields included)."""
    cleaned = []
    for name, options in fieldsets:
        fields = []
        for entry in options.get("fields", ()):
            if isinstance(entry, list | tuple):
                row = [field for field in entry if field not in hidden]
                if row:
                    fields.append(tuple(row))
            elif entry not in hidden:
                fields.append(entry)
        cleaned.append((name, {**options, "fields": fields}))
    return cleaned


class FieldAccessMixin:
    """Lists filter only on what they offer; fields hidden from a user stay hidden everywhere."""

    def hidden_fields(self, request) -> frozenset[str]:
        """Names of the fields ``request.user`` may not see (none unless an admin says so)."""
        return frozenset()

    def offered_lookups(self, request) -> tuple[set[str], set[tuple[str, ...]]]:
        """What the list offers: its simple filters' parameters, and the fields it filters on."""
        parameters, paths = set(), set()
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                parameters.add(item.parameter_name)
            else:
                name = item[0] if isinstance(item, list | tuple) else item
                paths.add(field_path(self.model, name))
        if self.date_hierarchy:
            paths.add(field_path(self.model, self.date_hierarchy))
        return parameters, paths

    def lookup_allowed(self, lookup, value, request=None):
        # Raw-id pop-ups filter on their field's ``limit_choices_to``, as Django allows.
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in url_params_from_lookup_dict(fk_lookup).items():
                return True
        parameters, paths = self.offered_lookups(request)
        if lookup in parameters:
            return True
        path = field_path(self.model, lookup)
        if not path or path[0] in self.hidden_fields(request):
            return False
        return path in paths and super().lookup_allowed(lookup, value, request)

    def get_list_filter(self, request):
        hidden = self.hidden_fields(request)
        return [
            item
            for item in super().get_list_filter(request)
            if isinstance(item, type)
            or field_path(self.model, item[0] if isinstance(item, list | tuple) else item)[:1]
            not in {(name,) for name in hidden}
        ]

    def get_list_display(self, request):
        hidden = self.hidden_fields(request)
        return [name for name in super().get_list_display(request) if name not in hidden]

    def get_search_fields(self, request):
        hidden = self.hidden_fields(request)
        return [
            name
            for name in super().get_search_fields(request)
            if name.lstrip("^=@").split(LOOKUP_SEP)[0] not in hidden
        ]

    def get_fieldsets(self, request, obj=None):
        return _without(super().get_fieldsets(request, obj), self.hidden_fields(request))


class TrackerAdmin(FieldAccessMixin, admin.ModelAdmin):
    """The base of the tracker's admins that need nothing of the curated records' machinery."""
