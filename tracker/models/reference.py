"""Reference records: the ISO countries and the bureaus that run stations."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from .. import hanzi, languages
from .editorial import Continent
from .rules import PlainRules, no_control_characters


class Country(PlainRules):
    """An ISO 3166-1 country; every country exists, with stations or not."""

    code = models.CharField("ISO 3166-1 alpha-3", max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    continent = models.CharField(max_length=20, choices=Continent.choices, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [
            # Codes are written as ISO gives them, three capital letters.
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{3}$"), name="country_code_iso3"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:country_detail", args=[self.code])

    @property
    def local_name(self) -> str:
        """The name in the page's language (CLDR's Chinese names on Chinese pages)."""
        return languages.country_name(self.code, self.name)


class Bureau(models.Model):
    """A Chinese public security bureau that runs stations abroad."""

    slug = models.SlugField(unique=True)
    name = models.CharField(
        "English name", max_length=200, unique=True, validators=[no_control_characters]
    )
    name_zh = models.CharField(
        "Chinese name", max_length=100, blank=True, validators=[no_control_characters]
    )
    pinyin = models.CharField(max_length=200, blank=True, validators=[no_control_characters])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:bureau_detail", args=[self.slug])

    @property
    def short_name(self) -> str:
        """ "Fuzhou" for "Fuzhou City Public Security Bureau"; "福州" on a Chinese page."""
        local = self.local_name
        if local != self.name:
            # 福州市公安局 → 福州: the place before its 市/县 (縣) and 公安局.
            return local.removesuffix("公安局").rstrip("市县縣") or local
        return self.name.split(" ")[0]

    @property
    def local_name(self) -> str:
        """The name in the page's language: its Chinese name (in Traditional characters on
        a Traditional page), else the English one."""
        code = languages.current()
        if code == "en" or not self.name_zh:
            return self.name
        return hanzi.to_traditional(self.name_zh) if code == "zh-hant" else self.name_zh

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Stations are found by their bureau's names: keep their text current.
        # updated_at moves too, so cached facet counts see the new name.
        now = timezone.now()
        for station in self.stations.select_related("country", "bureau"):
            station.refresh_search_text()
            type(station).objects.filter(pk=station.pk).update(
                search_text=station.search_text, updated_at=now
            )
