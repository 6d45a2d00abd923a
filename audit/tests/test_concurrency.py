import threading

import pytest
from django.db import connection

from audit.services import record
from audit.verify import verify_chain

THREADS = 8
RECORDS_EACH = 25


@pytest.mark.postgres
def test_concurrent_writers_leave_one_unbroken_chain(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (make test-services)")
    start = threading.Barrier(THREADS)
    failures = []

    def writer(number):
        from django.db import connection as thread_connection

        try:
            start.wait()
            for n in range(RECORDS_EACH):
                record("test.concurrent", summary=f"writer {number} entry {n}")
        except Exception as error:  # reported by the main thread, which owns the assertion
            failures.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert verify_chain().as_dict() == {"ok": True, "entries": THREADS * RECORDS_EACH, "first_bad_id": None}
