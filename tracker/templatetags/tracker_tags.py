"""Template helpers for the public pages: counts in words, bars, safe links, JSON-LD."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from .. import languages
from ..text import count_noun

register = template.Library()


@register.filter
def counted(count, noun):
    """``{{ 22|counted:"station" }}`` gives "22 stations"; say ``"country,countries"`` if odd."""
    singular, _, plural = str(noun).partition(",")
    return count_noun(int(count or 0), singular, plural or None)


@register.filter
def in_language(record, field):
    """``{{ event|in_language:"title" }}``: the text in the page's language, or the English
    one marked ``lang="en"`` with "(English)" beside it."""
    return languages.localized(record, field).html()


@register.filter
def text_in_language(record, field):
    """The same text, plain, for titles and attributes."""
    return languages.localized(record, field).text


@register.filter
def country_name(code, english=""):
    """``{{ row.country_id|country_name:row.country__name }}``: a country's name in the
    page's language."""
    return languages.country_name(str(code), str(english or ""))


@register.filter
def long_date(value):
    """A full date in the page's language: "4 June 2023", "2023年6月4日"."""
    return languages.long_date(value)


@register.filter
def event_date(event, form="label"):
    """``{{ event|event_date }}``: its date as a ``<time>`` ("March 2023 (month only)");
    an undated event says "date unknown" without a machine date. ``:"display"`` leaves out
    the precision note."""
    shown = event.date_display if form == "display" else event.date_label
    if event.date is None:
        return format_html('<span class="date-unknown">{}</span>', shown)
    return format_html('<time datetime="{}">{}</time>', event.date.isoformat(), shown)


@register.filter
def number(value):
    """A number grouped as the page's language writes it."""
    return languages.number(value or 0)


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


# As json_script escapes them: no "</script>" or "<!--" in the data can end the element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def jsonld(data):
    """``data`` as a ``<script type="application/ld+json">`` element, escaped like json_script."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    # Safe: every character that could close or open markup is escaped above.
    safe_payload = mark_safe(payload.translate(_JSON_SCRIPT_ESCAPES))  # noqa: S308
    return format_html('<script type="application/ld+json">{}</script>', safe_payload)


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # The output is already escaped template output, as a block's would be.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser, token):
    """``{% capture as name %}…{% endcapture %}``: render once, then use ``{{ name }}``.

    base.html captures each page's title and description block once and
    repeats them in the Open Graph and Twitter tags.
    """
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Write {% capture as name %}…{% endcapture %}.")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


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
