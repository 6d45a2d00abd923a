import os
import socket
import threading

from django_tasks import task

from . import services


def worker_id():
    """Names this process and thread in the analysis row, to tell which worker holds it."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:64]


@task()
def run_analysis(analysis_id):
    services.analysis_run(analysis_id, worker_id=worker_id())
