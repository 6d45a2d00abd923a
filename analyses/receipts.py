"""The reproducibility receipt stored in ``Analysis.metadata``."""

import hashlib
import importlib.metadata
import json
import platform

LIBRARIES = ("numpy", "pandas", "pyarrow", "scipy", "statsmodels", "lifelines")


def canonical_json(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def results_hash(results):
    """SHA-256 of the canonical JSON of the results: equal results, equal hash."""
    return hashlib.sha256(canonical_json(results).encode()).hexdigest()


def library_versions():
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        versions[name] = importlib.metadata.version(name)
    return versions


def receipt(*, dataset, dataset_version, content_sha256, criteria, parameters, rows_used, duration, results):
    return {
        "dataset": {"id": dataset, "version": dataset_version, "content_sha256": content_sha256},
        "criteria": criteria,
        "parameters": parameters,
        "rows_used": rows_used,
        "libraries": library_versions(),
        "duration_seconds": round(duration, 6),
        "results_sha256": results_hash(results),
    }
