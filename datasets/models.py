from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from .fields import EncryptedJSONField


class Blob(models.Model):
    """One encrypted, content-addressed Parquet file in the blob store.

    ``sha256`` is the hash of the plaintext Parquet bytes and names the stored
    object. The data key that encrypts it is kept wrapped by the master key
    identified by ``master_key_id``. A blob is never changed or deleted while a
    dataset version refers to it.
    """

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField(help_text="Plaintext size in bytes.")
    stored_size = models.BigIntegerField(help_text="Encrypted size in bytes.")
    wrapped_key = models.BinaryField()
    master_key_id = models.CharField(max_length=16, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.sha256


class Dataset(models.Model):
    """A research dataset: metadata plus a pointer to the blob holding the current version's rows.

    Every save is recorded by simple-history. A *data version* is a change of
    ``version`` (new rows, or a restore); edits of the name, description or
    column annotations are also recorded but keep the version number, so the
    versions of a dataset are its distinct version numbers, each represented
    by the first historical record that carries it (see selectors.dataset_versions).
    """

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="datasets")
    version = models.PositiveIntegerField(default=1)
    version_note = models.CharField(max_length=500, blank=True)
    content_sha256 = models.CharField(max_length=64)
    row_count = models.BigIntegerField()
    # The data dictionary. Levels of categorical columns are row values, so the
    # field is encrypted like the blobs.
    columns = EncryptedJSONField(default=list)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # History outlives the dataset (the default): deleted datasets stay accountable.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-updated_at", "-id"]
        permissions = [
            ("analyze_dataset", "Can run cohorts and analyses on the dataset"),
            ("export_dataset", "Can preview and download the dataset's rows"),
            ("share_dataset", "Can grant and revoke permissions on the dataset"),
        ]

    def __str__(self):
        return self.name

    def column(self, name):
        """The data-dictionary entry of column ``name``, or None."""
        return next((column for column in self.columns if column["name"] == name), None)


class DatasetUserObjectPermission(UserObjectPermissionBase):
    """Guardian's per-user object permissions with a real foreign key (indexed, cascades on delete)."""

    content_object = models.ForeignKey(Dataset, on_delete=models.CASCADE)


class DatasetGroupObjectPermission(GroupObjectPermissionBase):
    """Guardian's per-group object permissions with a real foreign key."""

    content_object = models.ForeignKey(Dataset, on_delete=models.CASCADE)
