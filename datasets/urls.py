from django.urls import path

from . import views

app_name = "datasets"

urlpatterns = [
    path("", views.dataset_list, name="list"),
    path("new/", views.dataset_create, name="create"),
    path("<int:pk>/", views.dataset_detail, name="detail"),
    path("<int:pk>/edit/", views.dataset_edit, name="edit"),
    path("<int:pk>/delete/", views.dataset_delete, name="delete"),
    path("<int:pk>/versions/new/", views.dataset_new_version, name="new_version"),
    path("<int:pk>/versions/diff/", views.dataset_diff, name="diff"),
    path("<int:pk>/versions/<int:number>/restore/", views.dataset_restore, name="restore"),
    path("<int:pk>/download/", views.dataset_download, name="download"),
    path("<int:pk>/sharing/", views.dataset_share, name="share"),
    path("<int:pk>/columns/<path:name>/", views.column_edit, name="column"),
]
