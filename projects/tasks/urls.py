"""The year's evaluation tasks' pages (included by projects.urls, in its namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.task_list, name="task-list"),
    path("new/", views.task_new, name="task-new"),
    path("<int:pk>/", views.task_detail, name="task-detail"),
    path("<int:pk>/deadline/", views.task_deadline, name="task-deadline"),
    path(
        "<int:pk>/deadline/<int:department_id>/clear/",
        views.task_deadline_clear,
        name="task-deadline-clear",
    ),
    path("<int:pk>/items/", views.task_add_items, name="task-add-items"),
    path("<int:pk>/cancel/", views.task_cancel, name="task-cancel"),
    path("items/<int:pk>/start/", views.task_item_start, name="task-item-start"),
]
