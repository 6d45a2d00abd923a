from django.urls import path

from . import views

app_name = "analyses"

urlpatterns = [
    path("", views.analysis_list, name="list"),
    path("new/", views.analysis_new, name="new"),
    path("<int:pk>/", views.analysis_detail, name="detail"),
    path("<int:pk>/rerun/", views.analysis_rerun, name="rerun"),
]
