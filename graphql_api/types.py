"""Output types: the REST API's representations, field for field, in GraphQL's spelling.

Model-backed types come from strawberry-graphql-django (``auto`` maps the model
fields). The values a caller may or may not see (permissions, cohort counts,
analysis results, message context links) are never computed here: the resolvers
in queries.py and mutations.py attach what the apps' selectors and services
computed for the caller (loaders.py), and these fields only read it.
"""

from datetime import datetime
from enum import Enum

import strawberry
import strawberry_django
from django.urls import reverse
from strawberry import auto
from strawberry.scalars import JSON

from accounts.models import User
from analyses import charts as analysis_charts
from analyses.models import Analysis
from cohorts.models import Cohort
from datasets import permissions
from datasets.models import Dataset
from messaging.models import Message

from .loaders import VersionBatch
from .pagination import DEFAULT_LIMIT, Page, paginate_list

DatasetPermission = strawberry.enum(
    Enum("DatasetPermission", {short.upper(): short for short in permissions.SHORT_NAMES}),
    description="An object permission on a dataset (the REST API's short names).",
)
AnalysisStatus = strawberry.enum(Analysis.Status, name="AnalysisStatus")
MessageContextType = strawberry.enum(Message.ContextType, name="MessageContextType")


@strawberry_django.type(User, name="User")
class UserType:
    id: auto
    username: auto
    email: auto
    role: str
    date_joined: auto


@strawberry.type(description="One column of the data dictionary.")
class Column:
    name: str
    type: str = strawberry.field(description="numeric, integer, boolean, categorical, date or text.")
    n: int = strawberry.field(description="Non-missing values.")
    missing: int
    distinct: int
    levels: list[JSON] | None = strawberry.field(description="Categorical columns only.")
    label: str
    unit: str
    description: str

    @classmethod
    def of(cls, entry):
        return cls(
            name=entry["name"],
            type=entry["type"],
            n=entry["n"],
            missing=entry["missing"],
            distinct=entry["distinct"],
            levels=entry.get("levels"),
            label=entry.get("label") or "",
            unit=entry.get("unit") or "",
            description=entry.get("description") or "",
        )


@strawberry.type(description="A column as a version recorded it.")
class ColumnSummary:
    name: str
    type: str


@strawberry.type(description="One data version of a dataset.")
class Version:
    version: int
    content_sha256: str
    row_count: int

    @strawberry.field(description="When it was uploaded (or restored).")
    def created_at(self) -> datetime:
        return self.history_date

    @strawberry.field(description="Who uploaded it; null when that account is gone.")
    def created_by(self) -> str | None:
        return self.history_user.username if self.history_user is not None else None

    @strawberry.field(description="The note given with the upload (or the restore).")
    def note(self) -> str:
        return self.version_note

    @strawberry.field
    def columns(self) -> list[ColumnSummary]:
        return [ColumnSummary(name=column["name"], type=column["type"]) for column in self.columns]


@strawberry_django.type(Dataset, name="Dataset")
class DatasetType:
    id: auto
    name: auto
    description: auto
    version: auto = strawberry_django.field(description="The current version number.")
    content_sha256: auto
    row_count: auto
    created_at: auto
    updated_at: auto

    @strawberry_django.field(description="The creator's username.")
    def creator(self) -> str:
        return self.creator.username

    @strawberry_django.field(description="What the caller may do with this dataset.")
    def permissions(self) -> list[DatasetPermission]:
        return self.caller_permissions

    @strawberry_django.field(description="The data dictionary of the current version.")
    def columns(self) -> list[Column]:
        return [Column.of(entry) for entry in self.columns]

    @strawberry_django.field(description="The data versions, newest first.")
    def versions(self, offset: int = 0, limit: int = DEFAULT_LIMIT) -> Page[Version]:
        batch = getattr(self, "version_batch", None) or VersionBatch([self])
        return paginate_list(batch.of(self), offset, limit)


@strawberry.type(description="One top-level `and` clause of the criteria and the rows left after it.")
class AttritionStep:
    clause: str
    remaining: int | None = strawberry.field(description="Null when disclosure control withheld it.")
    suppressed: bool


