from django.urls import path

from . import api

urlpatterns = [
    path("", api.AuditLogListView.as_view(), name="audit-list"),
    path("verify/", api.AuditVerifyView.as_view(), name="audit-verify"),
]
