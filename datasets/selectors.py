"""Reads about datasets: the one place that decides what a user may see.

Visibility and permissions: a dataset the caller may not see raises ``Http404``
(it does not exist for them: never a 403, never in a list or count). A dataset
the caller may see but lacks the permission an action needs for raises
``PermissionDenied`` (403) with a message naming that permission, because the
caller already knows the dataset exists and deserves to know why they are
refused. Cohorts and analyses follow the same rule through ``dataset_get``.
"""

from dataclasses import asdict, dataclass

import pyarrow as pa
import pyarrow.parquet as pq
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Min, Q
from django.http import Http404

from . import blobstore, permissions
from .models import Dataset

DENIED = {
    "view": "You do not have the 'view' permission on this dataset.",
    "analyze": "You need the 'analyze' permission on this dataset to define cohorts or run analyses on it.",
    "export": "You need the 'export' permission on this dataset to preview or download its rows.",
    "change": "You need the 'change' permission on this dataset to edit it, add a version or restore one.",
    "share": "You need the 'share' permission on this dataset to see or change who has access to it.",
    "delete": "You need the 'delete' permission on this dataset to delete it.",
}


# What a dataset in a list shows (api.DatasetSerializer), besides its creator's username.
LISTED_FIELDS = (
    "name",
    "description",
    "version",
    "content_sha256",
    "row_count",
    "columns",
    "created_at",
    "updated_at",
)


def datasets_visible_to(user, *, search=""):
    """Datasets whose metadata ``user`` may see: every one for stewards and admins, otherwise
    those with a ``view`` grant to the user or one of their groups. ``search`` matches the
    name or description."""
    if not user.is_authenticated or not user.is_active:
        return Dataset.objects.none()
    queryset = Dataset.objects.all()
    if not user.is_steward:
        queryset = queryset.filter(permissions.granted_filter(user, "view"))
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return queryset


def datasets_listed(user, *, search=""):
    """``datasets_visible_to`` as a list shows them: with the creator's username and without the
    columns no list shows (the blob, the version note, the creator's other fields)."""
    return (
        datasets_visible_to(user, search=search)
        .select_related("creator")
        .only(*LISTED_FIELDS, "creator__username")
    )


def with_caller_permissions(user, datasets):
    """Attach ``caller_permissions`` (short names) to each dataset, in one query for any number."""
    datasets = list(datasets)
    granted = permissions.permissions_by_dataset(user, [dataset.pk for dataset in datasets])
    for dataset in datasets:
        dataset.caller_permissions = permissions.ordered(granted[dataset.pk])
    return datasets


def dataset_get(user, pk, perm="view"):
    """The dataset ``pk`` if ``user`` may see it and holds ``perm`` on it (see the module docstring),
    with ``caller_permissions`` attached. Two queries: the caller's permissions on ``pk`` decide
    visibility (``view``, granted or implied by the role), then the dataset itself is read."""
    try:
        pk = int(pk)
        held = permissions.permissions_by_dataset(user, [pk])[pk]
        if "view" not in held:
            raise Dataset.DoesNotExist
        dataset = Dataset.objects.select_related("creator", "blob").get(pk=pk)
    except (Dataset.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404("No dataset found with this id.") from None
    dataset.caller_permissions = permissions.ordered(held)
    if perm not in dataset.caller_permissions:
        raise PermissionDenied(DENIED[perm])
    return dataset


def dataset_permissions_for(user, dataset):
    """The short names of the permissions ``user`` holds on ``dataset`` (grants and role)."""
    return permissions.permissions_for(user, dataset)


@dataclass(frozen=True)
class Grant:
    """The explicit permissions of one user or group on a dataset."""

    kind: str  # "user" or "group"
    name: str
    permissions: list
    principal: object

    def as_dict(self):
        return {self.kind: self.name, "permissions": self.permissions}


def grant_of(principal, shorts):
    if isinstance(principal, Group):
        return Grant("group", principal.name, shorts, principal)
    return Grant("user", principal.get_username(), shorts, principal)


def dataset_grants(dataset):
    """Who holds what, users (by username) before groups (by name)."""
    return [grant_of(principal, shorts) for principal, shorts in permissions.grants_on(dataset)]


def principal_named(*, user=None, group=None):
    """The user with username ``user``, or the group named ``group``; None when there is none."""
    if user is not None:
        return get_user_model().objects.filter(username=user).first()
    return Group.objects.filter(name=group).first()


def dataset_versions(dataset):
    """The dataset's data versions, newest first, one historical record each.

    simple-history records every save; metadata edits keep the version number,
    so a version is represented by the first record that carries its number
    (who uploaded it, when, with which note, hash, row count and columns).
    """
    return versions_of([dataset.pk]).order_by("-version")


def versions_of(dataset_ids):
    """The data versions (as ``dataset_versions`` defines them) of every dataset in ``dataset_ids``,
    in one query, so a page of datasets lists its versions without a query per dataset."""
    history = Dataset.history.filter(id__in=dataset_ids)
    first = history.order_by().values("id", "version").annotate(first=Min("history_id")).values("first")
    return Dataset.history.filter(history_id__in=first).select_related("history_user")


def dataset_version(dataset, number):
    record = dataset_versions(dataset).filter(version=number).first()
    if record is None:
        raise Http404(f"This dataset has no version {number}.")
    return record


def dataset_table(dataset, version=None, columns=None):
    """The rows of ``version`` (the current one by default) as a pyarrow Table."""
    blob = dataset.blob if version in (None, dataset.version) else dataset_version(dataset, version).blob
    return blobstore.load_table(blob, columns=columns)


def dataset_head(dataset, version=None, limit=20):
    """The first ``limit`` rows of a version, decrypting and decoding only the pages they need."""
    blob = dataset.blob if version in (None, dataset.version) else dataset_version(dataset, version).blob
    with blobstore.open_blob(blob) as reader:
        parquet = pq.ParquetFile(reader, buffer_size=1 << 20)
        batch = next(parquet.iter_batches(batch_size=limit), None)
        return pa.Table.from_batches([batch]) if batch is not None else parquet.schema_arrow.empty_table()


@dataclass(frozen=True)
class VersionDiff:
    """Schema and row-count differences between two versions of a dataset."""

    from_version: int
    to_version: int
    changed_fields: list
    added: list
    removed: list
    retyped: list
    rows_from: int
    rows_to: int

    @property
    def same_content(self):
        return "content_sha256" not in self.changed_fields

    @property
    def row_change(self):
        return self.rows_to - self.rows_from

    def as_dict(self):
        return {**asdict(self), "row_change": self.row_change, "same_content": self.same_content}


def dataset_diff(dataset, from_version, to_version):
    """Compare two versions: simple-history's field-level delta plus columns added, removed and retyped."""
    old = dataset_version(dataset, from_version)
    new = dataset_version(dataset, to_version)
    delta = new.diff_against(old, included_fields=["content_sha256", "row_count", "columns"])
    old_types = {column["name"]: column["type"] for column in old.columns}
    new_types = {column["name"]: column["type"] for column in new.columns}
    return VersionDiff(
        from_version=old.version,
        to_version=new.version,
        changed_fields=sorted(delta.changed_fields),
        added=[{"name": name, "type": kind} for name, kind in new_types.items() if name not in old_types],
        removed=[{"name": name, "type": kind} for name, kind in old_types.items() if name not in new_types],
        retyped=[
            {"name": name, "from": old_types[name], "to": kind}
            for name, kind in new_types.items()
            if name in old_types and old_types[name] != kind
        ],
        rows_from=old.row_count,
        rows_to=new.row_count,
    )
