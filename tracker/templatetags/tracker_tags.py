"""Template helpers for the public pages: counts in words, bars, safe links."""

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language, to_locale

from ..text import count_noun

register = template.Library()


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


@register.filter
def language_name(code):
    """ "en" → "English", in the page's language (CLDR names from Babel); the code if unknown."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(to_locale(get_language() or "en"))
    except (ValueError, UnknownLocaleError):
        locale = Locale("en")
    code = str(code or "").strip()
    return locale.languages.get(code.replace("-", "_"), code)
