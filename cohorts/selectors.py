"""Reads about cohorts: who may see which, what criteria select, and what a caller may be told.

A cohort is visible to its creator, its members and holders of ``analyze`` on
its dataset, and all of them must hold ``analyze`` now (DESIGN.md): visibility
therefore comes down to ``analyze`` on the dataset. Anything else is a 404.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from guardian.shortcuts import get_users_with_perms

from analyses.disclosure import is_small
from datasets import permissions
from datasets.models import Dataset
from datasets.selectors import dataset_table, dataset_version

from .criteria import Criteria, parse
from .models import Cohort


def datasets_analyzable_by(user):
    """Datasets on which ``user`` holds ``analyze`` (directly or through a group)."""
    return Dataset.objects.filter(permissions.granted_filter(user, "analyze"))


def _visible(user, dataset_id):
    visible = permissions.granted_filter(user, "analyze", field="dataset_id")
    if dataset_id is not None:
        # Through the primary key: an id past the column's range then matches nothing, where the
        # foreign-key lookup would overflow (a 500). One filter() call: each one clones the query
        # and resolves its lookups again, which a list request pays for every time.
        visible &= Q(dataset__pk=dataset_id)
    return Cohort.objects.filter(visible).select_related("dataset", "created_by")


def cohorts_visible_to(user, *, dataset_id=None):
    return _visible(user, dataset_id).prefetch_related("members")


def cohorts_listed(user, *, dataset_id=None):
    """``cohorts_visible_to`` for a list of cohorts: without the datasets' data dictionaries,
    which a list never shows and which would otherwise be decrypted once per cohort, and with
    members read as far as a list shows them (their usernames)."""
    members = Prefetch("members", queryset=get_user_model().objects.only("pk", "username"))
    return _visible(user, dataset_id).defer("dataset__columns").prefetch_related(members)


def cohort_get(user, pk, need=None):
    """The cohort ``pk`` if ``user`` may see it (else 404) and, when ``need`` is "edit" or
    "manage", may also do that with it (else PermissionDenied saying who may)."""
    try:
        cohort = cohorts_visible_to(user).get(pk=pk)
    except (Cohort.DoesNotExist, ValueError, TypeError):
        raise Http404("No cohort found with this id.") from None
    if need is not None and not cohort_allows(user, cohort, need):
        raise PermissionDenied(REFUSED[need])
    return cohort


def cohort_is_visible(user, pk):
    try:
        cohort_get(user, pk)
    except Http404:
        return False
    return True


def version_columns(dataset, version):
    """The data dictionary (a list of column entries) of ``version`` of ``dataset``."""
    if version == dataset.version:
        return dataset.columns
    return dataset_version(dataset, version).columns


def cohort_columns(cohort):
    """The data dictionary of the cohort's pinned dataset version, by column name."""
    return {column["name"]: column for column in version_columns(cohort.dataset, cohort.dataset_version)}


def cohort_rows(cohort, columns):
    """The cohort's rows of the pinned version, holding only ``columns`` (read from the blob
    together with the columns the criteria need, and nothing else)."""
    criteria = parse(cohort.criteria)
    needed = list(dict.fromkeys([*columns, *sorted(criteria.columns)]))
    table = dataset_table(cohort.dataset, version=cohort.dataset_version, columns=needed)
    if criteria.root is not None:
        table = table.filter(criteria.mask(table))
    return table.select(list(columns))


# --- What criteria select --------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What criteria select from one dataset version: exact counts, before disclosure control."""

    criteria: Criteria
    version: int
    size: int
    attrition: list  # [{"clause", "remaining"}], one step per top-level ``and`` clause


