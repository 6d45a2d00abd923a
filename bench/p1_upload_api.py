"""P1 through the public API: upload the 1,000,000-row x 20-column CSV of ``bench.p1_import``
with ``POST /api/datasets/`` (multipart), to a running ``manage.py serve`` (the embedded default,
Daphne) and to uvicorn as docs/deployment.md runs production on one machine.

Ours: from the first byte of the request to the 201 response (the server receiving the body,
the view importing, describing, encrypting and storing the version, the audit row).
Baseline: pyarrow ``csv.read_csv`` + ``parquet.write_table`` of the same file in a fresh
process (``bench.p1_import``'s). Alternating, best of ``p1_import.REPEATS``. Target: <= 1.5x.
``peak_mb`` is the server's resident-memory peak during the upload, above its start.

Each server first takes one untimed upload. A fresh process's first upload also pays for what
a running server pays once (Django's first request to the view, lazy imports, first use of
Arrow's kernels: about 1 s here), which the baseline, timed after its imports, does not.

``python -m bench.p1_upload_api`` runs it alone on a throwaway site. Every upload changes one
value of the CSV (``distinct_copy``): it stores a blob of its own, encrypted and written.
"""

import contextlib
import tempfile
import time
from pathlib import Path

from bench import p1_import
from bench.api_server import Client, Multipart, PeakMemory, serving, serving_uvicorn, timed, token_for

SERVERS = (("manage.py serve", serving), ("uvicorn", serving_uvicorn))


def distinct_copy(csv_path, path, *tags):
    """The CSV with one value changed, so that every upload stores new content as a real one does:
    an identical file finds its blob already stored and skips the encryption and the write."""
    tag = "-".join(str(tag) for tag in tags)
    path.write_bytes(csv_path.read_bytes().replace(b"visit note ", f"visit note {tag} ".encode(), 1))
    return path


def upload(client, body):
    """Seconds and the server's peak memory (MB) for one upload."""
    # An upload forks nothing: no sampling thread to compete with the server.
    with PeakMemory(client.server.process.pid, children=False) as memory:
        seconds, created = timed(lambda: client.post_file("/api/datasets/", body))
    if created["row_count"] != p1_import.ROWS:
        raise AssertionError(f"uploaded {created['row_count']} rows")
    return seconds, memory.peak_mb


def run():
    from accounts.models import User

    user = User.objects.create_user(f"bench-p1-{time.time_ns()}")
    token = token_for(user)
    with tempfile.TemporaryDirectory(prefix="bench-p1-api-") as directory, contextlib.ExitStack() as stack:
        csv_path = Path(directory) / "p1.csv"
        p1_import.generate(csv_path)
        size_mb = csv_path.stat().st_size / 1e6
        clients = {name: Client(stack.enter_context(serve()), token) for name, serve in SERVERS}

        def upload_a_copy(name, repeat):
            upload_path = distinct_copy(csv_path, Path(directory) / "upload.csv", repeat, name)
            body = Multipart(Path(directory) / "body", {"name": f"P1 upload {repeat} ({name})"}, upload_path)
            return upload(clients[name], body)

        for name in clients:
            upload_a_copy(name, "warm-up")
        baseline, ours, peaks = [], {name: [] for name in clients}, {name: [] for name in clients}
        for repeat in range(p1_import.REPEATS):
            baseline.append(p1_import.measure("baseline", csv_path, directory)["seconds"])
            for name in clients:
                seconds, peak_mb = upload_a_copy(name, repeat)
                ours[name].append(seconds)
                peaks[name].append(peak_mb)
        for client in clients.values():
            client.close()
    return [
        {
            "name": f"P1 upload CSV 1M x 20 via POST /api/datasets/ ({name})",
            "ours_s": min(ours[name]),
            "baseline_s": min(baseline),
            "ratio": min(ours[name]) / min(baseline),
            "peak_mb": max(peaks[name]),
            "target": f"<= {p1_import.TARGET}x",
            "note": (
                f"{size_mb:.0f} MB multipart upload to {name} vs pyarrow read_csv + write_table; "
                f"best of {p1_import.REPEATS} (ours {', '.join(f'{s:.2f}' for s in ours[name])} s, "
                f"baseline {', '.join(f'{s:.2f}' for s in baseline)} s)"
            ),
        }
        for name in clients
    ]


if __name__ == "__main__":
    from bench.__main__ import run_alone

    run_alone(run)