@strawberry_django.type(Cohort, name="Cohort")
class CohortType:
    id: auto
    name: auto
    dataset_version: auto = strawberry_django.field(description="The pinned version it selects from.")
    created_at: auto
    updated_at: auto

    @strawberry_django.field
    def dataset_id(self) -> strawberry.ID:
        return self.dataset_id

    @strawberry_django.field(description="The criteria text; empty selects every row.")
    def criteria(self) -> str:
        return self.criteria

    @strawberry_django.field(description="Rows selected; null when disclosure control withheld it.")
    def size(self) -> int | None:
        return self.counts.size

    @strawberry_django.field
    def attrition(self) -> list[AttritionStep]:
        return [
            AttritionStep(
                clause=step["clause"], remaining=step["remaining"], suppressed=bool(step.get("suppressed"))
            )
            for step in self.counts.attrition
        ]

    @strawberry_django.field(description="True when disclosure control withheld a count.")
    def suppressed(self) -> bool:
        return self.counts.suppressed

    @strawberry_django.field(description="Which disclosure rule changed what.")
    def notes(self) -> list[str]:
        return self.counts.notes

    @strawberry_django.field(description="Usernames of the collaborators.")
    def members(self) -> list[str]:
        return sorted(member.get_username() for member in self.members.all())

    @strawberry_django.field(description="True when the dataset has a newer version.")
    def stale(self) -> bool:
        return self.stale

    @strawberry_django.field
    def created_by(self) -> str:
        return self.created_by.username


@strawberry.type(description="A chart of an analysis, drawn on request under the caller's disclosure rules.")
class Chart:
    name: str
    title: str
    url: str


@strawberry_django.type(Analysis, name="Analysis")
class AnalysisType:
    id: auto
    analysis_type: auto
    parameters: JSON
    error: auto
    created_at: auto
    started_at: auto
    finished_at: auto

    @strawberry_django.field
    def cohort_id(self) -> strawberry.ID:
        return self.cohort_id

    @strawberry_django.field
    def status(self) -> AnalysisStatus:
        return self.status

    @strawberry_django.field(
        description="Results as the caller may see them: exact with 'export' on the dataset, "
        "otherwise under disclosure control."
    )
    def results(self) -> JSON | None:
        return self.results_view.of(self)

    @strawberry_django.field(description="The reproducibility receipt.")
    def metadata(self) -> JSON:
        return self.metadata

    @strawberry_django.field
    def charts(self) -> list[Chart]:
        return [
            Chart(
                name=chart["name"],
                title=chart["title"],
                url=reverse("analysis-chart", args=[self.pk, chart["name"], "png"]),
            )
            # Charts of individual points are listed only for callers who see exact values.
            for chart in analysis_charts.listed(self.charts, exact=self.results_view.exact(self))
        ]

    @strawberry_django.field
    def requested_by(self) -> str:
        return self.requested_by.username

    @strawberry_django.field
    def rerun_of_id(self) -> strawberry.ID | None:
        return self.rerun_of_id


@strawberry.type(description="What a message is about, shown only to readers who may see that object.")
class MessageContext:
    type: MessageContextType
    id: strawberry.ID
    url: str


@strawberry_django.type(Message, name="Message")
class MessageType:
    id: auto
    body: auto
    is_read: auto
    sent_at: auto

    @strawberry_django.field
    def sender(self) -> str:
        return self.sender.username

    @strawberry_django.field
    def recipient(self) -> str:
        return self.recipient.username

    @strawberry_django.field(description="The message this one replies to.")
    def parent_id(self) -> strawberry.ID | None:
        return self.parent_id

    @strawberry_django.field(description="The conversation's first message.")
    def thread_id(self) -> strawberry.ID:
        return self.conversation_id

    @strawberry_django.field
    def context(self) -> MessageContext | None:
        link = self.context_link
        return MessageContext(type=link["type"], id=link["id"], url=link["url"]) if link else None


@strawberry_django.type(Message, name="MessageDetail")
class MessageDetailType(MessageType):
    @strawberry_django.field(
        description="Every message of the conversation the caller sent or received, oldest first."
    )
    def conversation(self) -> list[MessageType]:
        return self.conversation_messages
