"""Re-checks, 抽查复核 (included by projects.urls at /rechecks/, in its namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.recheck_list, name="recheck-list"),
    path("<int:pk>/", views.recheck_detail, name="recheck-detail"),
    path("<int:pk>/sheets/<int:sheet_pk>/", views.recheck_sheet, name="recheck-sheet"),
    path("<int:pk>/export.xlsx", views.recheck_export, name="recheck-export"),
]