def criteria_selection(dataset, version, text):
    """Parse ``text``, check it against the data dictionary of ``version``, and count the rows it
    selects, reading only the columns it names. Raises CriteriaError (with its position)."""
    criteria = parse(text)
    criteria.validate({column["name"]: column["type"] for column in version_columns(dataset, version)})
    table = dataset_table(dataset, version=version, columns=sorted(criteria.columns))
    if criteria.root is None:
        return Selection(criteria, version, size=table.num_rows, attrition=[])
    attrition = criteria.attrition(table)
    # The clauses are the operands of the top-level `and`, so the rows left after the last one
    # are exactly the selection: no second pass over the table.
    return Selection(criteria, version, size=attrition[-1]["remaining"], attrition=attrition)


# --- Disclosure control of counts ------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    """A cohort's size and attrition as one caller may see them.

    For a caller without ``export`` every count between 1 and k-1 is ``None``; its attrition
    step carries ``"suppressed": True`` and ``suppressed`` says that something was withheld.
    """

    size: int | None
    attrition: list
    suppressed: bool
    min_cell_count: int

    @property
    def notes(self):
        if not self.suppressed:
            return []
        k = self.min_cell_count
        return [
            f"Disclosure control: counts between 1 and {k - 1} are suppressed (minimum cell count "
            f"k={k}); holders of export on the dataset see exact values."
        ]


def disclosed_counts(size, attrition, *, exact):
    """``size`` and ``attrition`` for a caller who may (``exact``) or may not see exact counts."""
    k = settings.BIOSTAT_MIN_CELL_COUNT
    if exact:
        return Counts(size, [dict(step) for step in attrition], False, k)
    steps = [
        {"clause": step["clause"], "remaining": None, "suppressed": True}
        if is_small(step["remaining"], k)
        else dict(step)
        for step in attrition
    ]
    shown_size = None if is_small(size, k) else size
    suppressed = shown_size is None or any(step.get("suppressed") for step in steps)
    return Counts(shown_size, steps, suppressed, k)


def counts_for(user, dataset, size, attrition):
    """The counts as ``user`` may see them: exact with ``export`` on ``dataset``."""
    return disclosed_counts(size, attrition, exact=permissions.has_perm(user, dataset, "export"))


def with_counts(user, cohorts):
    """Attach ``counts`` (what ``user`` may see of size and attrition) to each cohort, checking
    ``export`` in one query for any number of cohorts."""
    cohorts = list(cohorts)
    granted = permissions.permissions_by_dataset(user, {cohort.dataset_id for cohort in cohorts})
    for cohort in cohorts:
        exact = "export" in granted[cohort.dataset_id]
        cohort.counts = disclosed_counts(cohort.size, cohort.attrition, exact=exact)
    return cohorts


# --- Who may change a cohort, and who may join one ---------------------------------------------------


# The creator and the members (collaborators) may rename a cohort, change its criteria and
# re-pin it; only the creator may change the members and delete it. All of them still need
# `analyze` on the dataset, as everyone who sees the cohort does.
REFUSED = {
    "edit": "Only the cohort's creator and its members may change it.",
    "manage": "Only the cohort's creator may change its members or delete it.",
}


def cohort_allows(user, cohort, need):
    """May ``user`` (who sees ``cohort``) "edit" or "manage" it?"""
    if cohort.created_by_id == user.pk:
        return True
    return need == "edit" and any(member.pk == user.pk for member in cohort.members.all())


def eligible_members(dataset, usernames):
    """``(users, refused)``: the active users named in ``usernames`` who hold ``analyze`` on
    ``dataset``, and the names that cannot be members (no such active user, or no ``analyze``;
    the two are not told apart, so the answer does not reveal who has an account)."""
    names = list(dict.fromkeys(usernames))
    holders = get_users_with_perms(
        dataset, only_with_perms_in=["analyze_dataset"], with_group_users=True, with_superusers=False
    )
    users = get_user_model().objects.filter(pk__in=holders.values("pk"), is_active=True, username__in=names)
    found = {user.get_username(): user for user in users}
    return [found[name] for name in names if name in found], [name for name in names if name not in found]
