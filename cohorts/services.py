"""Writes about cohorts. Each service checks the actor's rights, recomputes what the criteria
select from the pinned dataset version, and saves together with its audit record in one
transaction: a refused or failed change writes nothing.

The audit log is not encrypted, and criteria may quote row values (``site == "Oslo"``), so
audit entries name the cohort and its dataset version but never carry the criteria. Nor do
they carry sizes: the creator reads the entries about their cohorts, and a size below the
minimum cell count would pass disclosure control there.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from audit.services import record
from datasets import permissions
from datasets.selectors import DENIED

from . import selectors
from .criteria import CriteriaError
from .models import Cohort

NAME_MAX_LENGTH = Cohort._meta.get_field("name").max_length


class CohortInvalid(Exception):
    """Input a cohort service refuses: ``field`` names what is wrong, ``position`` (criteria
    only) is the 0-based character offset of the problem in the criteria text."""

    def __init__(self, field, message, position=None):
        self.field = field
        self.message = message
        self.position = position
        super().__init__(f"{field}: {self.text}")

    @property
    def text(self):
        """The message, led by the position when there is one."""
        return self.message if self.position is None else f"position {self.position}: {self.message}"


def _require_analyze(user, dataset):
    if not permissions.has_perm(user, dataset, "analyze"):
        raise PermissionDenied(DENIED["analyze"])


def _require(user, cohort, need):
    _require_analyze(user, cohort.dataset)
    if not selectors.cohort_allows(user, cohort, need):
        raise PermissionDenied(selectors.REFUSED[need])


def _clean_name(name):
    name = (name or "").strip()
    if not name:
        raise CohortInvalid("name", "A cohort needs a name.")
    if len(name) > NAME_MAX_LENGTH:
        raise CohortInvalid("name", f"Use at most {NAME_MAX_LENGTH} characters.")
    return name


def _select(dataset, version, criteria, *, context=""):
    try:
        return selectors.criteria_selection(dataset, version, criteria)
    except CriteriaError as exc:
        raise CohortInvalid("criteria", f"{context}{exc.message}", exc.position) from None


def _eligible(dataset, usernames, *, creator):
    """The member users for ``usernames`` (the creator is a collaborator anyway and is left out)."""
    users, refused = selectors.eligible_members(dataset, [name for name in usernames if name])
    if refused:
        raise CohortInvalid(
            "members",
            "Members need an active account with 'analyze' on the dataset; these names do not "
            f"qualify: {', '.join(refused)}.",
        )
    return [user for user in users if user.pk != creator.pk]


def _usernames(users):
    return sorted(user.get_username() for user in users)


def cohort_preview(user, dataset, criteria, *, version=None):
    """What ``criteria`` select from ``version`` of ``dataset`` (the current one by default; an
    edited cohort previews its pinned version), saving nothing. Returns a selectors.Selection
    with exact counts: apply disclosure control before showing them."""
    _require_analyze(user, dataset)
    version = dataset.version if version is None else version
    if not 1 <= version <= dataset.version:  # versions are numbered 1..current without gaps
        raise CohortInvalid("version", f"This dataset has no version {version}.")
    return _select(dataset, version, criteria)


def cohort_create(user, dataset, *, name, criteria="", members=(), request=None):
    """A cohort of the current version of ``dataset``, pinned to it; ``members`` are usernames."""
    _require_analyze(user, dataset)
    name = _clean_name(name)
    selection = _select(dataset, dataset.version, criteria)
    member_users = _eligible(dataset, members, creator=user)
    with transaction.atomic():
        cohort = Cohort.objects.create(
            dataset=dataset,
            dataset_version=dataset.version,
            name=name,
            criteria=criteria,
            size=selection.size,
            attrition=selection.attrition,
            created_by=user,
        )
        cohort.members.set(member_users)
        record(
            "cohort.create",
            actor=user,
            entity=cohort,
            summary=f"Created cohort {name!r} on dataset {dataset.name!r} version {dataset.version}",
            payload={
                "name": name,
                "dataset": dataset.pk,
                "dataset_version": dataset.version,
                "clauses": len(selection.criteria.clauses),
                "members": _usernames(member_users),
            },
            request=request,
        )
    return cohort


def _locked(cohort):
    """The cohort's row, locked, with its dataset as it is now (the dataset row is not locked:
    an upload need not wait for a recount)."""
    return Cohort.objects.select_for_update(of=("self",)).select_related("dataset").get(pk=cohort.pk)


def cohort_update(user, cohort, *, name=None, criteria=None, members=None, request=None):
    """Rename, change the criteria (recounted on the pinned version, which stays) or set the
    members (usernames; creator only, and new members must hold ``analyze``). Fields left None
    stay as they are."""
    _require(user, cohort, "edit")
    if name is not None:
        name = _clean_name(name)
    if members is not None:
        creator = cohort.created_by.get_username()
        members = [username for username in dict.fromkeys(members) if username and username != creator]
        if set(members) != set(_usernames(cohort.members.all())):
            _require(user, cohort, "manage")
    with transaction.atomic():
        current = _locked(cohort)
        changed = {}
        if name is not None and name != current.name:
            changed["name"] = {"from": current.name, "to": name}
            current.name = name
        if criteria is not None and criteria != current.criteria:
            selection = _select(current.dataset, current.dataset_version, criteria)
            current.criteria, current.size, current.attrition = criteria, selection.size, selection.attrition
            changed["criteria"] = {"clauses": len(selection.criteria.clauses)}
        if members is not None:
            before = list(current.members.all())
            # Members who lost `analyze` since they joined may stay (they cannot see the cohort
            # meanwhile); only newcomers are checked.
            kept = [member for member in before if member.get_username() in members]
            added = [username for username in members if username not in _usernames(kept)]
            after = kept + _eligible(current.dataset, added, creator=current.created_by)
            if {member.pk for member in after} != {member.pk for member in before}:
                current.members.set(after)
                changed["members"] = {"from": _usernames(before), "to": _usernames(after)}
        if not changed:
            return current
        current.save()
        record(
            "cohort.update",
            actor=user,
            entity=current,
            summary=f"Edited {', '.join(changed)} of cohort {current.name!r}",
            payload={"changed": changed},
            request=request,
        )
    return current


def cohort_repin(user, cohort, *, request=None):
    """Pin the cohort to its dataset's latest version and recount; the criteria must still fit
    that version's columns. Re-pinning a cohort that is already current changes nothing."""
    _require(user, cohort, "edit")
    with transaction.atomic():
        current = _locked(cohort)
        dataset = current.dataset  # read with the lock, so its latest version
        previous = current.dataset_version
        if previous == dataset.version:
            return current
        selection = _select(
            dataset,
            dataset.version,
            current.criteria,
            context=f"the criteria do not fit version {dataset.version} of the dataset: ",
        )
        current.dataset_version = dataset.version
        current.size, current.attrition = selection.size, selection.attrition
        current.save()
        record(
            "cohort.repin",
            actor=user,
            entity=current,
            summary=f"Re-pinned cohort {current.name!r} from version {previous} to {dataset.version}",
            payload={"from_version": previous, "to_version": dataset.version},
            request=request,
        )
    return current


def cohort_delete(user, cohort, *, request=None):
    """Delete the cohort (creator only), and with it the analyses run on it."""
    _require(user, cohort, "manage")
    with transaction.atomic():
        current = _locked(cohort)
        analyses = current.analyses.count()
        record(
            "cohort.delete",
            actor=user,
            entity=current,
            summary=f"Deleted cohort {current.name!r} and its {analyses} analyses",
            payload={
                "name": current.name,
                "dataset": current.dataset_id,
                "dataset_version": current.dataset_version,
                "analyses": analyses,
            },
            request=request,
        )
        current.delete()
