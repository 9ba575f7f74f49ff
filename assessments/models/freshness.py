"""Results of the model freshness check (`python manage.py check_models`)."""

from django.db import models

__all__ = ["ModelFreshnessCheck"]


class ModelFreshnessCheck(models.Model):
    """One run: which models the API listed and what it found about the names the courses use."""

    checked_at = models.DateTimeField(db_index=True)
    base_url = models.CharField(max_length=300)
    test_mode = models.BooleanField(default=False)
    listed = models.JSONField(default=list)  # model ids from GET /v1/models
    # [{"course", "model", "problem", "detail"}] with problem one of not_listed, alias, newer_sibling
    findings = models.JSONField(default=list)
    error = models.TextField(blank=True)  # why the list could not be read; empty on success

    class Meta:
        ordering = ["-checked_at", "-id"]
        get_latest_by = "checked_at"

    def __str__(self) -> str:
        return f"model check at {self.checked_at:%Y-%m-%d %H:%M}"
