"""Queries. Every read goes through the owning app's selectors, the one place that decides
what a caller may see: an object they may not see is null here and absent from lists and
their counts, exactly as REST answers 404 and leaves it out."""

from enum import Enum
from typing import Annotated

import strawberry
from django.http import Http404

from analyses import selectors as analysis_selectors
from audit.services import record
from cohorts import selectors as cohort_selectors
from datasets import selectors as dataset_selectors
from messaging import selectors as message_selectors

from .errors import bad_input
from .loaders import prepared_analyses, prepared_cohorts, prepared_datasets, prepared_messages
from .pagination import DEFAULT_LIMIT, Page, paginate
from .types import AnalysisType, CohortType, DatasetType, MessageDetailType, MessageType, UserType

Offset = Annotated[int, strawberry.argument(description="How many items to skip.")]
Limit = Annotated[int, strawberry.argument(description="The page size, at most 500.")]


@strawberry.enum(description="Received or sent messages.")
class MessageBox(Enum):
    INBOX = "inbox"
    SENT = "sent"


def caller(info):
    return info.context.request.user


def id_filter(value, field, kind):
    """An optional id argument that filters a list: a whole number, or a clear error."""
    if value is None:
        return None
    if not str(value).isdigit():
        raise bad_input({field: [f"Must be a {kind} id (a whole number)."]})
    return int(value)


def found(lookup, *args):
    """The object, or None when the selector says it does not exist for this caller."""
    try:
        return lookup(*args)
    except Http404:
        return None


@strawberry.type
class Query:
    @strawberry.field(description="The calling user.")
    def me(self, info: strawberry.Info) -> UserType:
        return caller(info)

    @strawberry.field(description="The datasets the caller may see.")
    def datasets(
        self,
        info: strawberry.Info,
        search: Annotated[str, strawberry.argument(description="Matches the name or description.")] = "",
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[DatasetType]:
        user = caller(info)
        visible = dataset_selectors.datasets_visible_to(user, search=search).select_related("creator")
        page = paginate(visible, offset, limit)
        page.items = prepared_datasets(user, page.items)
        return page

    @strawberry.field(description="A dataset; null when there is none the caller may see.")
    def dataset(
        self, info: strawberry.Info, pk: Annotated[strawberry.ID, strawberry.argument(name="id")]
    ) -> DatasetType | None:
        user = caller(info)
        dataset = found(dataset_selectors.dataset_get, user, pk)
        return prepared_datasets(user, [dataset])[0] if dataset else None

    @strawberry.field(description="The cohorts the caller may see, optionally of one dataset.")
    def cohorts(
        self,
        info: strawberry.Info,
        dataset: strawberry.ID | None = None,
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[CohortType]:
        user = caller(info)
        dataset_id = id_filter(dataset, "dataset", "dataset")
        page = paginate(cohort_selectors.cohorts_visible_to(user, dataset_id=dataset_id), offset, limit)
        page.items = prepared_cohorts(user, page.items)
        return page

    @strawberry.field(description="A cohort; null when there is none the caller may see.")
    def cohort(
        self, info: strawberry.Info, pk: Annotated[strawberry.ID, strawberry.argument(name="id")]
    ) -> CohortType | None:
        user = caller(info)
        cohort = found(cohort_selectors.cohort_get, user, pk)
        return prepared_cohorts(user, [cohort])[0] if cohort else None

    @strawberry.field(description="The analyses the caller may see, optionally of one cohort.")
    def analyses(
        self,
        info: strawberry.Info,
        cohort: strawberry.ID | None = None,
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[AnalysisType]:
        user = caller(info)
        cohort_id = id_filter(cohort, "cohort", "cohort")
        page = paginate(analysis_selectors.analyses_visible_to(user, cohort_id=cohort_id), offset, limit)
        page.items = prepared_analyses(user, page.items)
        return page

    @strawberry.field(
        description="An analysis; null when there is none the caller may see. Viewing one is audited, "
        "as on the REST API."
    )
    def analysis(
        self, info: strawberry.Info, pk: Annotated[strawberry.ID, strawberry.argument(name="id")]
    ) -> AnalysisType | None:
        user = caller(info)
        analysis = found(analysis_selectors.analysis_get, user, pk)
        if analysis is None:
            return None
        request = info.context.request
        record("analysis.view", entity=analysis, request=request, summary=f"viewed analysis {analysis.pk}")
        return prepared_analyses(user, [analysis])[0]

    @strawberry.field(description="The caller's received (inbox) or sent messages, newest first.")
    def messages(
        self,
        info: strawberry.Info,
        box: MessageBox = MessageBox.INBOX,
        unread: Annotated[bool, strawberry.argument(description="Only messages not read yet.")] = False,
        offset: Offset = 0,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[MessageType]:
        user = caller(info)
        page = paginate(message_selectors.message_list(user, box=box.value, unread=unread), offset, limit)
        page.items = prepared_messages(user, page.items)
        return page

    @strawberry.field(description="A message the caller sent or received, with its conversation; else null.")
    def message(
        self, info: strawberry.Info, pk: Annotated[strawberry.ID, strawberry.argument(name="id")]
    ) -> MessageDetailType | None:
        user = caller(info)
        message = found(message_selectors.message_get, user, pk)
        return message_detail(user, message) if message else None


def message_detail(user, message):
    """The message with its conversation, every one with the context links the caller may see."""
    conversation = list(message_selectors.thread_messages(user, message))  # includes ``message``
    prepared_messages(user, [message, *conversation])
    message.conversation_messages = conversation
    return message
