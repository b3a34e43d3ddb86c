"""The pending-work page (included by projects.urls, in its namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.todo, name="todo"),
]
