from django.urls import path

from . import views

app_name = "graphql"

urlpatterns = [
    path("", views.graphql, name="endpoint"),
]
