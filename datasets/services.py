"""Writes about datasets. Each service checks the actor's permission, works in one
transaction, and writes its audit record in that same transaction, so an action
and its record commit or roll back together.

Services reload the dataset row under a lock (``SELECT ... FOR UPDATE`` on
PostgreSQL; SQLite serialises writers) before changing it: the caller's instance
may be stale, and saving a stale instance would silently undo a concurrent
version. The lock is also what keeps version numbers unique and gap-free.
"""

import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyarrow as pa
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404

from audit.services import record
from messaging import events

from . import blobstore, columnwise, dictionary, exporters, permissions
from .models import Dataset
from .selectors import DENIED, dataset_head, dataset_version

# Longest accepted column annotations (forms and API validate against these).
COLUMN_TEXT_LIMITS = {"label": 200, "unit": 50, "description": 2000}


class DatasetInUse(Exception):
    """The dataset cannot be deleted because other objects (cohorts, analyses) still depend on it."""


class ShareRefused(PermissionDenied):
    """A grant the actor holds ``share`` for but that the sharing rules forbid."""


def _require(user, dataset, short):
    if not permissions.has_perm(user, dataset, short):
        raise PermissionDenied(DENIED[short])


def _locked(pk):
    dataset = Dataset.objects.select_for_update().filter(pk=pk).first()
    if dataset is None:
        raise Http404("This dataset has been deleted.")
    return dataset


def _version_payload(dataset):
    return {
        "version": dataset.version,
        "content_sha256": dataset.content_sha256,
        "row_count": dataset.row_count,
        "columns": [column["name"] for column in dataset.columns],
    }


@contextlib.contextmanager
def stored_and_described(table):
    """``with stored_and_described(table) as (blob, columns):`` is ``blobstore.stored(table)`` that also
    gives the table's data dictionary.

    The dictionary is computed while the table is stored: storing is mostly the single-threaded
    Parquet writer and describing is Arrow and numpy work, both outside the GIL, so on two cores
    the dictionary adds next to no time to an import. Describing leaves the writer its core.
    A small table is described first, in this thread.
    """
    if not columnwise.worth_threads(table):
        columns = dictionary.describe(table)
        with blobstore.stored(table) as blob:
            yield blob, columns
        return
    with ThreadPoolExecutor(1, thread_name_prefix="describe") as pool:
        described = pool.submit(dictionary.describe, table, threads=max(1, pa.cpu_count() - 1))
        with blobstore.stored(table) as blob:
            yield blob, described.result()


def dataset_create(user, *, name, table, description="", note="", request=None):
    """Store ``table`` as version 1 of a new dataset owned by ``user``, who gets every permission."""
    with transaction.atomic(), stored_and_described(table) as (blob, columns):
        dataset = Dataset(
            name=name,
            description=description,
            creator=user,
            version=1,
            version_note=note,
            content_sha256=blob.sha256,
            row_count=table.num_rows,
            columns=columns,
            blob=blob,
        )
        dataset._history_user = user
        dataset.save()
        permissions.grant(user, dataset, permissions.SHORT_NAMES)
        dataset.caller_permissions = list(permissions.SHORT_NAMES)  # as dataset_get attaches them
        record(
            "dataset.create",
            actor=user,
            entity=dataset,
            summary=f"Created dataset {name!r}: version 1, {dataset.row_count} rows",
            payload={"name": name, **_version_payload(dataset)},
            request=request,
        )
    return dataset


def _new_version(user, pk, *, blob, columns, row_count, note, action, extra=None, request=None):
    """Make ``blob`` the next version of dataset ``pk`` unless it is already the current content.

    Returns ``(dataset, created)``. Call inside a transaction.
    """
    dataset = _locked(pk)
    if dataset.content_sha256 == blob.sha256:
        return dataset, False
    previous = dataset.version
    dataset.version = previous + 1
    dataset.version_note = note
    dataset.content_sha256 = blob.sha256
    dataset.row_count = row_count
    dataset.columns = dictionary.carry_annotations(columns, dataset.columns)
    dataset.blob = blob
    dataset._history_user = user
    dataset.save()
    record(
        action,
        actor=user,
        entity=dataset,
        summary=f"Dataset {dataset.name!r}: version {dataset.version} ({dataset.row_count} rows)",
        payload={"previous_version": previous, "note": note, **(extra or {}), **_version_payload(dataset)},
        request=request,
    )
    return dataset, True


