"""P2, P6 and queue pickup through the public API, on ``bench.p2_descriptive``'s data set
(1,000,000 rows: age, arm and 20 numeric variables) stored in the site, against a running
``manage.py serve``.

- Cohort preview: ``POST /api/cohorts/preview/`` with the 3-clause criteria, request to
  response. Baseline: pandas reads the needed columns of a plain Parquet file, masks, sums.
- Cohort + descriptive: ``POST /api/cohorts/``, ``POST /api/analyses/`` (descriptive on the
  20 variables), the ``analysis.finished`` event on the user's WebSocket, then
  ``GET /api/analyses/{id}/`` for the results: from the first request to the results.
  Baseline: pandas reads the 22 columns from the Parquet file, masks, ``describe()`` and
  missing counts.
- P6: the server's peak resident memory during that run (its forked analysis child
  included), above its resident memory before, against the Arrow size of the columns used.
- Queue pickup: from the task row's ``enqueued_at`` to its ``started_at`` (the worker's claim),
  the commit of the request in between.

Baselines run in fresh processes (``bench.p2_descriptive``'s); best of ``REPEATS``, interleaved.

``python -m bench.p2_api`` runs it alone on a throwaway site.
"""

import tempfile
from pathlib import Path

from bench import p2_descriptive
from bench.api_server import Client, Events, PeakMemory, serving, timed, token_for

REPEATS = p2_descriptive.REPEATS
TARGET = 1.3
PICKUP_SAMPLES = 30
MEMORY_TARGET = 3.0


def cohort_and_descriptive(client, events, dataset_id, name):
    cohort = client.post(
        "/api/cohorts/", {"dataset": dataset_id, "name": name, "criteria": p2_descriptive.CRITERIA}
    )
    queued = client.post(
        "/api/analyses/",
        {
            "cohort": cohort["id"],
            "analysis_type": "descriptive",
            "parameters": {"variables": p2_descriptive.VARIABLES},
        },
    )
    events.wait("analysis.finished", lambda event: event["analysis"]["id"] == queued["id"])
    analysis = client.get(f"/api/analyses/{queued['id']}/")
    if analysis["status"] != "succeeded":
        raise RuntimeError(f"the analysis {analysis['status']}: {analysis['error']}")
    return analysis


def pickup_seconds(analysis_id):
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get(args_kwargs__args=[analysis_id])
    return (task.started_at - task.enqueued_at).total_seconds()


def pickups(client, events, samples=PICKUP_SAMPLES):
    """Queue pickup of ``samples`` small analyses, one after the other (each waits for the
    previous one's event, so the worker is idle, waiting, when the next one is queued)."""
    rows = [{"arm": "AB"[i % 2], "x": float(i)} for i in range(200)]
    dataset = client.post("/api/datasets/", {"name": "Pickup", "data": rows})
    cohort = client.post("/api/cohorts/", {"dataset": dataset["id"], "name": "All", "criteria": ""})
    seconds = []
    for _ in range(samples):
        queued = client.post(
            "/api/analyses/",
            {"cohort": cohort["id"], "analysis_type": "descriptive", "parameters": {"variables": ["x"]}},
        )
        events.wait("analysis.finished", lambda event, pk=queued["id"]: event["analysis"]["id"] == pk)
        seconds.append(pickup_seconds(queued["id"]))
    return seconds


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run():
    with tempfile.TemporaryDirectory(prefix="bench-p2-api-") as name:
        parquet_path, _queued, preview_ids, used_mb = p2_descriptive.setup(Path(name))
        dataset_id, user_id = (int(part) for part in preview_ids.split(":"))
        from accounts.models import User

        token = token_for(User.objects.get(pk=user_id))
        times = {"preview": [], "preview_baseline": [], "ours": [], "baseline": []}
        peaks = []
        with serving() as server:
            client, events = Client(server, token), Events(server, token)
            for repeat in range(REPEATS):
                times["preview_baseline"].append(
                    p2_descriptive.run_child("preview_baseline", parquet_path)["seconds"]
                )
                seconds, _ = timed(
                    lambda: client.post(
                        "/api/cohorts/preview/", {"dataset": dataset_id, "criteria": p2_descriptive.CRITERIA}
                    )
                )
                times["preview"].append(seconds)
                times["baseline"].append(p2_descriptive.run_child("baseline", parquet_path)["seconds"])
                with PeakMemory(server.process.pid) as memory:
                    seconds, _ = timed(
                        lambda repeat=repeat: cohort_and_descriptive(
                            client, events, dataset_id, f"P2 {repeat}"
                        )
                    )
                times["ours"].append(seconds)
                peaks.append(memory.peak_mb)
            pickup = pickups(client, events)
            events.close()
            client.close()
    best = {mode: min(values) for mode, values in times.items()}
    p50, p99 = percentile(pickup, 0.5), percentile(pickup, 0.99)
    peak_mb = min(peaks)
    return [
        {
            "name": "P2 cohort preview via POST /api/cohorts/preview/, 1M rows",
            "ours_s": best["preview"],
            "baseline_s": best["preview_baseline"],
            "ratio": best["preview"] / best["preview_baseline"],
            "peak_mb": None,
            "target": f"<= {TARGET}x",
            "note": "request to response vs pandas read_parquet(3 columns) + mask + sum in a fresh process",
        },
        {
            "name": "P2 cohort + descriptive via /api/cohorts/ + /api/analyses/, 1M x 20",
            "ours_s": best["ours"],
            "baseline_s": best["baseline"],
            "ratio": best["ours"] / best["baseline"],
            "peak_mb": peak_mb,
            "target": f"<= {TARGET}x",
            "note": (
                "create the cohort, queue descriptive, wait for analysis.finished on the WebSocket, "
                f"GET the results; runs {', '.join(f'{s:.2f}' for s in times['ours'])} s"
            ),
        },
        {
            "name": "P6 server peak memory during cohort + descriptive",
            "ours_s": None,
            "baseline_s": None,
            "ratio": peak_mb / used_mb,
            "peak_mb": peak_mb,
            "target": f"<= {MEMORY_TARGET:.0f}x",
            "note": (
                f"serve's resident-memory peak (forked analysis child included) above its start, "
                f"vs {used_mb:.0f} MB: the Arrow size of the 22 columns used"
            ),
        },
        {
            "name": "Queue pickup p50 (enqueued -> claimed), serve's worker thread",
            "ours_s": p50,
            "baseline_s": None,
            "ratio": None,
            "peak_mb": None,
            "target": None,
            "note": (
                f"{len(pickup)} small analyses queued via POST /api/analyses/ to an idle worker; "
                f"p99 {p99 * 1000:.1f} ms, max {max(pickup) * 1000:.1f} ms (the fallback poll is 1 s)"
            ),
        },
    ]


if __name__ == "__main__":
    from bench.__main__ import run_alone

    run_alone(run)
