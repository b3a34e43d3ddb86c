"""The app's pages, by room: filling in (sheets), the review, exports."""

from django.urls import include, path

from .audit import views as audit
from .exports import views as exports
from .review import views as review
from .sheets import views as sheets

app_name = "projects"

urlpatterns = [
    path("", review.home, name="home"),
    # Filling in.
    path("sheets/", sheets.sheet_list, name="sheet-list"),
    path("sheets/new/", sheets.sheet_new, name="sheet-new"),
    path("sheets/<int:pk>.json", sheets.sheet_json, name="sheet-json"),
    path("sheets/<int:pk>/edit/", sheets.sheet_edit, name="sheet-edit"),
    path("sheets/<int:pk>/edit/preview/", sheets.sheet_edit_preview, name="sheet-edit-preview"),
    path("sheets/<int:pk>/submit/", sheets.sheet_submit_view, name="sheet-submit"),
    path("sheets/<int:pk>/delete/", sheets.sheet_delete_view, name="sheet-delete"),
    # The review.
    path("review/", review.review_inbox, name="review-inbox"),
    path("review/bulk/", review.bulk_review, name="review-bulk"),
    path("overview/", review.unit_overview, name="unit-overview"),
    path("sheets/<int:pk>/", review.sheet_detail, name="sheet-detail"),
    path("sheets/<int:pk>/return/", review.sheet_action, {"action": "return"}, name="sheet-return"),
    path(
        "sheets/<int:pk>/approve/", review.sheet_action, {"action": "approve"}, name="sheet-approve"
    ),
    path("sheets/<int:pk>/reopen/", review.sheet_action, {"action": "reopen"}, name="sheet-reopen"),
    path("sheets/<int:pk>/comments/", review.comment_create, name="comment-create"),
    path(
        "sheets/<int:pk>/comments/<int:comment_id>/resolve/",
        review.comment_resolve,
        name="comment-resolve",
    ),
    path("sheets/<int:pk>/evidence/", review.evidence_upload, name="evidence-upload"),
    path(
        "sheets/<int:pk>/evidence/<int:evidence_id>/",
        review.evidence_download,
        name="evidence-download",
    ),
    path(
        "sheets/<int:pk>/evidence/<int:evidence_id>/delete/",
        review.evidence_remove,
        name="evidence-delete",
    ),
    path("sheets/<int:pk>/history/", review.sheet_history, name="sheet-history"),
    path("sheets/<int:pk>/edit/review/", review.editor_review_panel, name="editor-review"),
    # Exports.
    path("sheets/<int:pk>.pdf", exports.sheet_file, {"kind": "pdf"}, name="sheet-pdf"),
    path("sheets/<int:pk>.xlsx", exports.sheet_file, {"kind": "xlsx"}, name="sheet-xlsx"),
    path("exports/", exports.export_jobs, name="export-jobs"),
    path("exports/<int:job_id>/", exports.export_job_status, name="export-job"),
    path("exports/<int:job_id>/download/", exports.export_job_download, name="export-download"),
    path("summary/", exports.summary_page, name="summary"),
    # The year at a glance, the cross-sheet checks and the re-checks (抽查复核).
    path("dashboard/", include("projects.dashboard.urls")),
    path("checks/", include("projects.checks.urls")),
    path("rechecks/", include("projects.rechecks.urls")),
    # Publication (随决算公开): the public pages, open without login.
    path("public/", include("projects.publication.urls")),
    # The year's evaluation tasks, and each user's pending work.
    path("tasks/", include("projects.tasks.urls")),
    path("todo/", include("projects.reminders.urls")),
    # The audit log: the 审计员's pages.
    path("audit/", audit.audit_log, name="audit-log"),
    path("audit/<int:pk>/", audit.audit_record, name="audit-record"),
    path("audit/export.<str:fmt>", audit.audit_export, name="audit-export"),
]
