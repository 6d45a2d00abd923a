from django.db import models


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
