"""Public forms: the readers' tip form.

Scripts are held off without any outside service: a field people never see
(the honeypot) must stay empty, and a signed time stamp shows when the form was
shown, so a form sent within seconds (a script) or hours later (a replay) is
refused. Each stamp sends one tip: it carries a random nonce, recorded as used
(in the shared store, see ``tracker.ratelimit``) until the stamp is too old
anyway. Every refusal keeps what the reader typed and gives them a fresh stamp.
"""

import hashlib
import secrets
import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Event, Station, Tip
from .ratelimit import shared_store

STAMP_SALT = "tracker.tips.form-stamp"


def now() -> float:
    """The clock the stamp reads (tests move it)."""
    return time.time()


def form_stamp(issued: float | None = None) -> str:
    """A signed note of when the form was shown, with a nonce naming this copy of the form."""
    payload = {"t": now() if issued is None else issued, "n": secrets.token_hex(8)}
    return signing.dumps(payload, salt=STAMP_SALT)


def read_stamp(value: str) -> dict | None:
    """The stamp's contents, or None when it was not made by us."""
    try:
        payload = signing.loads(value, salt=STAMP_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), int | float):
        return None
    if not isinstance(payload.get("n"), str) or not payload["n"]:
        return None
    return payload


def stamp_seconds() -> int:
    """How long a stamp is good for, and so how long its use is remembered."""
    return settings.TIPS_FORM_MAX_HOURS * 3600


class LinksField(forms.CharField):
    """Links to sources, one per line: web addresses only, a limited number."""

    widget = forms.Textarea(attrs={"rows": 3, "inputmode": "url", "spellcheck": "false"})

    def to_python(self, value):
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value):
        # A list back into lines when the form is shown again.
        return "\n".join(value) if isinstance(value, list) else value

    def validate(self, value):
        super().validate(value)
        if len(value) > Tip.LINKS_MAX:
            raise forms.ValidationError(
                ngettext(
                    "Give at most %(max)d link (you gave %(n)d).",
                    "Give at most %(max)d links (you gave %(n)d).",
                    Tip.LINKS_MAX,
                )
                % {"max": Tip.LINKS_MAX, "n": len(value)},
                code="too_many",
            )
        is_web_address = URLValidator(schemes=["http", "https"])
        for number, link in enumerate(value, start=1):
            if len(link) > Tip.LINK_MAX:
                raise forms.ValidationError(
                    _("Link %(n)d is longer than %(max)d characters.")
                    % {"n": number, "max": Tip.LINK_MAX},
                    code="too_long",
                )
            try:
                is_web_address(link)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("Line %(n)d is not a web address starting with http:// or https://.")
                    % {"n": number},
                    code="invalid",
                ) from None


