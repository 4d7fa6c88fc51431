from __future__ import annotations

from django.conf import settings
from django.db import models


class Preferences(models.Model):
    """What a person chose for themselves: for now, the time zone dates are shown in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    time_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"{self.user}: {self.time_zone or 'the site time zone'}"
