"""The analysis lifecycle: request, run in a worker, finish, rerun, reap.

queued -> running -> succeeded | failed. A worker claims an analysis with a
conditional update, so of two racing workers exactly one runs it; while it
computes it renews a lease (``heartbeat_at``). An analysis whose lease ran out
(its worker died) is re-queued once, then failed; one that exceeds the time
limit is failed. Results are stored exactly; disclosure control is applied when
they are read, because callers with and without ``export`` see the same analysis.
"""

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import record
from cohorts import selectors as cohort_selectors
from datasets import permissions
from messaging.events import publish

from . import disclosure, methods, receipts, runner
from .methods.base import MethodError
from .models import Analysis
from .validation import ParameterError, validate

logger = logging.getLogger(__name__)

Status = Analysis.Status
MAX_ATTEMPTS = 2


def lease_seconds():
    return settings.BIOSTAT_ANALYSIS_LEASE


def analysis_request(*, user, cohort, analysis_type, parameters, request=None, rerun_of=None):
    """Validate and queue an analysis; raise ParameterError (a 400) when it cannot run."""
    if not permissions.has_perm(user, cohort.dataset, "analyze"):
        raise ParameterError({"cohort": ["You need the 'analyze' permission on this cohort's dataset."]})
    try:
        method = methods.get(analysis_type)
    except KeyError:
        known = ", ".join(sorted(m.name for m in methods.all_methods()))
        raise ParameterError(
            {"analysis_type": [f"Unknown analysis type {analysis_type!r}; one of: {known}."]}
        ) from None
    params = validate(method, parameters, cohort_selectors.cohort_columns(cohort))
    k = settings.BIOSTAT_MIN_CELL_COUNT
    if cohort.size < k and not permissions.has_perm(user, cohort.dataset, "export"):
        raise ParameterError(
            {"cohort": [f"The cohort has fewer than {k} rows; analyses on it need the 'export' permission."]}
        )
    from .tasks import run_analysis  # the task module imports this one

    with transaction.atomic():
        analysis = Analysis.objects.create(
            cohort=cohort,
            analysis_type=method.name,
            parameters=params,
            requested_by=user,
            rerun_of=rerun_of,
        )
        record(
            "analysis.request",
            actor=user,
            entity=analysis,
            summary=f"{method.name} on cohort {cohort.pk}"
            + (f" (rerun of {rerun_of.pk})" if rerun_of else ""),
            payload={"cohort": cohort.pk, "analysis_type": method.name, "parameters": params},
            request=request,
        )
        # The queue lives in the same database: the task row commits with the analysis or not at all.
        run_analysis.enqueue(analysis.pk)
    return analysis


def analysis_rerun(*, user, analysis, request=None):
    return analysis_request(
        user=user,
        cohort=analysis.cohort,
        analysis_type=analysis.analysis_type,
        parameters=analysis.parameters,
        request=request,
        rerun_of=analysis.rerun_of or analysis,
    )


