"""REST API under /api/cohorts/ (DESIGN.md). Thin: request and response shapes live here, what a
caller may see in selectors, every write in services.

A cohort the caller may not see answers 404; a dataset named in a request body that the caller
may not see is a 400 on the field ``dataset`` with the same message as a dataset that does not
exist. Sizes and attrition counts pass disclosure control for callers without ``export``.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from biostat.api import DATETIME, Pagination
from datasets.selectors import dataset_get

from . import selectors, services
from .services import NAME_MAX_LENGTH

CRITERIA_HELP = (
    'Criteria text, e.g. `age >= 65 and sex == "F"`; empty selects every row. Kept exactly as sent '
    "(no trimming), so error positions point into it."
)
MEMBERS_HELP = "Usernames of collaborators; each needs an active account with 'analyze' on the dataset."
NO_DATASET = "No dataset found with this id."


# --- Serializers ---------------------------------------------------------------------------------


class AttritionStepSerializer(serializers.Serializer):
    clause = serializers.CharField(help_text="One top-level `and` clause, as written.")
    remaining = serializers.IntegerField(
        allow_null=True, help_text="Rows meeting this clause and every one before it; null when suppressed."
    )
    suppressed = serializers.BooleanField(required=False, help_text="Present (true) when suppressed.")


class CountsSerializer(serializers.Serializer):
    size = serializers.IntegerField(
        source="counts.size", allow_null=True, help_text="Rows selected; null when suppressed."
    )
    attrition = AttritionStepSerializer(source="counts.attrition", many=True)
    suppressed = serializers.BooleanField(
        source="counts.suppressed", help_text="True when disclosure control withheld a count."
    )
    notes = serializers.ListField(
        source="counts.notes", child=serializers.CharField(), help_text="Which rule changed what."
    )


class PreviewSerializer(CountsSerializer):
    dataset_version = serializers.IntegerField(help_text="The version counted.")


class CohortSerializer(CountsSerializer):
    id = serializers.IntegerField()
    dataset = serializers.IntegerField(source="dataset_id")
    dataset_version = serializers.IntegerField(help_text="The pinned version the cohort selects from.")
    name = serializers.CharField()
    criteria = serializers.CharField()
    members = serializers.SerializerMethodField()
    stale = serializers.BooleanField(help_text="True when the dataset has a newer version.")
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_members(self, cohort) -> list[str]:
        return sorted(member.get_username() for member in cohort.members.all())

    def to_representation(self, cohort):
        # The fields above document the shape; building the dict directly is what a page of
        # cohorts can afford.
        counts = cohort.counts
        return {
            "size": counts.size,
            "attrition": [
                {key: step[key] for key in ("clause", "remaining", "suppressed") if key in step}
                for step in counts.attrition
            ],
            "suppressed": counts.suppressed,
            "notes": counts.notes,
            "id": cohort.pk,
            "dataset": cohort.dataset_id,
            "dataset_version": cohort.dataset_version,
            "name": cohort.name,
            "criteria": cohort.criteria,
            "members": self.get_members(cohort),
            "stale": cohort.stale,
            "created_by": cohort.created_by.username,
            "created_at": DATETIME.to_representation(cohort.created_at),
            "updated_at": DATETIME.to_representation(cohort.updated_at),
        }


class PreviewRequestSerializer(serializers.Serializer):
    dataset = serializers.IntegerField(help_text="A dataset on which the caller holds 'analyze'.")
    criteria = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text=CRITERIA_HELP)
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text="A version of the dataset; the current one by default."
    )


class CohortCreateSerializer(serializers.Serializer):
    dataset = serializers.IntegerField(help_text="A dataset on which the caller holds 'analyze'.")
    name = serializers.CharField(max_length=NAME_MAX_LENGTH)
    criteria = serializers.CharField(
        allow_blank=True, trim_whitespace=False, required=False, default="", help_text=CRITERIA_HELP
    )
    members = serializers.ListField(
        child=serializers.CharField(max_length=150), required=False, default=list, help_text=MEMBERS_HELP
    )


class CohortPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, required=False)
    criteria = serializers.CharField(
        allow_blank=True, trim_whitespace=False, required=False, help_text=CRITERIA_HELP
    )
    members = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        help_text=MEMBERS_HELP + " The complete list; only the creator may change it.",
    )

    def validate(self, attrs):
        fixed = sorted({"dataset", "dataset_version"} & set(self.initial_data))
        if fixed:
            message = "A cohort stays on its dataset; re-pin it to the latest version or define a new cohort."
            raise serializers.ValidationError({field: [message] for field in fixed})
        return attrs


class CohortErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    # Field -> messages; nested for list and object fields ({"members": {"0": [...]}}).
    errors = serializers.DictField(required=False)
    position = serializers.IntegerField(
        required=False, help_text="For criteria errors: the 0-based character offset of the problem."
    )


def _error(description):
    return OpenApiResponse(CohortErrorSerializer, description=description)


INVALID = _error(
    "Bad input: `errors` names the field; a criteria error also gives its `position`, and an unknown "
    "column the closest column names."
)
NOT_FOUND = _error("No such cohort (or the caller may not see it).")
FORBIDDEN = _error("The caller may see the cohort or dataset but may not do this.")


# --- Views ---------------------------------------------------------------------------------------


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _analyzable_dataset(user, pk):
    """The dataset named in a request body: unknown and invisible look the same (a 400 on the field)."""
    try:
        return dataset_get(user, pk, "analyze")
    except Http404:
        raise exceptions.ValidationError({"dataset": [NO_DATASET]}) from None


def _cohort_response(request, cohort, status_code=status.HTTP_200_OK):
    selectors.with_counts(request.user, [cohort])
    return Response(CohortSerializer(cohort).data, status=status_code)


class CohortApiView(APIView):
    """Answers a refused cohort input with a 400 naming the field (and the criteria position)."""

    def handle_exception(self, exc):
        if isinstance(exc, services.CohortInvalid):
            body = {"detail": f"{exc.field}: {exc.text}", "errors": {exc.field: [exc.text]}}
            if exc.position is not None:
                body["position"] = exc.position
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)


class CohortPreviewApi(CohortApiView):
    @extend_schema(
        operation_id="cohorts_preview",
        summary="Count what criteria select from a dataset version, without saving",
        request=PreviewRequestSerializer,
        responses={200: PreviewSerializer, 400: INVALID, 403: FORBIDDEN},
    )
    def post(self, request):
        fields = _validated(PreviewRequestSerializer, request.data)
        dataset = _analyzable_dataset(request.user, fields["dataset"])
        selection = services.cohort_preview(
            request.user, dataset, fields["criteria"], version=fields.get("version")
        )
        counts = selectors.counts_for(request.user, dataset, selection.size, selection.attrition)
        return Response(PreviewSerializer({"counts": counts, "dataset_version": selection.version}).data)


class CohortListApi(CohortApiView):
    pagination_class = Pagination  # the schema documents the paginated envelope from it

    @extend_schema(
        operation_id="cohorts_list",
        summary="List the cohorts the caller may see",
        parameters=[OpenApiParameter("dataset", int, description="Only the cohorts of this dataset.")],
        responses={200: CohortSerializer(many=True), 400: INVALID},
    )
    def get(self, request):
        dataset = request.query_params.get("dataset", "")
        if dataset and not dataset.isdigit():
            raise exceptions.ValidationError({"dataset": ["Must be a dataset id (a whole number)."]})
        cohorts = selectors.cohorts_listed(request.user, dataset_id=int(dataset) if dataset else None)
        paginator = Pagination()
        page = selectors.with_counts(request.user, paginator.paginate_queryset(cohorts, request, view=self))
        return paginator.get_paginated_response(CohortSerializer(page, many=True).data)

    @extend_schema(
        operation_id="cohorts_create",
        summary="Define a cohort on a dataset's current version (analyze)",
        request=CohortCreateSerializer,
        responses={201: CohortSerializer, 400: INVALID, 403: FORBIDDEN},
    )
    def post(self, request):
        fields = _validated(CohortCreateSerializer, request.data)
        dataset = _analyzable_dataset(request.user, fields["dataset"])
        cohort = services.cohort_create(
            request.user,
            dataset,
            name=fields["name"],
            criteria=fields["criteria"],
            members=fields["members"],
            request=request,
        )
        return _cohort_response(request, cohort, status.HTTP_201_CREATED)


class CohortDetailApi(CohortApiView):
    @extend_schema(
        operation_id="cohorts_retrieve",
        summary="A cohort",
        responses={200: CohortSerializer, 404: NOT_FOUND},
    )
    def get(self, request, pk):
        return _cohort_response(request, selectors.cohort_get(request.user, pk))

    @extend_schema(
        operation_id="cohorts_partial_update",
        summary="Rename, change the criteria (recounted on the pinned version) or set the members",
        description="The creator and the members may change the name and criteria; only the creator "
        "may change the members.",
        request=CohortPatchSerializer,
        responses={200: CohortSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def patch(self, request, pk):
        cohort = selectors.cohort_get(request.user, pk)
        fields = _validated(CohortPatchSerializer, request.data)
        cohort = services.cohort_update(request.user, cohort, **fields, request=request)
        return _cohort_response(request, cohort)

    @extend_schema(
        operation_id="cohorts_destroy",
        summary="Delete a cohort and its analyses (creator only)",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request, pk):
        cohort = selectors.cohort_get(request.user, pk)
        services.cohort_delete(request.user, cohort, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CohortRepinApi(CohortApiView):
    @extend_schema(
        operation_id="cohorts_repin",
        summary="Re-pin a cohort to its dataset's latest version and recount it",
        description="The criteria must still fit the latest version's columns, else a 400 names the "
        "column. A cohort already on the latest version is returned unchanged.",
        request=None,
        responses={200: CohortSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request, pk):
        cohort = selectors.cohort_get(request.user, pk)
        cohort = services.cohort_repin(request.user, cohort, request=request)
        return _cohort_response(request, cohort)
