"""The cross-sheet checks report (included by projects.urls at /checks/, in its namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.checks_report, name="checks"),
    path("export/", views.checks_export, name="checks-export"),
]
