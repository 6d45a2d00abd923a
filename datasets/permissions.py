"""The six object permissions on a dataset, by the short names the API uses.

Explicit grants live in guardian's tables (the direct foreign-key models in
models.py). Roles add implicit rights: stewards see every dataset's metadata and
manage sharing; admins may also edit, restore and delete (they run the Django
admin). Neither role may analyse or export a dataset's rows without an explicit
grant, because those reveal row-level data. Superusers get nothing more than
admins here: guardian's superuser shortcut is deliberately not used.
"""

from itertools import chain

from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from guardian.shortcuts import remove_perm

from .models import DatasetGroupObjectPermission, DatasetUserObjectPermission

SHORT_NAMES = ("view", "analyze", "export", "change", "share", "delete")
STEWARD_IMPLICIT = frozenset({"view", "share"})
ADMIN_IMPLICIT = frozenset({"view", "change", "share", "delete"})


def codename(short):
    if short not in SHORT_NAMES:
        raise ValueError(f"Unknown permission {short!r}; expected one of: {', '.join(SHORT_NAMES)}.")
    return f"{short}_dataset"


def short_name(codename):
    return codename.removesuffix("_dataset")


def ordered(shorts):
    """The given short names in the canonical order of SHORT_NAMES."""
    return [short for short in SHORT_NAMES if short in shorts]


def implicit_permissions(user):
    if user.is_admin:
        return ADMIN_IMPLICIT
    if user.is_steward:
        return STEWARD_IMPLICIT
    return frozenset()


def _grant_rows(user, fields, **filters):
    """The user's explicit grants, direct and through groups, narrowed by ``filters`` on the grant
    tables, as one ``UNION ALL`` queryset of ``fields`` rows."""
    direct = DatasetUserObjectPermission.objects.filter(user=user, **filters)
    via_groups = DatasetGroupObjectPermission.objects.filter(group__user=user, **filters)
    return direct.values_list(*fields).union(via_groups.values_list(*fields), all=True)


def granted_filter(user, short, field="pk"):
    """A filter on ``field`` (a dataset id) keeping the datasets on which ``user`` explicitly holds
    ``short``, directly or through a group: one ``IN (... UNION ALL ...)`` subquery, which the
    database runs as a semi-join from the user's grants (an ``OR`` of two subqueries would make it
    scan every dataset)."""
    code = codename(short)
    if not user.is_authenticated or not user.is_active:
        return Q(**{f"{field}__in": []})  # matches nothing, without a query
    return Q(**{f"{field}__in": _grant_rows(user, ["content_object_id"], permission__codename=code)})


def permissions_by_dataset(user, dataset_ids):
    """``{dataset id: set of short names}`` for ``user``, in one query whatever the number of ids."""
    dataset_ids = list(dataset_ids)
    if not user.is_authenticated or not user.is_active:
        return {pk: set() for pk in dataset_ids}
    implicit = implicit_permissions(user)
    result = {pk: set(implicit) for pk in dataset_ids}
    if dataset_ids:
        fields = ["content_object_id", "permission__codename"]
        for pk, code in _grant_rows(user, fields, content_object_id__in=dataset_ids):
            result[pk].add(short_name(code))
    return result


def permissions_for(user, dataset):
    return ordered(permissions_by_dataset(user, [dataset.pk])[dataset.pk])


def has_perm(user, dataset, short):
    codename(short)  # an unknown name is a programming error, not a silent False
    return short in permissions_by_dataset(user, [dataset.pk])[dataset.pk]


def grant(principal, dataset, shorts):
    """Add the given permissions to a user's or group's explicit set, in two queries for any number
    (guardian's ``assign_perm`` takes four per permission). Grants already held are kept as they are."""
    codenames = [codename(short) for short in shorts]
    if not codenames:
        return
    grant_model, principal_field = (
        (DatasetGroupObjectPermission, "group")
        if isinstance(principal, Group)
        else (DatasetUserObjectPermission, "user")
    )
    found = Permission.objects.filter(content_type__app_label="datasets", content_type__model="dataset")
    grant_model.objects.bulk_create(
        [
            grant_model(permission=permission, content_object=dataset, **{principal_field: principal})
            for permission in found.filter(codename__in=codenames)
        ],
        ignore_conflicts=True,
    )


def explicit_permissions(principal, dataset):
    """The permissions granted to this user (not via groups) or group on the dataset."""
    if isinstance(principal, Group):
        rows = DatasetGroupObjectPermission.objects.filter(group=principal, content_object=dataset)
    else:
        rows = DatasetUserObjectPermission.objects.filter(user=principal, content_object=dataset)
    return {short_name(code) for code in rows.values_list("permission__codename", flat=True)}


def set_explicit_permissions(principal, dataset, shorts):
    """Make the principal's explicit set exactly ``shorts``; returns (added, removed)."""
    wanted = set(shorts)
    for short in wanted:
        codename(short)  # validate every name before changing anything
    current = explicit_permissions(principal, dataset)
    for short in current - wanted:
        remove_perm(codename(short), principal, dataset)
    grant(principal, dataset, wanted - current)
    return ordered(wanted - current), ordered(current - wanted)


def grants_on(dataset):
    """Every explicit grant on the dataset: ``[(user or group, [short names])]``, users first."""
    grants = {}
    user_rows = DatasetUserObjectPermission.objects.filter(content_object=dataset).select_related("user")
    group_rows = DatasetGroupObjectPermission.objects.filter(content_object=dataset).select_related("group")
    for row in chain(user_rows.select_related("permission"), group_rows.select_related("permission")):
        principal = row.user if isinstance(row, DatasetUserObjectPermission) else row.group
        grants.setdefault(principal, set()).add(short_name(row.permission.codename))
    users = sorted((p for p in grants if not isinstance(p, Group)), key=lambda p: p.get_username())
    groups = sorted((p for p in grants if isinstance(p, Group)), key=lambda p: p.name)
    return [(principal, ordered(grants[principal])) for principal in users + groups]
