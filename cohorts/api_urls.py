from django.urls import path

from . import api

urlpatterns = [
    path("", api.CohortListApi.as_view(), name="cohort-list"),
    path("preview/", api.CohortPreviewApi.as_view(), name="cohort-preview"),
    path("<int:pk>/", api.CohortDetailApi.as_view(), name="cohort-detail"),
    path("<int:pk>/repin/", api.CohortRepinApi.as_view(), name="cohort-repin"),
]
