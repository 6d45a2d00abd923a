from django.urls import path, re_path

from . import api

urlpatterns = [
    path("analysis-types/", api.AnalysisTypeListApi.as_view(), name="analysis-types"),
    path("analyses/", api.AnalysisListApi.as_view(), name="analysis-list"),
    path("analyses/<int:pk>/", api.AnalysisDetailApi.as_view(), name="analysis-detail"),
    path("analyses/<int:pk>/rerun/", api.AnalysisRerunApi.as_view(), name="analysis-rerun"),
    re_path(
        r"^analyses/(?P<pk>[0-9]+)/tables/(?P<table>[\w-]+)\.(?P<fmt>csv|xlsx)$",
        api.AnalysisTableExportApi.as_view(),
        name="analysis-table",
    ),
    re_path(
        r"^analyses/(?P<pk>[0-9]+)/charts/(?P<name>[\w-]+)\.(?P<fmt>png|svg)$",
        api.AnalysisChartApi.as_view(),
        name="analysis-chart",
    ),
]