def dataset_add_version(user, dataset, *, table, note="", request=None):
    """Store ``table`` as the next version. Returns ``(dataset, created)``: content identical to
    the current version (same SHA-256) creates no version and ``created`` is False."""
    _require(user, dataset, "change")
    with transaction.atomic(), stored_and_described(table) as (blob, columns):
        return _new_version(
            user,
            dataset.pk,
            blob=blob,
            columns=columns,
            row_count=table.num_rows,
            note=note,
            action="dataset.version",
            request=request,
        )


def dataset_restore(user, dataset, version, *, request=None):
    """Make the content of an earlier ``version`` the next version. Returns ``(dataset, created)``;
    restoring the content the dataset already has creates nothing."""
    _require(user, dataset, "change")
    source = dataset_version(dataset, version)
    with transaction.atomic():
        return _new_version(
            user,
            dataset.pk,
            blob=source.blob,
            columns=source.columns,
            row_count=source.row_count,
            note=f"Restored version {source.version}",
            action="dataset.restore",
            extra={"restored_version": source.version},
            request=request,
        )


def dataset_update(user, dataset, *, name=None, description=None, request=None):
    """Edit the name and/or description. A metadata edit: history records it, the version stays."""
    _require(user, dataset, "change")
    with transaction.atomic():
        current = _locked(dataset.pk)
        changes = {
            field: {"from": getattr(current, field), "to": value}
            for field, value in (("name", name), ("description", description))
            if value is not None and value != getattr(current, field)
        }
        if not changes:
            return current
        for field, change in changes.items():
            setattr(current, field, change["to"])
        current._history_user = user
        current.save()
        record(
            "dataset.update",
            actor=user,
            entity=current,
            summary=f"Edited {', '.join(changes)} of dataset {current.name!r}",
            payload={"changed": changes},
            request=request,
        )
    return current


def column_update(user, dataset, name, *, label=None, unit=None, description=None, request=None):
    """Edit a column's label, unit or description in the data dictionary (no new data version)."""
    _require(user, dataset, "change")
    with transaction.atomic():
        current = _locked(dataset.pk)
        columns = [dict(column) for column in current.columns]
        column = next((column for column in columns if column["name"] == name), None)
        if column is None:
            raise Http404(f"This dataset has no column named {name!r}.")
        changes = {
            key: {"from": column.get(key) or "", "to": value}
            for key, value in (("label", label), ("unit", unit), ("description", description))
            if value is not None and value != (column.get(key) or "")
        }
        if not changes:
            return current
        for key, change in changes.items():
            column[key] = change["to"]
        current.columns = columns
        current._history_user = user
        current.save()
        record(
            "dataset.column_edit",
            actor=user,
            entity=current,
            summary=f"Edited {', '.join(changes)} of column {name!r} in dataset {current.name!r}",
            payload={"column": name, "changed": changes},
            request=request,
        )
    return current


def dataset_delete(user, dataset, *, request=None):
    """Delete the dataset and its grants. Its history (and so its blobs) stays, for accountability."""
    _require(user, dataset, "delete")
    try:
        with transaction.atomic():
            current = _locked(dataset.pk)
            record(
                "dataset.delete",
                actor=user,
                entity=current,
                summary=f"Deleted dataset {current.name!r} at version {current.version}",
                payload={"name": current.name, **_version_payload(current)},
                request=request,
            )
            current._history_user = user
            current.delete()
    except ProtectedError as exc:
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise DatasetInUse(
            f"This dataset cannot be deleted while {', '.join(kinds)} still use it; delete those first."
        ) from exc


