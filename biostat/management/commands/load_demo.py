"""Load the demo on a fresh database: users, and (from the datasets app) the
synthetic trial and the NCCTG lung data. Does nothing once users exist."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from biostat import demo


class Command(BaseCommand):
    help = "Create demo users and datasets on a fresh database."

    def handle(self, **options):
        if get_user_model().objects.exists():
            self.stdout.write("Demo skipped: the database already has users.")
            return
        with transaction.atomic():
            users = demo.create_users()
            for loader in demo.LOADERS:
                loader(users)
        self.stdout.write(f"Demo users (password for each: {demo.PASSWORD}):")
        for user in users.values():
            self.stdout.write(f"  {user.username:<10} {user.get_role_display()}")
