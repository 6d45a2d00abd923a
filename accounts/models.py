from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A Biostat user. ``role`` decides what a user sees beyond their own objects."""

    class Role(models.TextChoices):
        RESEARCHER = "researcher", "Researcher"
        STEWARD = "steward", "Data steward"
        ADMIN = "admin", "Administrator"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.RESEARCHER)

    @property
    def is_admin(self):
        """Staff and superusers count as admins whatever their role field says."""
        return self.role == self.Role.ADMIN or self.is_staff or self.is_superuser

    @property
    def is_steward(self):
        """Stewards see every dataset's metadata and the whole audit log; admins too."""
        return self.role == self.Role.STEWARD or self.is_admin
