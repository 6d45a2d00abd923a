from django.urls import path

from . import views

app_name = "cohorts"

urlpatterns = [
    path("", views.cohort_list, name="list"),
    path("new/", views.cohort_create, name="create"),
    path("<int:pk>/", views.cohort_detail, name="detail"),
    path("<int:pk>/edit/", views.cohort_edit, name="edit"),
    path("<int:pk>/repin/", views.cohort_repin, name="repin"),
    path("<int:pk>/delete/", views.cohort_delete, name="delete"),
]
