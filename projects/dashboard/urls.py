"""The year at a glance (included by projects.urls at /dashboard/, in its namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
