from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views

handler403 = "biostat.views.permission_denied"
handler404 = "biostat.views.page_not_found"
handler500 = "biostat.views.server_error"

api_patterns = [
    path("auth/", include("accounts.api_urls")),
    path("audit/", include("audit.api_urls")),
    path("datasets/", include("datasets.api_urls")),
    path("cohorts/", include("cohorts.api_urls")),
    path("messages/", include("messaging.api_urls")),
    # analyses serves both /api/analyses/ and /api/analysis-types/
    path("", include("analyses.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/<slug:panel>/", views.dashboard_panel, name="dashboard-panel"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("datasets/", include("datasets.urls")),
    path("cohorts/", include("cohorts.urls")),
    path("analyses/", include("analyses.urls")),
    path("messages/", include("messaging.urls")),
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("graphql/", include("graphql_api.urls")),
]
