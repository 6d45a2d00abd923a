"""A task for the worker-to-socket test: it raises ``analysis.finished`` from the task
worker exactly as the analyses app does when an analysis ends."""

from django_tasks import task

from messaging.events import publish


@task()
def announce_analysis_finished(user_id, analysis_id):
    publish([user_id], {"type": "analysis.finished", "analysis": {"id": analysis_id, "status": "succeeded"}})
