"""Publication (随决算公开): the public pages, without login (included by projects.urls at
/public/, in its namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.public_index, name="public-index"),
]
