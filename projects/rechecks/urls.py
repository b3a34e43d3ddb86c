"""Re-checks, 抽查复核 (included by projects.urls at /rechecks/, in its namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.recheck_list, name="recheck-list"),
]
