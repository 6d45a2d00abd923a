"""What the types need besides the rows themselves, fetched once per list, never per item.

Each helper takes the objects a resolver is about to return and attaches what the
apps' selectors and services compute for the caller, in a constant number of
queries whatever the number of objects.
"""

from collections import defaultdict

from analyses.selectors import can_see_exact_values
from analyses.services import analysis_results_for
from cohorts.selectors import with_counts
from datasets.selectors import versions_of, with_caller_permissions
from messaging.selectors import context_links


class VersionBatch:
    """The versions of a page of datasets, read in one query when the first is asked for."""

    def __init__(self, datasets):
        self.dataset_ids = [dataset.pk for dataset in datasets]
        self._by_dataset = None

    def of(self, dataset):
        if self._by_dataset is None:
            self._by_dataset = defaultdict(list)
            for record in versions_of(self.dataset_ids).order_by("id", "-version"):
                self._by_dataset[record.id].append(record)
        return self._by_dataset[dataset.pk]


def prepared_datasets(user, datasets):
    """The caller's permissions on each dataset, and their versions on demand."""
    datasets = with_caller_permissions(user, datasets)
    batch = VersionBatch(datasets)
    for dataset in datasets:
        dataset.version_batch = batch
    return datasets


def prepared_cohorts(user, cohorts):
    """Each cohort's size and attrition as the caller may see them (disclosure control)."""
    return with_counts(user, cohorts)


def prepared_messages(user, messages):
    """The context link each message shows the caller (none for an object they may not see)."""
    messages = list(messages)
    links = context_links(user, messages)
    for message in messages:
        message.context_link = links[message.pk]
    return messages


class ResultsView:
    """Analysis results as one caller may see them, asking ``can_see_exact_values`` once per
    dataset rather than once per analysis, and only when results are asked for."""

    def __init__(self, user):
        self.user = user
        self._exact = {}

    def exact(self, analysis):
        dataset_id = analysis.cohort.dataset_id
        if dataset_id not in self._exact:
            self._exact[dataset_id] = can_see_exact_values(self.user, analysis)
        return self._exact[dataset_id]

    def of(self, analysis):
        return analysis_results_for(self.user, analysis, exact=self.exact(analysis))


def prepared_analyses(user, analyses):
    analyses = list(analyses)
    view = ResultsView(user)
    for analysis in analyses:
        analysis.results_view = view
    return analyses
