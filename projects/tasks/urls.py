"""The year's evaluation tasks' pages (included by projects.urls, in its namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.task_list, name="task-list"),
]
