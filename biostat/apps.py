from django.apps import AppConfig


class BiostatConfig(AppConfig):
    name = "biostat"
    verbose_name = "Biostat"

    def ready(self):
        from django_tasks.signals import task_enqueued
        from django_tasks_db.backend import DatabaseBackend

        from .worker import wake_workers_on_commit

        # An idle worker picks a queued task up on the commit that queued it, not at its next poll.
        task_enqueued.connect(wake_workers_on_commit, sender=DatabaseBackend)
