from django.urls import path

from . import entry_views, views

app_name = "projects"

urlpatterns = [
    path("sheets/", views.sheet_list, name="sheet-list"),
    path("sheets/new/", entry_views.sheet_new, name="sheet-new"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet-detail"),
    path("sheets/<int:pk>.json", views.sheet_json, name="sheet-json"),
    path("sheets/<int:pk>/edit/", entry_views.sheet_edit, name="sheet-edit"),
    path(
        "sheets/<int:pk>/edit/preview/", entry_views.sheet_edit_preview, name="sheet-edit-preview"
    ),
    path("sheets/<int:pk>/submit/", entry_views.sheet_submit_view, name="sheet-submit"),
]
