from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        # Connect the auth-event receivers and register the token scheme with drf-spectacular.
        from . import receivers, schema  # noqa: F401