def _claim(analysis_id, worker_id):
    now = timezone.now()
    claimed = Analysis.objects.filter(pk=analysis_id, status=Status.QUEUED).update(
        status=Status.RUNNING, worker=worker_id, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def analysis_run(analysis_id, *, worker_id):
    """The task body: claim, compute under the time limit, store, announce."""
    if not _claim(analysis_id, worker_id):
        return  # another worker has it, or it was reaped meanwhile
    analysis = Analysis.objects.select_related("cohort__dataset").get(pk=analysis_id)
    started = time.monotonic()

    def renew_lease():
        Analysis.objects.filter(pk=analysis_id, worker=worker_id, status=Status.RUNNING).update(
            heartbeat_at=timezone.now()
        )

    try:
        method = methods.get(analysis.analysis_type)
        cohort = analysis.cohort
        columns = cohort_selectors.cohort_columns(cohort)
        variables = method.variables(analysis.parameters)
        table = cohort_selectors.cohort_rows(
            cohort, list(dict.fromkeys(v.split("^", 1)[0] for v in variables))
        )
        result = runner.execute(
            method,
            table,
            analysis.parameters,
            {name: columns[name] for name in table.column_names},
            time_limit=settings.BIOSTAT_ANALYSIS_TIME_LIMIT,
            on_tick=renew_lease,
            tick_seconds=max(lease_seconds() / 3, 0.1),
        )
        results = result.as_results()
        receipt = receipts.receipt(
            dataset=cohort.dataset_id,
            dataset_version=cohort.dataset_version,
            content_sha256=_version_hash(cohort),
            criteria=cohort.criteria,
            parameters=analysis.parameters,
            rows_used=table.num_rows,
            duration=time.monotonic() - started,
            results=results,
        )
        if analysis.rerun_of_id:
            original = analysis.rerun_of.metadata.get("results_sha256")
            receipt["rerun_of"] = analysis.rerun_of_id
            receipt["identical_to_original"] = original == receipt["results_sha256"]
        charts = [{"name": c.name, "title": c.title, "kind": c.kind, "spec": c.spec} for c in result.charts]
    except (MethodError, runner.AnalysisTimeout) as exc:
        _finish(analysis, worker_id, status=Status.FAILED, error=str(exc))
    except Exception as exc:  # never leave an analysis running: fail it with the reason
        logger.exception("Analysis %s failed", analysis_id)
        _finish(
            analysis, worker_id, status=Status.FAILED, error=f"Internal error: {type(exc).__name__}: {exc}"
        )
    else:
        _finish(
            analysis, worker_id, status=Status.SUCCEEDED, results=results, metadata=receipt, charts=charts
        )


def _version_hash(cohort):
    dataset = cohort.dataset
    if cohort.dataset_version == dataset.version:
        return dataset.content_sha256
    from datasets.selectors import dataset_version

    return dataset_version(dataset, cohort.dataset_version).content_sha256


def _finish(analysis, worker_id, **outcome):
    with transaction.atomic():
        current = Analysis.objects.select_for_update().get(pk=analysis.pk)
        if current.status != Status.RUNNING or current.worker != worker_id:
            return  # reaped while computing: whoever holds it now finishes it
        _complete(current, **outcome)


def _complete(analysis, *, status, error="", results=None, metadata=None, charts=None):
    """Store the outcome of a locked, running analysis, audit it and tell who may see it."""
    analysis.status = status
    analysis.error = error
    analysis.results = results
    analysis.metadata = metadata or {}
    analysis.charts = charts or []
    analysis.finished_at = timezone.now()
    analysis.save()
    record(
        "analysis.finish",
        entity=analysis,
        summary=f"{analysis.analysis_type} {status}" + (f": {error[:200]}" if error else ""),
        payload={"status": status},
    )
    _announce(analysis)


def _announce(analysis):
    cohort = analysis.cohort
    candidates = {analysis.requested_by, cohort.created_by, *cohort.members.all()}
    recipients = [user.pk for user in candidates if permissions.has_perm(user, cohort.dataset, "analyze")]
    publish(
        recipients, {"type": "analysis.finished", "analysis": {"id": analysis.pk, "status": analysis.status}}
    )


def analyses_reap(now=None):
    """Re-queue (once) or fail running analyses whose worker stopped renewing the lease."""
    from .tasks import run_analysis

    now = now or timezone.now()
    expired = Analysis.objects.filter(
        status=Status.RUNNING, heartbeat_at__lt=now - timedelta(seconds=lease_seconds())
    )
    requeued = failed = 0
    for analysis in expired.select_related("cohort"):
        with transaction.atomic():
            locked = (
                Analysis.objects.select_for_update().filter(pk=analysis.pk, status=Status.RUNNING).first()
            )
            if locked is None or locked.heartbeat_at >= now - timedelta(seconds=lease_seconds()):
                continue
            stopped = locked.worker
            if locked.attempts < MAX_ATTEMPTS:
                locked.status = Status.QUEUED
                locked.worker = ""
                locked.save(update_fields=["status", "worker"])
                record("analysis.requeue", entity=locked, summary=f"worker {stopped} stopped; re-queued")
                run_analysis.enqueue(locked.pk)
                requeued += 1
            else:
                error = f"The worker running this analysis stopped ({locked.attempts} attempts)."
                _complete(locked, status=Status.FAILED, error=error)
                failed += 1
    return requeued, failed


def analysis_results_for(user, analysis, *, exact=None):
    """The results as ``user`` may see them: exact for holders of ``export``,
    otherwise under disclosure control. ``exact``, when the caller already has
    ``selectors.can_see_exact_values`` for this dataset (a list asks once per dataset),
    saves asking again."""
    if analysis.results is None:
        return None
    if exact is None:
        exact = permissions.has_perm(user, analysis.cohort.dataset, "export")
    if exact:
        return analysis.results
    return disclosure.apply(analysis.results, settings.BIOSTAT_MIN_CELL_COUNT)
