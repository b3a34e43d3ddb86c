"""Publication (随决算公开): the public pages, without login (included by projects.urls at
/public/, in its namespace), and the sheet page's 公开 / 撤回公开 actions."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.public_index, name="public-index"),
    path("sheets/<int:pk>/", views.public_sheet, name="public-sheet"),
    path("sheets/<int:pk>.pdf", views.public_sheet_pdf, name="public-sheet-pdf"),
    path("sheets/<int:pk>.json", views.public_sheet_json, name="public-sheet-json"),
    path(
        "<int:year>/departments/<int:department_id>/",
        views.department_list,
        name="public-department",
    ),
    path(
        "<int:year>/departments/<int:department_id>.<str:fmt>",
        views.department_list,
        name="public-department-file",
    ),
    path("<int:year>/bureaus/<int:bureau_id>/", views.bureau_list, name="public-bureau"),
    path(
        "<int:year>/bureaus/<int:bureau_id>.<str:fmt>",
        views.bureau_list,
        name="public-bureau-file",
    ),
    # Logged in, POST: publish or unpublish a sheet (the sheet page's buttons).
    path(
        "sheets/<int:pk>/publish/",
        views.sheet_publish,
        {"publish": True},
        name="sheet-publish",
    ),
    path(
        "sheets/<int:pk>/unpublish/",
        views.sheet_publish,
        {"publish": False},
        name="sheet-unpublish",
    ),
]
