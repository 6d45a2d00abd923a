"""Reads for the dashboard: the first page a researcher sees, gathered from the apps'
own selectors, which alone decide what the user may see."""

from dataclasses import dataclass

from analyses import methods
from analyses.models import Analysis
from analyses.selectors import analyses_visible_to
from cohorts.selectors import datasets_analyzable_by
from datasets.selectors import datasets_visible_to, with_caller_permissions
from messaging.selectors import message_list

PANEL_SIZE = 5
# Every queued or running analysis is worth watching, but a team's backlog must not flood the page.
ACTIVE_LIMIT = 20
ACTIVE = (Analysis.Status.QUEUED, Analysis.Status.RUNNING)


@dataclass(frozen=True)
class Panel:
    """The first items of a list and how many there are in all."""

    items: list
    total: int

    @property
    def more(self):
        return self.total - len(self.items)


def _panel(queryset, size=PANEL_SIZE):
    items = list(queryset[:size])
    total = len(items) if len(items) < size else queryset.count()
    return Panel(items, total)


def my_datasets(user):
    """Datasets ``user`` created, most recently changed first, with the caller's permissions."""
    panel = _panel(datasets_visible_to(user).filter(creator=user).select_related("creator"))
    return Panel(with_caller_permissions(user, panel.items), panel.total)


def datasets_shared_with(user):
    """Datasets of others that ``user`` may see (shared with them or, for stewards, every one),
    most recently changed first. Sharing carries no date of its own, so a dataset someone
    just shared or updated comes first."""
    queryset = datasets_visible_to(user).exclude(creator=user).select_related("creator")
    panel = _panel(queryset)
    return Panel(with_caller_permissions(user, panel.items), panel.total)


@dataclass(frozen=True)
class AnalysesPanel:
    active: list
    recent: Panel
    can_analyze: bool

    @property
    def empty(self):
        return not self.active and not self.recent.items


def _with_method_labels(analyses):
    """Attach ``method_label``, the method's human name (its registry name if it is gone)."""
    labels = {method.name: method.label for method in methods.all_methods()}
    for analysis in analyses:
        analysis.method_label = labels.get(analysis.analysis_type, analysis.analysis_type)
    return analyses


def analyses_overview(user):
    """Queued and running analyses (to watch live) and the latest finished ones."""
    visible = analyses_visible_to(user)
    recent = _panel(visible.exclude(status__in=ACTIVE))
    return AnalysesPanel(
        active=_with_method_labels(list(visible.filter(status__in=ACTIVE)[:ACTIVE_LIMIT])),
        recent=Panel(_with_method_labels(recent.items), recent.total),
        can_analyze=datasets_analyzable_by(user).exists(),
    )


def unread_messages(user):
    return _panel(message_list(user, box="inbox", unread=True))


def dashboard(user):
    return {
        "my_datasets": my_datasets(user),
        "shared_datasets": datasets_shared_with(user),
        "analyses": analyses_overview(user),
        "inbox": unread_messages(user),
    }
