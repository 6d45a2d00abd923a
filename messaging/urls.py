from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("sent/", views.sent, name="sent"),
    path("new/", views.compose, name="compose"),
    path("recipients/", views.recipients, name="recipients"),
    path("<int:pk>/", views.thread, name="thread"),
    path("<int:pk>/read/", views.mark_read, name="read"),
]
