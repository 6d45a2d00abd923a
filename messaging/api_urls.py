from django.urls import path

from . import api

urlpatterns = [
    path("", api.MessageListApi.as_view(), name="message-list"),
    path("<int:pk>/", api.MessageDetailApi.as_view(), name="message-detail"),
    path("<int:pk>/read/", api.MessageReadApi.as_view(), name="message-read"),
]
