from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self):
        from .contexts import register_builtin_contexts

        register_builtin_contexts()