class TipForm(forms.ModelForm):
    """What a reader sends: the record it concerns, what they saw, links, a contact."""

    #: What the reader typed, to show again on a page that did not take it.
    TYPED_FIELDS = ("record", "text", "links", "contact")

    record = forms.CharField(
        label=_("Which station or event? (optional)"),
        required=False,
        max_length=Tip.RECORD_MAX,
        help_text=_(
            "A station code such as GBR02, or the last part of an event page's address. "
            "Leave it blank for something we do not list yet."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    text = forms.CharField(
        label=_("What did you see, or what is wrong?"),
        max_length=Tip.TEXT_MAX,
        help_text=_(
            "Up to %(max)d characters. Say what, where and when, and how you know. "
            "Do not include anything that could identify you unless you want to."
        )
        % {"max": Tip.TEXT_MAX},
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    links = LinksField(
        label=_("Links to sources (optional)"),
        required=False,
        help_text=_("One web address per line, at most %(count)d, each up to %(max)d characters.")
        % {"count": Tip.LINKS_MAX, "max": Tip.LINK_MAX},
    )
    contact = forms.CharField(
        label=_("How can we reach you? (optional)"),
        required=False,
        max_length=Tip.CONTACT_MAX,
        help_text=_(
            "Up to %(max)d characters: an e-mail address, a Signal number or anything else. "
            "Only our editors see it. Leave it blank to stay anonymous."
        )
        % {"max": Tip.CONTACT_MAX},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # The honeypot: hidden from people (and screen readers) by the template; scripts fill it.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Tip
        fields = ["text", "links", "contact"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the labels end in their own punctuation
        super().__init__(*args, **kwargs)
        # Every showing of the form, including after an error, carries a fresh stamp,
        # so a refused form can simply be sent again.
        self.fresh_stamp = form_stamp()
        self.stamp_nonce = ""
        #: The receipt already given for this copy of the form and this text (a double click).
        self.earlier_receipt = ""

    def clean_record(self):
        """The station code or event slug, resolved to a published record."""
        typed = self.cleaned_data["record"].strip()
        self.instance.record = typed
        self.instance.station = self.instance.event = None
        if not typed:
            return typed
        # Only published records: a draft's existence is not for the public to learn.
        station = Station.objects.published().filter(code=typed.upper()).first()
        event = None if station else Event.objects.published().filter(slug=typed.lower()).first()
        if station is None and event is None:
            raise forms.ValidationError(
                _(
                    "We list no station or event called “%(typed)s”. Check it, or leave this "
                    "field blank and describe it below."
                ),
                params={"typed": typed},
                code="unknown",
            )
        self.instance.station, self.instance.event = station, event
        return typed

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise forms.ValidationError(
                _("Your tip was not sent: the field “Leave this field empty” was filled in."),
                code="honeypot",
            )
        stamp = read_stamp(self.data.get("stamp", ""))
        if stamp is None:
            raise forms.ValidationError(
                _("This form could not be checked. Please send it again."), code="stamp"
            )
        age = now() - stamp["t"]
        if age < settings.TIPS_FORM_MIN_SECONDS:
            raise forms.ValidationError(
                _("That was sent very fast. Please check your tip, then send it again."),
                code="too_fast",
            )
        if age > stamp_seconds():
            raise forms.ValidationError(
                _(
                    "This form was opened more than %(hours)d hours ago. Your text is kept "
                    "below: please send it again."
                )
                % {"hours": settings.TIPS_FORM_MAX_HOURS},
                code="too_old",
            )
        self.stamp_nonce = stamp["n"]
        self.earlier_receipt = self.receipt_given_before()
        return cleaned

    def _stamp_key(self) -> str:
        return f"tips:stamp:{self.stamp_nonce}"

    def _typed_digest(self) -> str:
        typed = "\x1f".join(str(self.data.get(name, "")) for name in self.TYPED_FIELDS)
        return hashlib.sha256(typed.encode()).hexdigest()[:32]

    def receipt_given_before(self) -> str:
        """The receipt of the tip this copy of the form already sent, or "" when it sent none.

        The same copy sent again with the same text is a second click: it gets
        the first receipt. Sent again with other text (the Back button, or a
        script reusing one stamp), it is refused like a stale stamp.
        """
        kept = shared_store().value_of(self._stamp_key())
        if kept is None:
            return ""
        digest, receipt = kept.split(":", 1)
        if digest != self._typed_digest():
            raise forms.ValidationError(
                _(
                    "This copy of the form has already sent a tip. Your text is kept below: "
                    "please send it again."
                ),
                code="stamp_used",
            )
        return receipt

    def use_stamp(self, receipt: str) -> str:
        """Record this copy of the form as used by the tip ``receipt``; the receipt to show.

        Atomic: of two requests sending one copy at once, one records it. The
        other gets the first one's receipt if it sent the same text (a double
        click: its own tip is to be dropped), or ValidationError if not.
        """
        kept = f"{self._typed_digest()}:{receipt}"
        if shared_store().claim(self._stamp_key(), kept, stamp_seconds()):
            return receipt
        return self.receipt_given_before() or receipt
