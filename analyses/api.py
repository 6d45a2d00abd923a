"""REST API for analyses: /api/analysis-types/ and /api/analyses/..."""

import pyarrow as pa
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.services import record
from cohorts.selectors import cohort_get
from datasets import exporters

from . import charts, methods, selectors, services
from .validation import ParameterError


class AnalysisTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    parameters = serializers.JSONField(help_text="JSON Schema of the method's parameters.")


class AnalysisRequestSerializer(serializers.Serializer):
    cohort = serializers.IntegerField()
    analysis_type = serializers.CharField()
    parameters = serializers.JSONField(default=dict)


class AnalysisQueuedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class ChartLinkSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()


class AnalysisSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cohort = serializers.IntegerField(source="cohort_id")
    analysis_type = serializers.CharField()
    parameters = serializers.JSONField()
    status = serializers.CharField()
    results = serializers.SerializerMethodField()
    metadata = serializers.JSONField()
    error = serializers.CharField()
    charts = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by.username")
    rerun_of = serializers.IntegerField(source="rerun_of_id", allow_null=True)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)

    def _exact(self, analysis):
        """Asked once per analysis (a list attaches it for the whole page in one query)."""
        if not hasattr(analysis, "exact_values"):
            selectors.with_exact_values(self.context["request"].user, [analysis])
        return analysis.exact_values

    def get_results(self, analysis) -> dict | None:
        user = self.context["request"].user
        return services.analysis_results_for(user, analysis, exact=self._exact(analysis))

    def get_charts(self, analysis) -> list[dict]:
        exact = self._exact(analysis)
        return [
            {
                "name": chart["name"],
                "title": chart["title"],
                "url": reverse("analysis-chart", args=[analysis.pk, chart["name"], "png"]),
            }
            for chart in charts.listed(analysis.charts, exact=exact)
        ]


def _parameter_error(exc):
    return ValidationError(exc.errors)


@extend_schema(responses=AnalysisTypeSerializer(many=True))
class AnalysisTypeListApi(APIView):
    def get(self, request):
        data = [{"name": m.name, "label": m.label, "parameters": m.parameters} for m in methods.all_methods()]
        return Response(sorted(data, key=lambda item: item["name"]))


@extend_schema(parameters=[OpenApiParameter("cohort", int, description="Only analyses of this cohort.")])
class AnalysisListApi(generics.ListAPIView):
    serializer_class = AnalysisSerializer

    def get_queryset(self):
        cohort = self.request.query_params.get("cohort")
        if cohort is not None and not cohort.isdigit():
            raise ValidationError({"cohort": ["Must be a cohort id."]})
        return selectors.analyses_listed(self.request.user, cohort_id=cohort)

    def paginate_queryset(self, queryset):
        # Whether the caller sees exact values, for the whole page in one query.
        return selectors.with_exact_values(self.request.user, super().paginate_queryset(queryset))

    @extend_schema(request=AnalysisRequestSerializer, responses={202: AnalysisQueuedSerializer})
    def post(self, request):
        body = AnalysisRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            cohort = cohort_get(request.user, body.validated_data["cohort"])
        except Http404:
            raise ValidationError({"cohort": ["No cohort found with this id."]}) from None
        try:
            analysis = services.analysis_request(
                user=request.user,
                cohort=cohort,
                analysis_type=body.validated_data["analysis_type"],
                parameters=body.validated_data["parameters"],
                request=request,
            )
        except ParameterError as exc:
            raise _parameter_error(exc) from None
        return Response({"id": analysis.pk, "status": analysis.status}, status=status.HTTP_202_ACCEPTED)


class AnalysisDetailApi(APIView):
    @extend_schema(responses=AnalysisSerializer)
    def get(self, request, pk):
        analysis = selectors.analysis_get(request.user, pk)
        record("analysis.view", entity=analysis, request=request, summary=f"viewed analysis {analysis.pk}")
        return Response(AnalysisSerializer(analysis, context={"request": request}).data)


class AnalysisRerunApi(APIView):
    @extend_schema(request=None, responses={202: AnalysisQueuedSerializer})
    def post(self, request, pk):
        analysis = selectors.analysis_get(request.user, pk)
        try:
            rerun = services.analysis_rerun(user=request.user, analysis=analysis, request=request)
        except ParameterError as exc:
            raise _parameter_error(exc) from None
        return Response({"id": rerun.pk, "status": rerun.status}, status=status.HTTP_202_ACCEPTED)


class AnalysisTableExportApi(APIView):
    """One result table as CSV or XLSX, under the same disclosure control as the JSON."""

    @extend_schema(
        responses={(200, exporters.FORMATS[fmt][0].split(";")[0]): bytes for fmt in ("csv", "xlsx")}
    )
    def get(self, request, pk, table, fmt):
        analysis = selectors.analysis_get(request.user, pk)
        results = services.analysis_results_for(request.user, analysis)
        rows = (results or {}).get("tables", {}).get(table)
        if rows is None:
            raise Http404("This analysis has no such result table.")
        with transaction.atomic():
            record(
                "analysis.export",
                entity=analysis,
                request=request,
                summary=f"table {table} as {fmt}",
                payload={"table": table, "format": fmt, "suppressed": results["suppressed"]},
            )
        chunks, content_type, extension = exporters.export(pa.Table.from_pylist(rows), fmt)
        response = StreamingHttpResponse(chunks, content_type=content_type)
        filename = f"analysis-{analysis.pk}-{table}.{extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class AnalysisChartApi(APIView):
    """A chart of the analysis, drawn on request under the caller's disclosure rules; never cached."""

    @extend_schema(responses={(200, "image/png"): bytes, (200, "image/svg+xml"): bytes})
    def get(self, request, pk, name, fmt):
        analysis = selectors.analysis_get(request.user, pk)
        chart = next((chart for chart in analysis.charts if chart["name"] == name), None)
        if chart is None:
            raise Http404("This analysis has no such chart.")
        exact = selectors.can_see_exact_values(request.user, analysis)
        try:
            image, content_type = charts.render(
                chart, fmt, min_cell_count=None if exact else settings.BIOSTAT_MIN_CELL_COUNT
            )
        except charts.ChartWithheld:
            raise Http404("This analysis has no such chart.") from None
        with transaction.atomic():
            record("chart.view", entity=analysis, request=request, summary=f"chart {name}.{fmt}")
        response = HttpResponse(image, content_type=content_type)
        response["Cache-Control"] = "private, no-store"
        return response