def dataset_share_check(actor, dataset, principal, shorts):
    """The set ``dataset_share`` would give ``principal``, or ShareRefused/PermissionDenied saying why not.

    The rules: only holders of ``share`` grant; any non-empty set includes ``view``; nobody
    changes their own permissions (no accidental loss of ``share``, no self-promotion); the
    creator always holds all six; a grant to a group you belong to may not give you anything
    you do not already hold; and a user who holds ``share`` by a grant (not the creator, a
    steward or an admin) may not give anyone a permission they lack themselves, which would
    otherwise reach them through a second account.
    """
    _require(actor, dataset, "share")
    wanted = set(shorts)
    for short in wanted:
        permissions.codename(short)
    if wanted:
        wanted.add("view")
    if isinstance(principal, Group):
        if principal.user_set.filter(pk=actor.pk).exists():
            gained = wanted - set(permissions.permissions_for(actor, dataset))
            if gained:
                raise ShareRefused(
                    "You cannot grant a group you belong to permissions you do not hold yourself "
                    f"({', '.join(permissions.ordered(gained))})."
                )
    elif principal.pk == actor.pk:
        raise ShareRefused("You cannot change your own permissions; ask another holder of 'share'.")
    elif principal.pk == dataset.creator_id:
        raise ShareRefused("The creator of a dataset always holds every permission on it.")
    if not (actor.pk == dataset.creator_id or permissions.implicit_permissions(actor)):
        held = set(permissions.permissions_for(actor, dataset))
        lacking = wanted - held - permissions.explicit_permissions(principal, dataset)
        if lacking:
            raise ShareRefused(
                "You can only grant permissions you hold yourself "
                f"({', '.join(permissions.ordered(lacking))})."
            )
    return wanted


def dataset_share(actor, dataset, principal, shorts, *, request=None):
    """Set the explicit permissions of ``principal`` (a user or a group) on ``dataset`` to ``shorts``.

    Set semantics: the principal ends up with exactly these; ``[]`` revokes all (see
    ``dataset_share_check`` for the rules). The grantees are notified of new permissions.
    Returns the principal's resulting short names.
    """
    wanted = dataset_share_check(actor, dataset, principal, shorts)
    kind, name = (
        ("group", principal.name) if isinstance(principal, Group) else ("user", principal.get_username())
    )
    with transaction.atomic():
        _locked(dataset.pk)  # serialise concurrent grants on one dataset
        added, removed = permissions.set_explicit_permissions(principal, dataset, wanted)
        result = permissions.ordered(wanted)
        if not added and not removed:
            return result
        record(
            "dataset.share" if wanted else "dataset.unshare",
            actor=actor,
            entity=dataset,
            summary=f"{kind.capitalize()} {name!r} now holds {', '.join(result) or 'nothing'} "
            f"on {dataset.name!r}",
            payload={kind: name, "permissions": result, "added": added, "removed": removed},
            request=request,
        )
        if added:
            recipients = (
                principal.user_set.values_list("pk", flat=True) if kind == "group" else [principal.pk]
            )
            events.publish(
                recipients,
                {
                    "type": "dataset.shared",
                    "dataset": {"id": dataset.pk, "name": dataset.name},
                    "permissions": result,
                },
            )
    return result


@dataclass(frozen=True)
class Export:
    """A download: ``chunks`` (an iterator of bytes) to stream, with its content type and file name."""

    chunks: object
    content_type: str
    filename: str


def dataset_export(user, dataset, *, fmt, version=None, request=None):
    """Audit and open a streaming export of ``version`` (current by default) in ``fmt``."""
    _require(user, dataset, "export")
    source = dataset if version in (None, dataset.version) else dataset_version(dataset, version)
    chunks, content_type, extension = exporters.export(source.blob, fmt)
    record(
        "dataset.export",
        actor=user,
        entity=dataset,
        summary=f"Exported version {source.version} of dataset {dataset.name!r} as {fmt}",
        payload={"format": fmt, "version": source.version, "content_sha256": source.content_sha256},
        request=request,
    )
    return Export(chunks, content_type, f"dataset-{dataset.pk}-v{source.version}.{extension}")


def dataset_preview(user, dataset, *, version=None, limit=20, request=None):
    """The first ``limit`` rows of a version as a pyarrow Table (reading rows is audited as an export)."""
    _require(user, dataset, "export")
    source = dataset if version in (None, dataset.version) else dataset_version(dataset, version)
    rows = dataset_head(dataset, version=source.version, limit=limit)
    record(
        "dataset.export",
        actor=user,
        entity=dataset,
        summary=f"Previewed {rows.num_rows} rows of version {source.version} of dataset {dataset.name!r}",
        payload={"format": "preview", "version": source.version, "rows": rows.num_rows},
        request=request,
    )
    return rows
