"""The year at a glance (included by projects.urls at /dashboard/, in its namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("units/", views.unit_ranking, name="dashboard-units"),
    path("projects/", views.project_ranking, name="dashboard-projects"),
]
