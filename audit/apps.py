from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self):
        # Audit every change made through the Django admin.
        from . import receivers

        receivers.audit_bulk_admin_log_entries()
