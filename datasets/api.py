"""REST API under /api/datasets/ (DESIGN.md). Thin: request and response shapes live here,
what a caller may see in selectors, every write in services.

A dataset the caller may not see answers 404; one they may see but lack the needed
permission for answers 403 with a message naming the permission (selectors.dataset_get).
"""

import codecs
import json
from decimal import Decimal

import orjson
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.utils.json import strict_constant
from rest_framework.views import APIView

from biostat.api import DATETIME, Pagination
from biostat.parsers import JSON_TOO_DEEP

from . import exporters, importers, permissions, selectors, services
from .uploads import too_large_message, upload_too_large
from .views import download_response

PREVIEW_DEFAULT_ROWS = 20
PREVIEW_MAX_ROWS = 500
FILE_HELP = "A CSV, TSV, XLSX (first sheet), Parquet or JSON (list of objects) file; the extension decides."
ROWS_HELP = "The rows: a non-empty list of flat objects, all with the same keys."


# --- Parsing and errors ------------------------------------------------------------------------


class ExactJSONParser(JSONParser):
    """JSON whose fractional numbers arrive as Decimal, so the importer sees exactly the digits
    the client sent (a float would already have rounded 16+ significant digits)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            return json.load(
                codecs.getreader(encoding)(stream), parse_float=Decimal, parse_constant=strict_constant
            )
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        except RecursionError:
            raise exceptions.ParseError(JSON_TOO_DEEP) from None


class UploadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"


class DatasetApiView(APIView):
    """Maps the app's own failures onto responses: a bad upload is a 400 naming the line and
    column, a dataset still in use cannot be deleted (409)."""

    def handle_exception(self, exc):
        if isinstance(exc, importers.ImportFailed):
            return Response(
                {"detail": str(exc), "line": exc.line, "column": exc.column},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if isinstance(exc, exporters.ExportFailed):
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        if isinstance(exc, services.DatasetInUse):
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)


def _validated(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _int_param(request, name, *, default=None, minimum=1, maximum=None):
    raw = request.query_params.get(name, "")
    if raw == "":
        if default is None:
            raise exceptions.ValidationError({name: ["This query parameter is required."]})
        return default
    try:
        value = int(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [f"Expected a whole number, got {raw!r}."]}) from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise exceptions.ValidationError({name: [f"Must be {bounds}."]})
    return value


# --- Serializers ---------------------------------------------------------------------------------


class ColumnSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(help_text="numeric, integer, boolean, categorical, date or text.")
    n = serializers.IntegerField(help_text="Non-missing values.")
    missing = serializers.IntegerField()
    distinct = serializers.IntegerField()
    levels = serializers.ListField(
        child=serializers.JSONField(), allow_null=True, help_text="Categorical only."
    )
    label = serializers.CharField(allow_blank=True)
    unit = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)


class DatasetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    creator = serializers.CharField(source="creator.username")
    version = serializers.IntegerField()
    content_sha256 = serializers.CharField()
    row_count = serializers.IntegerField()
    columns = serializers.SerializerMethodField()
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=permissions.SHORT_NAMES),
        source="caller_permissions",
        help_text="What the caller may do with this dataset.",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(ColumnSerializer(many=True))
    def get_columns(self, dataset):
        return dataset.columns

    def to_representation(self, dataset):
        # The fields above document the shape; building the dict directly costs a tenth of
        # running every field, which matters on a page of 500 datasets.
        return {
            "id": dataset.pk,
            "name": dataset.name,
            "description": dataset.description,
            "creator": dataset.creator.username,
            "version": dataset.version,
            "content_sha256": dataset.content_sha256,
            "row_count": dataset.row_count,
            "columns": dataset.columns,
            "permissions": dataset.caller_permissions,
            "created_at": DATETIME.to_representation(dataset.created_at),
            "updated_at": DATETIME.to_representation(dataset.updated_at),
        }


class VersionResultSerializer(DatasetSerializer):
    created = serializers.BooleanField(help_text="False when the content equals the current version's.")
    message = serializers.CharField(required=False)


class ColumnSummarySerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField()


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField(source="history_date")
    created_by = serializers.CharField(source="history_user.username", default=None, allow_null=True)
    note = serializers.CharField(source="version_note")
    content_sha256 = serializers.CharField()
    row_count = serializers.IntegerField()
    columns = serializers.SerializerMethodField()

    @extend_schema_field(ColumnSummarySerializer(many=True))
    def get_columns(self, record):
        return [{"name": column["name"], "type": column["type"]} for column in record.columns]


@extend_schema_field({"type": "array", "items": {"type": "object", "additionalProperties": True}})
class RowsField(serializers.JSONField):
    """Rows are checked by the importer, which names the offending item and key."""

    def to_internal_value(self, data):
        return data  # parsed by ExactJSONParser already (JSONField's own check rejects Decimal)


class FileContentSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=FILE_HELP, allow_empty_file=True)  # the importer says "empty"
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class RowsContentSerializer(serializers.Serializer):
    data = RowsField(help_text=ROWS_HELP)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class _Metadata(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")


class FileDatasetSerializer(_Metadata, FileContentSerializer):
    pass


class RowsDatasetSerializer(_Metadata, RowsContentSerializer):
    pass


class DatasetPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class ColumnPatchSerializer(serializers.Serializer):
    label = serializers.CharField(
        required=False, allow_blank=True, max_length=services.COLUMN_TEXT_LIMITS["label"]
    )
    unit = serializers.CharField(
        required=False, allow_blank=True, max_length=services.COLUMN_TEXT_LIMITS["unit"]
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=services.COLUMN_TEXT_LIMITS["description"]
    )


class GrantSerializer(serializers.Serializer):
    user = serializers.CharField(required=False, help_text="A username; give either user or group.")
    group = serializers.CharField(required=False, help_text="A group name; give either user or group.")
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=permissions.SHORT_NAMES),
        allow_empty=True,
        help_text="The principal's complete set; [] revokes everything. 'view' is implied by any other.",
    )

    def validate(self, attrs):
        if ("user" in attrs) == ("group" in attrs):
            raise serializers.ValidationError("Give either user (a username) or group (a group name).")
        kind = "user" if "user" in attrs else "group"
        attrs["principal"] = selectors.principal_named(**{kind: attrs[kind]})
        if attrs["principal"] is None:
            raise serializers.ValidationError({kind: [f"No {kind} named {attrs[kind]!r}."]})
        return attrs


class GrantResultSerializer(serializers.Serializer):
    user = serializers.CharField(required=False, help_text="Present for a user's grant.")
    group = serializers.CharField(required=False, help_text="Present for a group's grant.")
    permissions = serializers.ListField(child=serializers.ChoiceField(choices=permissions.SHORT_NAMES))


class DatasetErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ImportErrorSerializer(DatasetErrorSerializer):
    # Absent when the request itself is malformed (a missing field): then ``errors`` names it.
    line = serializers.IntegerField(
        required=False, allow_null=True, help_text="1-based line (or row) at fault, when known."
    )
    column = serializers.JSONField(
        required=False, allow_null=True, help_text="Column name or 1-based position, when known."
    )


def _error(description, serializer=DatasetErrorSerializer):
    return OpenApiResponse(serializer, description=description)


NOT_FOUND = _error("No such dataset (or the caller may not see it).")
FORBIDDEN = _error("The caller may see the dataset but lacks the permission this needs.")
UPLOAD_ERRORS = {
    400: _error("The upload cannot be read: `line` and `column` say where.", ImportErrorSerializer),
    413: _error("The upload is over BIOSTAT_MAX_UPLOAD_MB."),
}
CONTENT_REQUEST = {"multipart/form-data": FileContentSerializer, "application/json": RowsContentSerializer}
ROWS_SCHEMA = {"type": "array", "items": {"type": "object", "additionalProperties": True}}
VERSION_PARAM = OpenApiParameter("version", int, description="A version number; the current one by default.")


# --- Views ---------------------------------------------------------------------------------------


class UploadMixin:
    """Reads a new table from either a multipart file or a JSON ``data`` list."""

    parser_classes = (ExactJSONParser, MultiPartParser)

    def read_upload(self, request, file_serializer, rows_serializer):
        data = request.data  # parses the body
        if upload_too_large(request):
            raise UploadTooLarge(too_large_message())
        multipart = request.content_type.startswith("multipart/")
        fields = _validated(file_serializer if multipart else rows_serializer, data)
        if multipart:
            table = importers.read_file(fields["file"], fields["file"].name)
        else:
            table = importers.read_rows(fields["data"])
        return table, fields


def _dataset_response(request, dataset, status_code=status.HTTP_200_OK, **extra):
    if not hasattr(dataset, "caller_permissions"):  # dataset_get and dataset_create attach them
        selectors.with_caller_permissions(request.user, [dataset])
    return Response({**DatasetSerializer(dataset).data, **extra}, status=status_code)


class DatasetListApi(UploadMixin, DatasetApiView):
    pagination_class = Pagination  # the schema documents the paginated envelope from it

    @extend_schema(
        summary="List the datasets the caller may see",
        parameters=[OpenApiParameter("search", str, description="Matches the name or the description.")],
        responses=DatasetSerializer(many=True),
    )
    def get(self, request):
        datasets = selectors.datasets_listed(request.user, search=request.query_params.get("search", ""))
        paginator = Pagination()
        page = paginator.paginate_queryset(datasets, request, view=self)
        selectors.with_caller_permissions(request.user, page)
        return paginator.get_paginated_response(DatasetSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a dataset from a file or from rows",
        description="multipart/form-data {name, description, file, note} or JSON {name, description, "
        "data, note}. The caller becomes the creator and holds every permission.",
        request={"multipart/form-data": FileDatasetSerializer, "application/json": RowsDatasetSerializer},
        responses={201: DatasetSerializer, **UPLOAD_ERRORS},
    )
    def post(self, request):
        table, fields = self.read_upload(request, FileDatasetSerializer, RowsDatasetSerializer)
        dataset = services.dataset_create(
            request.user,
            name=fields["name"],
            description=fields["description"],
            table=table,
            note=fields["note"],
            request=request,
        )
        return _dataset_response(request, dataset, status.HTTP_201_CREATED)


class DatasetDetailApi(DatasetApiView):
    @extend_schema(
        summary="A dataset's metadata and data dictionary", responses={200: DatasetSerializer, 404: NOT_FOUND}
    )
    def get(self, request, pk):
        return _dataset_response(request, selectors.dataset_get(request.user, pk))

    @extend_schema(
        summary="Edit the name or description (change)",
        request=DatasetPatchSerializer,
        responses={200: DatasetSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def patch(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, "change")
        fields = _validated(DatasetPatchSerializer, request.data)
        dataset = services.dataset_update(request.user, dataset, **fields, request=request)
        return _dataset_response(request, dataset)

    @extend_schema(
        summary="Delete a dataset (delete)",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND, 409: _error("Cohorts still use it.")},
    )
    def delete(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, "delete")
        services.dataset_delete(request.user, dataset, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _version_result(request, dataset, created):
    if created:
        return _dataset_response(request, dataset, status.HTTP_201_CREATED, created=True)
    message = f"The content equals version {dataset.version}, the current one; no new version was created."
    return _dataset_response(request, dataset, created=False, message=message)


class VersionListApi(UploadMixin, DatasetApiView):
    pagination_class = Pagination  # the schema documents the paginated envelope from it

    @extend_schema(
        summary="The dataset's versions, newest first",
        responses={200: VersionSerializer(many=True), 404: NOT_FOUND},
    )
    def get(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.dataset_versions(dataset), request, view=self)
        return paginator.get_paginated_response(VersionSerializer(page, many=True).data)

    @extend_schema(
        summary="Upload a new version (change)",
        description="Content identical to the current version creates no version (200, created=false).",
        request=CONTENT_REQUEST,
        responses={
            201: VersionResultSerializer,
            200: VersionResultSerializer,
            403: FORBIDDEN,
            **UPLOAD_ERRORS,
        },
    )
    def post(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, "change")
        table, fields = self.read_upload(request, FileContentSerializer, RowsContentSerializer)
        dataset, created = services.dataset_add_version(
            request.user, dataset, table=table, note=fields["note"], request=request
        )
        return _version_result(request, dataset, created)


class VersionRestoreApi(DatasetApiView):
    @extend_schema(
        summary="Restore an earlier version as the new current version (change)",
        request=None,
        responses={
            201: VersionResultSerializer,
            200: VersionResultSerializer,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request, pk, number):
        dataset = selectors.dataset_get(request.user, pk, "change")
        dataset, created = services.dataset_restore(request.user, dataset, number, request=request)
        return _version_result(request, dataset, created)


class VersionDiffApi(DatasetApiView):
    @extend_schema(
        summary="Schema and row-count differences between two versions",
        parameters=[
            OpenApiParameter("from", int, required=True, description="The older version."),
            OpenApiParameter("to", int, required=True, description="The newer version."),
        ],
        responses={
            200: inline_serializer(
                "DatasetVersionDiff",
                {
                    "from_version": serializers.IntegerField(),
                    "to_version": serializers.IntegerField(),
                    "changed_fields": serializers.ListField(child=serializers.CharField()),
                    "added": ColumnSummarySerializer(many=True),
                    "removed": ColumnSummarySerializer(many=True),
                    "retyped": inline_serializer(
                        "DatasetRetypedColumn",
                        {
                            "name": serializers.CharField(),
                            "from": serializers.CharField(),
                            "to": serializers.CharField(),
                        },
                        many=True,
                    ),
                    "rows_from": serializers.IntegerField(),
                    "rows_to": serializers.IntegerField(),
                    "row_change": serializers.IntegerField(),
                    "same_content": serializers.BooleanField(),
                },
            ),
            404: NOT_FOUND,
        },
    )
    def get(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk)
        diff = selectors.dataset_diff(dataset, _int_param(request, "from"), _int_param(request, "to"))
        return Response(diff.as_dict())


class PreviewApi(DatasetApiView):
    @extend_schema(
        summary="The first rows of a version (export)",
        parameters=[
            VERSION_PARAM,
            OpenApiParameter(
                "limit", int, description=f"Rows, 1 to {PREVIEW_MAX_ROWS} (default {PREVIEW_DEFAULT_ROWS})."
            ),
        ],
        responses={
            200: inline_serializer(
                "DatasetPreview",
                {
                    "version": serializers.IntegerField(),
                    "columns": serializers.ListField(child=serializers.CharField()),
                    "rows": serializers.ListField(child=serializers.DictField()),
                },
            ),
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, "export")
        version = _int_param(request, "version", default=dataset.version)
        limit = _int_param(request, "limit", default=PREVIEW_DEFAULT_ROWS, maximum=PREVIEW_MAX_ROWS)
        rows = services.dataset_preview(request.user, dataset, version=version, limit=limit, request=request)
        # The rows as the JSON export writes them: decimals keep their exact digits.
        chunks, content_type, _ = exporters.export(rows, "json")
        body = {"version": version, "columns": rows.column_names, "rows": orjson.Fragment(b"".join(chunks))}
        return HttpResponse(orjson.dumps(body), content_type=content_type)


class IgnoreFormatParameter(DefaultContentNegotiation):
    """``?format=`` names the download's format here, not DRF's renderer; errors stay JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class DataApi(DatasetApiView):
    content_negotiation_class = IgnoreFormatParameter

    @extend_schema(
        summary="Download a version (export), streamed",
        parameters=[
            VERSION_PARAM,
            OpenApiParameter("format", str, enum=list(exporters.FORMATS), description="csv by default."),
        ],
        responses={
            # JSON downloads are rows; the other formats are files.
            **{
                (200, content_type.split(";")[0]): ROWS_SCHEMA if fmt == "json" else OpenApiTypes.BINARY
                for fmt, (content_type, _) in exporters.FORMATS.items()
            },
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def get(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, "export")
        fmt = request.query_params.get("format", "csv")
        if fmt not in exporters.FORMATS:
            raise exceptions.ValidationError({"format": [f"Choose one of: {', '.join(exporters.FORMATS)}."]})
        version = _int_param(request, "version", default=dataset.version)
        export = services.dataset_export(request.user, dataset, fmt=fmt, version=version, request=request)
        return download_response(export)


class PermissionsApi(DatasetApiView):
    @extend_schema(
        summary="Who holds which permissions (share)",
        responses={200: GrantResultSerializer(many=True), 403: FORBIDDEN},
    )
    def get(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, "share")
        return Response([grant.as_dict() for grant in selectors.dataset_grants(dataset)])

    @extend_schema(
        summary="Set one user's or group's permissions (share)",
        description="Sets the principal's complete set; [] revokes. You cannot change your own "
        "permissions, nor the creator's.",
        request=GrantSerializer,
        responses={
            200: GrantResultSerializer,
            400: _error("Unknown user, group or permission."),
            403: _error("The caller lacks share, or the grant would change their own or the creator's."),
        },
    )
    def put(self, request, pk):
        dataset = selectors.dataset_get(request.user, pk, "share")
        fields = _validated(GrantSerializer, request.data)
        result = services.dataset_share(
            request.user, dataset, fields["principal"], fields["permissions"], request=request
        )
        return Response(selectors.grant_of(fields["principal"], result).as_dict())


class ColumnApi(DatasetApiView):
    @extend_schema(
        summary="Edit a column's label, unit or description (change)",
        request=ColumnPatchSerializer,
        responses={200: ColumnSerializer, 403: FORBIDDEN, 404: _error("No such dataset or column.")},
    )
    def patch(self, request, pk, name):
        dataset = selectors.dataset_get(request.user, pk, "change")
        fields = _validated(ColumnPatchSerializer, request.data)
        dataset = services.column_update(request.user, dataset, name, **fields, request=request)
        return Response(dataset.column(name))
