from django.urls import path

from . import api

urlpatterns = [
    path("", api.DatasetListApi.as_view(), name="dataset-list"),
    path("<int:pk>/", api.DatasetDetailApi.as_view(), name="dataset-detail"),
    path("<int:pk>/versions/", api.VersionListApi.as_view(), name="dataset-versions"),
    path("<int:pk>/versions/diff/", api.VersionDiffApi.as_view(), name="dataset-version-diff"),
    path(
        "<int:pk>/versions/<int:number>/restore/",
        api.VersionRestoreApi.as_view(),
        name="dataset-version-restore",
    ),
    path("<int:pk>/preview/", api.PreviewApi.as_view(), name="dataset-preview"),
    path("<int:pk>/data/", api.DataApi.as_view(), name="dataset-data"),
    path("<int:pk>/permissions/", api.PermissionsApi.as_view(), name="dataset-permissions"),
    path("<int:pk>/columns/<path:name>/", api.ColumnApi.as_view(), name="dataset-column"),
]
