"""Back up the database and the blob store into a new directory (see biostat/backup.py)."""

from django.core.management.base import BaseCommand, CommandError

from biostat.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database (SQLite online backup or pg_dump) and every blob "
        "it refers to, with a manifest of checksums, into DESTINATION (a new directory). The master "
        "key is not included: keep it apart from the backups."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", help="A directory that does not exist yet (or is empty).")

    def handle(self, *, destination, **options):
        try:
            manifest = backup_create(destination)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        keys = ", ".join(manifest["master_key_ids"]) or "(no blobs yet)"
        self.stdout.write(
            f"Backed up the {manifest['database']['vendor']} database, {manifest['blobs']} blob(s) and "
            f"{manifest['audit']['entries']} audit entries (chain head {manifest['audit']['head']}) "
            f"to {destination}. Restoring needs the master key with fingerprint {keys}."
        )
