"""The cohort services: counting, pinning, re-pinning, members, audit, and all-or-nothing writes."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditLog
from cohorts import selectors, services
from cohorts.models import Cohort
from datasets import services as dataset_services

from .conftest import count, trial_rows, trial_table

pytestmark = pytest.mark.django_db
ROWS = trial_rows()


def test_create_counts_and_pins_the_current_version(owner, dataset, member):
    cohort = services.cohort_create(
        owner,
        dataset,
        name="Older women",
        criteria='age >= 60 and sex == "F" and not is_null(bmi)',
        members=[member.username],
    )
    older = count(ROWS, lambda r: r["age"] >= 60)
    women = count(ROWS, lambda r: r["age"] >= 60 and r["sex"] == "F")
    measured = count(ROWS, lambda r: r["age"] >= 60 and r["sex"] == "F" and r["bmi"] is not None)
    cohort.refresh_from_db()
    assert (cohort.dataset_version, cohort.size, cohort.created_by) == (1, measured, owner)
    assert cohort.attrition == [
        {"clause": "age >= 60", "remaining": older},
        {"clause": 'sex == "F"', "remaining": women},
        {"clause": "not is_null(bmi)", "remaining": measured},
    ]
    assert list(cohort.members.all()) == [member]
    assert not cohort.stale


def test_empty_criteria_select_every_row_without_attrition(owner, dataset):
    cohort = services.cohort_create(owner, dataset, name="Everyone", criteria="")
    assert (cohort.size, cohort.attrition) == (len(ROWS), [])


def test_only_the_columns_the_criteria_name_are_read(owner, dataset, monkeypatch):
    asked = []
    real = selectors.dataset_table

    def spy(dataset, version=None, columns=None):
        asked.append(columns)
        return real(dataset, version=version, columns=columns)

    monkeypatch.setattr(selectors, "dataset_table", spy)
    services.cohort_create(owner, dataset, name="x", criteria='stage in ("III", "IV") or age < `bmi`')
    services.cohort_create(owner, dataset, name="all", criteria="")
    assert asked == [["age", "bmi", "stage"], []]


def test_preview_saves_nothing_and_can_count_an_earlier_version(owner, dataset):
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(trial_rows(8)))
    dataset.refresh_from_db()
    before = AuditLog.objects.count()
    assert services.cohort_preview(owner, dataset, "age >= 50").size == count(
        trial_rows(8), lambda r: r["age"] >= 50
    )
    earlier = services.cohort_preview(owner, dataset, "age >= 50", version=1)
    assert (earlier.version, earlier.size) == (1, count(ROWS, lambda r: r["age"] >= 50))
    with pytest.raises(services.CohortInvalid) as refused:
        services.cohort_preview(owner, dataset, "age >= 50", version=3)
    assert refused.value.field == "version"
    assert (Cohort.objects.count(), AuditLog.objects.count()) == (0, before)


def test_a_new_upload_leaves_the_cohort_pinned_and_stale(owner, dataset, cohort):
    size = cohort.size
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(trial_rows(12)))
    cohort = Cohort.objects.get(pk=cohort.pk)
    assert (cohort.dataset_version, cohort.size, cohort.stale) == (1, size, True)
    # Its rows still come from version 1.
    assert selectors.cohort_rows(cohort, ["id"]).num_rows == size


def test_repin_moves_to_the_latest_version_and_recounts(owner, member, dataset, cohort):
    rows = trial_rows(30)
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(rows))
    repinned = services.cohort_repin(member, cohort)
    expected = count(rows, lambda r: r["age"] >= 60 and r["sex"] == "F")
    assert expected != cohort.size
    repinned = Cohort.objects.get(pk=cohort.pk)
    assert (repinned.dataset_version, repinned.size, repinned.stale) == (2, expected, False)
    assert repinned.attrition[-1]["remaining"] == expected
    entry = AuditLog.objects.get(action="cohort.repin")
    assert (entry.entity_id, entry.payload) == (str(cohort.pk), {"from_version": 1, "to_version": 2})


def test_repin_of_a_current_cohort_changes_nothing(owner, cohort):
    updated_at = cohort.updated_at
    services.cohort_repin(owner, cohort)
    cohort.refresh_from_db()
    assert cohort.updated_at == updated_at
    assert not AuditLog.objects.filter(action="cohort.repin").exists()


def test_repin_refuses_criteria_that_no_longer_fit_and_writes_nothing(owner, dataset, make_cohort):
    cohort = make_cohort(criteria="age >= 60 and bmi > 25")
    rows = [{key: value for key, value in row.items() if key != "bmi"} | {"BMI": 1.0} for row in trial_rows()]
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(rows))
    before = AuditLog.objects.count()
    with pytest.raises(services.CohortInvalid) as refused:
        services.cohort_repin(owner, cohort)
    assert refused.value.field == "criteria"
    assert "version 2" in refused.value.message
    assert "unknown column 'bmi'; did you mean 'BMI'?" in refused.value.message
    assert refused.value.position == len("age >= 60 and ")
    cohort.refresh_from_db()
    assert (cohort.dataset_version, AuditLog.objects.count()) == (1, before)


def test_update_recounts_on_the_pinned_version(owner, dataset, cohort):
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(trial_rows(6)))
    services.cohort_update(owner, cohort, name="Older men", criteria='age >= 60 and sex == "M"')
    cohort.refresh_from_db()
    assert (cohort.name, cohort.dataset_version) == ("Older men", 1)
    assert cohort.size == count(ROWS, lambda r: r["age"] >= 60 and r["sex"] == "M")
    entry = AuditLog.objects.get(action="cohort.update")
    assert entry.payload == {
        "changed": {"name": {"from": "Older women", "to": "Older men"}, "criteria": {"clauses": 2}}
    }


def test_update_without_changes_writes_no_audit_entry(owner, member, cohort):
    services.cohort_update(
        owner, cohort, name=cohort.name, criteria=cohort.criteria, members=[member.username]
    )
    assert not AuditLog.objects.filter(action="cohort.update").exists()


def test_members_must_be_active_analyze_holders(owner, analyst, viewer, outsider, dataset):
    outsider.is_active = False
    outsider.save()
    before = AuditLog.objects.count()
    with pytest.raises(services.CohortInvalid) as refused:
        services.cohort_create(
            owner, dataset, name="x", members=[analyst.username, viewer.username, "nobody", outsider.username]
        )
    assert refused.value.field == "members"
    assert "vera, nobody, oscar" in refused.value.message
    assert "andy" not in refused.value.message
    assert (Cohort.objects.count(), AuditLog.objects.count()) == (0, before)


def test_group_analyze_holders_may_be_members_and_the_creator_is_left_out(owner, outsider, dataset):
    from django.contrib.auth.models import Group

    from datasets import permissions

    team = Group.objects.create(name="team")
    outsider.groups.add(team)
    permissions.grant(team, dataset, ["view", "analyze"])
    cohort = services.cohort_create(owner, dataset, name="x", members=[outsider.username, owner.username])
    assert list(cohort.members.all()) == [outsider]


def test_only_the_creator_changes_members_and_a_member_who_lost_analyze_may_stay(
    owner, member, analyst, dataset, cohort
):
    with pytest.raises(PermissionDenied):
        services.cohort_update(member, cohort, members=[member.username, analyst.username])
    from datasets import permissions

    permissions.set_explicit_permissions(member, dataset, ["view"])
    services.cohort_update(owner, cohort, members=[member.username, analyst.username])
    assert set(cohort.members.all()) == {member, analyst}
    entry = AuditLog.objects.get(action="cohort.update")
    assert entry.payload == {"changed": {"members": {"from": ["mia"], "to": ["andy", "mia"]}}}


@pytest.mark.parametrize(
    ("criteria", "position", "fragment"),
    [
        ("age >= ", 7, ""),
        ("agee >= 60", 0, "unknown column 'agee'; did you mean 'age' or 'stage'?"),
        ('age == "old"', 7, "cannot compare integer column 'age'"),
        ("__import__('os')", 0, "'__'"),
    ],
)
def test_bad_criteria_are_refused_with_their_position(owner, dataset, criteria, position, fragment):
    before = AuditLog.objects.count()
    with pytest.raises(services.CohortInvalid) as refused:
        services.cohort_create(owner, dataset, name="x", criteria=criteria)
    assert (refused.value.field, refused.value.position) == ("criteria", position)
    assert fragment in refused.value.message
    assert refused.value.text.startswith(f"position {position}: ")
    assert (Cohort.objects.count(), AuditLog.objects.count()) == (0, before)


def test_a_failed_update_leaves_the_cohort_as_it_was(owner, cohort):
    with pytest.raises(services.CohortInvalid):
        services.cohort_update(owner, cohort, name="Renamed", criteria="nope > 1")
    cohort.refresh_from_db()
    assert (cohort.name, cohort.criteria) == ("Older women", 'age >= 60 and sex == "F"')
    assert not AuditLog.objects.filter(action="cohort.update").exists()


def test_names_are_required(owner, dataset):
    with pytest.raises(services.CohortInvalid) as refused:
        services.cohort_create(owner, dataset, name="   ")
    assert refused.value.field == "name"


def test_audit_entries_never_carry_criteria_or_sizes(owner, member, dataset):
    cohort = services.cohort_create(
        owner, dataset, name="Oslo", criteria='sex == "F" and age >= 76', members=[]
    )
    services.cohort_update(owner, cohort, criteria='sex == "M" and age >= 77')
    dataset_services.dataset_add_version(owner, dataset, table=trial_table(trial_rows(25)))
    services.cohort_repin(owner, cohort)
    services.cohort_delete(owner, cohort)
    entries = AuditLog.objects.filter(entity_type="cohort", entity_id=str(cohort.pk)).order_by("id")
    assert [entry.action for entry in entries] == [
        "cohort.create",
        "cohort.update",
        "cohort.repin",
        "cohort.delete",
    ]
    for entry in entries:
        text = f"{entry.summary} {entry.payload}"
        assert '"F"' not in text and '"M"' not in text and "76" not in text and "77" not in text
        assert "size" not in entry.payload and "attrition" not in entry.payload
    assert entries[0].payload == {
        "name": "Oslo",
        "dataset": dataset.pk,
        "dataset_version": 1,
        "clauses": 2,
        "members": [],
    }


def test_delete_is_for_the_creator_and_takes_the_analyses_along(owner, member, cohort):
    from analyses.models import Analysis

    Analysis.objects.create(cohort=cohort, analysis_type="descriptive", parameters={}, requested_by=member)
    with pytest.raises(PermissionDenied):
        services.cohort_delete(member, cohort)
    services.cohort_delete(owner, cohort)
    assert not Cohort.objects.exists() and not Analysis.objects.exists()
    assert AuditLog.objects.get(action="cohort.delete").payload["analyses"] == 1


def test_everything_needs_analyze_now(owner, viewer, analyst, dataset, cohort):
    with pytest.raises(PermissionDenied):
        services.cohort_create(viewer, dataset, name="x")
    with pytest.raises(PermissionDenied):
        services.cohort_preview(viewer, dataset, "")
    # Other analyze holders see the cohort but do not edit it.
    with pytest.raises(PermissionDenied):
        services.cohort_update(analyst, cohort, name="mine")
    # The creator without analyze any more cannot change it either.
    from datasets import permissions

    permissions.set_explicit_permissions(owner, dataset, ["view"])
    with pytest.raises(PermissionDenied):
        services.cohort_update(owner, cohort, name="still mine")
