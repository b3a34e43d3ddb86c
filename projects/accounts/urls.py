"""The accounts pages, under /accounts/ (the login page keeps Django's name, `login`)."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("enroll/", views.enroll, name="enroll"),
    path("recovery-codes/", views.recovery_codes, name="recovery-codes"),
    path("password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("keep-alive/", views.keep_alive, name="keep-alive"),
    path("session/", views.session_status, name="session-status"),
    path("manage/", views.accounts_list, name="list"),
    path("manage/<int:pk>/reset-devices/", views.account_reset_devices, name="reset-devices"),
    path("manage/<int:pk>/unlock/", views.account_unlock, name="unlock"),
]
