from django.urls import path

from . import entry_views, export_views, review_views, views

app_name = "projects"

urlpatterns = [
    path("sheets/", views.sheet_list, name="sheet-list"),
    path("sheets/new/", entry_views.sheet_new, name="sheet-new"),
    path("review/", review_views.review_inbox, name="review-inbox"),
    path("overview/", review_views.unit_overview, name="unit-overview"),
    path("sheets/<int:pk>/", views.sheet_detail, name="sheet-detail"),
    path("sheets/<int:pk>.json", views.sheet_json, name="sheet-json"),
    path("sheets/<int:pk>.pdf", export_views.sheet_pdf, name="sheet-pdf"),
    path("sheets/<int:pk>.xlsx", export_views.sheet_xlsx, name="sheet-xlsx"),
    path("exports/", export_views.export_jobs, name="export-jobs"),
    path("exports/<int:job_id>/", export_views.export_job_status, name="export-job"),
    path(
        "exports/<int:job_id>/download/", export_views.export_job_download, name="export-download"
    ),
    path("summary/", export_views.summary_page, name="summary"),
    path("sheets/<int:pk>/edit/", entry_views.sheet_edit, name="sheet-edit"),
    path(
        "sheets/<int:pk>/edit/preview/", entry_views.sheet_edit_preview, name="sheet-edit-preview"
    ),
    path("sheets/<int:pk>/submit/", entry_views.sheet_submit_view, name="sheet-submit"),
    path(
        "sheets/<int:pk>/return/",
        review_views.sheet_action,
        {"action": "return"},
        name="sheet-return",
    ),
    path(
        "sheets/<int:pk>/approve/",
        review_views.sheet_action,
        {"action": "approve"},
        name="sheet-approve",
    ),
    path(
        "sheets/<int:pk>/reopen/",
        review_views.sheet_action,
        {"action": "reopen"},
        name="sheet-reopen",
    ),
    path("sheets/<int:pk>/comments/", review_views.comment_create, name="comment-create"),
    path(
        "sheets/<int:pk>/comments/<int:comment_id>/resolve/",
        review_views.comment_resolve,
        name="comment-resolve",
    ),
    path("sheets/<int:pk>/evidence/", review_views.evidence_upload, name="evidence-upload"),
    path(
        "sheets/<int:pk>/evidence/<int:evidence_id>/",
        review_views.evidence_download,
        name="evidence-download",
    ),
    path(
        "sheets/<int:pk>/evidence/<int:evidence_id>/delete/",
        review_views.evidence_remove,
        name="evidence-delete",
    ),
    path("sheets/<int:pk>/history/", review_views.sheet_history, name="sheet-history"),
]
