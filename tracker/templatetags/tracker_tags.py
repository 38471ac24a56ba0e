"""Template helpers for the public pages: query strings, counts in words, bars."""

from django import template
from django.utils.html import format_html

from ..views import count_noun, without_blanks

register = template.Library()


@register.simple_tag(takes_context=True)
def query_string(context, **changes):
    """The current query string with ``changes`` applied, e.g. ``{% query_string page=2 %}``.

    A value of ``None`` removes the parameter. Changing anything but the page
    sends the reader back to page 1, since the old page number no longer
    means the same rows.
    """
    query = without_blanks(context["request"].GET)
    if "page" not in changes:
        query.pop("page", None)
    for name, value in changes.items():
        if value is None or value == "":
            query.pop(name, None)
        else:
            query[name] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def counted(count, noun):
    """``{{ 22|counted:"station" }}`` gives "22 stations"; say ``"country,countries"`` if odd."""
    singular, _, plural = str(noun).partition(",")
    return count_noun(int(count or 0), singular, plural or None)


@register.simple_tag
def bar(share):
    """A horizontal bar ``share`` percent long, as SVG (no inline style, so the CSP holds)."""
    return format_html(
        '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"'
        ' focusable="false"><rect width="{}" height="10"/></svg>',
        max(float(share or 0), 0.5),
    )


@register.filter
def http_url(value):
    """``value`` if it is an http(s) URL, else "": a stored ``javascript:`` link stays inert."""
    value = str(value or "").strip()
    return value if value.lower().startswith(("https://", "http://")) else ""
