"""Restore a backup into a fresh installation and verify it (see biostat/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from biostat.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore the backup in SOURCE into this installation's database (which must be empty) and blob "
        "store, then verify the audit chain, every blob's SHA-256 and every encrypted value. Needs the "
        "backup's master key (BIOSTAT_MASTER_KEY). Exits 1 when anything does not verify."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="A directory written by `manage.py backup`.")

    def handle(self, *, source, **options):
        try:
            verification = backup_restore(source)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        self.stdout.write(
            f"Restored and verified: {verification.audit_entries} audit entries (chain intact), "
            f"{verification.blobs} blob(s) matching their SHA-256, {verification.encrypted_values} "
            "encrypted value(s) readable."
        )
