"""Rotate the master key: re-wrap every data key (blobs and encrypted fields) in one transaction.

Blob contents and field ciphertexts are not rewritten, only the wrapped keys
beside them. With the generated key file (no ``BIOSTAT_MASTER_KEY``), the new
key is first written beside it as ``master.key.new`` and renamed over
``master.key`` once the database commit succeeded, so a crash in between
leaves the new key on disk. With ``BIOSTAT_MASTER_KEY`` set, the operator sets
it to the new key and restarts every process. Rerunning after an interruption
is safe: values already under the new key are skipped.
"""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from datasets import blobstore, crypto, fields

NEW_KEY_ENV = "BIOSTAT_NEW_MASTER_KEY"


class Command(BaseCommand):
    help = "Re-wrap every data key under a new master key (64 hex digits or base64 of 32 bytes)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-key",
            default="",
            help=f"The new master key. Prefer the {NEW_KEY_ENV} environment variable: "
            "command lines are visible to other users of the machine.",
        )

    def handle(self, *, new_key, **options):
        text = new_key or os.environ.get(NEW_KEY_ENV, "")
        if not text:
            raise CommandError(f"Give the new key with --new-key or {NEW_KEY_ENV}.")
        try:
            new = crypto.parse_key(text)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        old = crypto.master_key()
        if new.key_id == old.key_id:
            raise CommandError("The new key is the key already in use.")

        key_file = None if settings.BIOSTAT_MASTER_KEY else settings.DATA_DIR / crypto.KEY_FILE_NAME
        staged = key_file.with_name(key_file.name + ".new") if key_file else None
        if staged:
            _write_private(staged, new.key.hex())
        try:
            with transaction.atomic():
                blob_count = blobstore.rewrap_keys(old, new)
                value_count, field_labels = fields.rewrap_all(old, new)
        except BaseException:
            if staged:
                staged.unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"Re-wrapped {blob_count} blob key(s) and {value_count} encrypted value(s) "
            f"in {len(field_labels)} field(s) ({', '.join(field_labels) or 'none'}) "
            f"from master key {old.key_id} to {new.key_id}."
        )
        if staged:
            os.replace(staged, key_file)
            blobstore.fsync_directory(key_file.parent)
            self.stdout.write(f"Replaced the key file {key_file}.")
        else:
            self.stdout.write(
                "Now set BIOSTAT_MASTER_KEY to the new key and restart every web and worker process; "
                "until then they cannot read the data."
            )


def _write_private(path, text):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
