from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("sheets/", views.sheet_list, name="sheet-list"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet-detail"),
    path("sheets/<int:pk>.json", views.sheet_json, name="sheet-json"),
]
