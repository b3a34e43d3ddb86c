from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from perfeval.health import healthz
from projects.accounts import views as accounts

urlpatterns = [
    path("", include("projects.urls")),
    # Two steps: the password here, then the code (projects/accounts/urls.py).
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/", include("projects.accounts.urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Container health check: no login, no session (exempt it from login/2FA middlewares).
    path("healthz", healthz, name="healthz"),
]

# Friendly error page with the request id; a database outage answers 503 (perfeval/errors.py).
handler500 = "perfeval.errors.server_error"
