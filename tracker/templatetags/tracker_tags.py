"""Template helpers for the public pages: counts in words, bars, safe links."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

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


@register.simple_tag
def fact_refs(support):
    """The numbers of the citations that state a fact, each linking to its source below.

    ``support`` is a ``FactSupport`` (tracker/models/sourcing.py). A fact that
    only the encyclopedia article backs says so; a fact without numbers rests on
    the sources of the record as a whole.
    """
    if support is None:
        return ""
    refs = ""
    if support.numbers:
        refs = format_html(
            '<sup class="fact-refs">{}</sup>',
            format_html_join(
                "",
                '<a href="#cite-{}" title="{}">[{}]</a>',
                ((n, _("Source %(number)d") % {"number": n}, n) for n in support.numbers),
            ),
        )
    if support.encyclopedia_only:
        refs = format_html(
            '{} <span class="tag tag-encyclopedia">{}</span>', refs, _("encyclopedia only")
        )
    return refs
