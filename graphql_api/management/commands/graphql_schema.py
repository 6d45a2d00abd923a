from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from graphql_api.schema import printed_schema

SCHEMA_FILE = Path(settings.BASE_DIR) / "docs" / "schema.graphql"


class Command(BaseCommand):
    help = "Print the GraphQL schema into docs/schema.graphql, or --check that the file is current."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail when the file differs from the code.")

    def handle(self, *args, check=False, **options):
        text = printed_schema()
        if check:
            if not SCHEMA_FILE.exists() or SCHEMA_FILE.read_text(encoding="utf-8") != text:
                raise CommandError(f"{SCHEMA_FILE} is out of date; run `manage.py graphql_schema`.")
            self.stdout.write(f"{SCHEMA_FILE} is current.")
            return
        SCHEMA_FILE.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {SCHEMA_FILE}.")
