"""P1 through the public API: upload the 1,000,000-row x 20-column CSV of ``bench.p1_import``
with ``POST /api/datasets/`` (multipart) to a running ``manage.py serve``.

Ours: from the first byte of the request to the 201 response (Daphne receiving the body,
the view importing, describing, encrypting and storing the version, the audit row).
Baseline: pyarrow ``csv.read_csv`` + ``parquet.write_table`` of the same file in a fresh
process (``bench.p1_import``'s). Alternating, best of ``p1_import.REPEATS``. Target: <= 1.5x.
``peak_mb`` is the server's resident-memory peak during the upload, above its start.

``python -m bench.p1_upload_api`` runs it alone on a throwaway site. In ``make bench`` it runs
after ``bench.p1_import`` (module order): the same CSV stores the same content-addressed blob,
which that benchmark deletes between its repetitions, and a dataset created here would keep.
"""

import tempfile
import time
from pathlib import Path

from bench import p1_import
from bench.api_server import Client, Multipart, PeakMemory, serving, timed, token_for


def run():
    from accounts.models import User

    user = User.objects.create_user(f"bench-p1-{time.time_ns()}")
    with tempfile.TemporaryDirectory(prefix="bench-p1-api-") as directory:
        csv_path = Path(directory) / "p1.csv"
        p1_import.generate(csv_path)
        size_mb = csv_path.stat().st_size / 1e6
        with serving() as server:
            client = Client(server, token_for(user))
            ours, baseline, peaks = [], [], []
            for repeat in range(p1_import.REPEATS):
                baseline.append(p1_import.measure("baseline", csv_path, directory)["seconds"])
                body = Multipart(Path(directory) / "body", {"name": f"P1 upload {repeat}"}, csv_path)
                with PeakMemory(server.process.pid, children=False) as memory:  # an upload forks nothing
                    seconds, created = timed(lambda body=body: client.post_file("/api/datasets/", body))
                if created["row_count"] != p1_import.ROWS:
                    raise AssertionError(f"uploaded {created['row_count']} rows")
                ours.append(seconds)
                peaks.append(memory.peak_mb)
            client.close()
    return {
        "name": "P1 upload CSV 1M x 20 via POST /api/datasets/",
        "ours_s": min(ours),
        "baseline_s": min(baseline),
        "ratio": min(ours) / min(baseline),
        "peak_mb": max(peaks),
        "target": f"<= {p1_import.TARGET}x",
        "note": (
            f"{size_mb:.0f} MB multipart upload to manage.py serve vs pyarrow read_csv + write_table; "
            f"best of {p1_import.REPEATS} (ours {', '.join(f'{s:.2f}' for s in ours)} s, "
            f"baseline {', '.join(f'{s:.2f}' for s in baseline)} s)"
        ),
    }


if __name__ == "__main__":
    from bench.__main__ import run_alone

    run_alone(run)
