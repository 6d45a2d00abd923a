from django.conf import settings
from django.db import models

from datasets.fields import EncryptedJSONField


class Analysis(models.Model):
    """One run of a statistical method on a cohort, computed by a task worker.

    Results quote row values (category levels), so results, metadata and error
    are encrypted at rest. ``heartbeat_at`` is the lease: a running analysis whose
    worker stopped renewing it is failed or re-queued (see services).
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    cohort = models.ForeignKey("cohorts.Cohort", on_delete=models.CASCADE, related_name="analyses")
    analysis_type = models.CharField(max_length=50)
    parameters = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    results = EncryptedJSONField(null=True, blank=True)
    metadata = EncryptedJSONField(default=dict, blank=True)
    # The method's chart specs ({name, title, kind, spec}): drawn on request, after disclosure control.
    charts = EncryptedJSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="analyses"
    )
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    worker = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "analyses"

    def __str__(self):
        return f"{self.analysis_type} on {self.cohort}"

    @property
    def finished(self):
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
