"""Mutations. Each checks its input with the REST API's own request serializer, then calls
the same service as REST, which checks permissions and writes the audit record in the
same transaction as the change. A refusal is a GraphQL error (see errors.py)."""

from math import ceil
from typing import Annotated

import strawberry
from django.http import Http404

from analyses import services as analysis_services
from analyses.api import AnalysisRequestSerializer
from cohorts import services as cohort_services
from cohorts.api import NO_DATASET, CohortCreateSerializer
from cohorts.selectors import cohort_get
from datasets import importers
from datasets import services as dataset_services
from datasets.api import RowsDatasetSerializer
from datasets.selectors import dataset_get
from messaging import services as message_services
from messaging.api import MessageInputSerializer
from messaging.throttling import page_send_wait, throttled_message

from .errors import bad_input, refusals_as_errors, throttled
from .loaders import prepared_analyses, prepared_cohorts, prepared_datasets
from .queries import message_detail
from .scalars import Rows
from .types import AnalysisType, CohortType, DatasetType, MessageContextType, MessageDetailType


def validated(serializer_class, data, **context):
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def referenced(lookup, user, pk, field, message, *args):
    """An object named in the input: one that does not exist and one the caller may not see
    get the same answer, as on the REST API."""
    try:
        return lookup(user, pk, *args)
    except Http404:
        raise bad_input({field: [message]}) from None


@strawberry.input(description="What a message is about.")
class MessageContextInput:
    type: MessageContextType
    id: strawberry.ID


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create a dataset from rows; the caller becomes its creator with every permission."
    )
    def create_dataset(
        self,
        info: strawberry.Info,
        name: str,
        rows: Rows,
        description: str = "",
        note: Annotated[str, strawberry.argument(description="A note on this first version.")] = "",
    ) -> DatasetType:
        request = info.context.request
        with refusals_as_errors(rename={"data": "rows"}):
            fields = validated(
                RowsDatasetSerializer, {"name": name, "description": description, "data": rows, "note": note}
            )
            dataset = dataset_services.dataset_create(
                request.user,
                name=fields["name"],
                description=fields["description"],
                table=importers.read_rows(fields["data"]),
                note=fields["note"],
                request=request,
            )
        return prepared_datasets(request.user, [dataset])[0]

    @strawberry.mutation(description="Define a cohort on a dataset's current version (needs 'analyze').")
    def create_cohort(
        self,
        info: strawberry.Info,
        dataset: strawberry.ID,
        name: str,
        criteria: Annotated[
            str, strawberry.argument(description='Criteria text, e.g. `age >= 65 and sex == "F"`.')
        ] = "",
        members: Annotated[
            list[str] | None, strawberry.argument(description="Usernames of collaborators.")
        ] = None,
    ) -> CohortType:
        request = info.context.request
        with refusals_as_errors():
            fields = validated(
                CohortCreateSerializer,
                {"dataset": dataset, "name": name, "criteria": criteria, "members": members or []},
            )
            target = referenced(
                dataset_get, request.user, fields["dataset"], "dataset", NO_DATASET, "analyze"
            )
            cohort = cohort_services.cohort_create(
                request.user,
                target,
                name=fields["name"],
                criteria=fields["criteria"],
                members=fields["members"],
                request=request,
            )
        return prepared_cohorts(request.user, [cohort])[0]

    @strawberry.mutation(description="Queue an analysis of a cohort; a worker runs it.")
    def request_analysis(
        self,
        info: strawberry.Info,
        cohort: strawberry.ID,
        analysis_type: str,
        parameters: Annotated[
            strawberry.scalars.JSON | None,
            strawberry.argument(description="As the analysis type's JSON Schema says."),
        ] = None,
    ) -> AnalysisType:
        request = info.context.request
        with refusals_as_errors():
            fields = validated(
                AnalysisRequestSerializer,
                {"cohort": cohort, "analysis_type": analysis_type, "parameters": parameters or {}},
            )
            target = referenced(
                cohort_get, request.user, fields["cohort"], "cohort", "No cohort found with this id."
            )
            analysis = analysis_services.analysis_request(
                user=request.user,
                cohort=target,
                analysis_type=fields["analysis_type"],
                parameters=fields["parameters"],
                request=request,
            )
        return prepared_analyses(request.user, [analysis])[0]

    @strawberry.mutation(
        description="Send a message; `parent` makes it a reply (to the other participant by default)."
    )
    def send_message(
        self,
        info: strawberry.Info,
        body: str,
        recipient: Annotated[str | None, strawberry.argument(description="A username.")] = None,
        parent: strawberry.ID | None = None,
        context: MessageContextInput | None = None,
    ) -> MessageDetailType:
        request = info.context.request
        # The same budget as the REST API and the pages.
        wait = page_send_wait(request)
        if wait is not None:
            raise throttled(f"{throttled_message()} Try again in {ceil(wait)} seconds.")
        data = {"body": body, "parent": parent}
        if recipient is not None:
            data["recipient"] = recipient
        if context is not None:
            data["context"] = {"type": context.type.value, "id": context.id}
        with refusals_as_errors():
            fields = validated(MessageInputSerializer, data, request=request)
            about = fields.get("context") or {}
            message = message_services.message_send(
                sender=request.user,
                recipient=fields["recipient"],
                body=fields["body"],
                parent=fields.get("parent"),
                context_type=about.get("type", ""),
                context_id=about.get("id"),
                request=request,
            )
        return message_detail(request.user, message)
