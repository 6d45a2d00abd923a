from django.conf import settings
from django.db import models
from django.utils import timezone

BODY_MAX_LENGTH = 10_000


class Message(models.Model):
    """A plain-text message from one user to another.

    Replies point at their ``parent`` and at the ``thread`` root, so a whole
    conversation is one indexed lookup. A message may be about a dataset, cohort
    or analysis (``context_type`` + ``context_id``); whether a reader sees that
    link is decided when it is read (``messaging.contexts``).
    """

    class ContextType(models.TextChoices):
        DATASET = "dataset", "Dataset"
        COHORT = "cohort", "Cohort"
        ANALYSIS = "analysis", "Analysis"

    # Users are deactivated, not deleted: PROTECT keeps both sides of a conversation intact.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sent_messages"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="received_messages"
    )
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    is_read = models.BooleanField(default=False)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    thread = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The conversation's first message; empty on that first message itself.",
    )
    context_type = models.CharField(max_length=16, choices=ContextType.choices, blank=True)
    context_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["recipient", "is_read"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(context_type="", context_id__isnull=True))
                | (~models.Q(context_type="") & models.Q(context_id__isnull=False)),
                name="message_context_type_and_id_together",
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.sender_id} -> {self.recipient_id}"

    @property
    def conversation_id(self):
        """The id of the conversation this message belongs to."""
        return self.thread_id or self.pk

    @property
    def participant_ids(self):
        return {self.sender_id, self.recipient_id}

    def counterpart(self, user):
        """The other person of this message's conversation, seen from ``user``."""
        return self.recipient if self.sender_id == user.pk else self.sender
