from django.conf import settings
from django.db import models

from datasets.fields import EncryptedJSONField


class Cohort(models.Model):
    """The rows of one pinned dataset version that meet the criteria.

    Criteria and attrition can quote row values (``sex == "F"``), so both are
    encrypted at rest like the data dictionary.
    """

    # A dataset in use cannot be deleted: its cohorts and their analyses must stay reproducible.
    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.PROTECT, related_name="cohorts")
    dataset_version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    criteria = EncryptedJSONField(default=str, blank=True)
    size = models.BigIntegerField()
    attrition = EncryptedJSONField(default=list, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="member_cohorts")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cohorts")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return self.name

    @property
    def stale(self):
        """True when the dataset has a newer version than the one this cohort is pinned to."""
        return self.dataset_version < self.dataset.version
